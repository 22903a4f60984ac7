"""Recorded Compute Engine API exchanges: record a real run, replay it against the emulator, compare.

A real run (tests/live/real_gcp with CONFIDENTIAL_TDX_RECORD set)
sends its Compute API calls through RecordingProxy, which passes them on to
Google and keeps each request and answer (never a header, so never a token;
the project's name is replaced by a placeholder). replay() sends the same
calls, in the same order, to the emulator, and compare() holds each of the
emulator's answers to Google's, field by field. A recording kept under
tests/fixtures/recorded/ makes that first real run a permanent fidelity
test (tests/inprocess/gce/test_recorded_responses.py).
"""

from .compare import compare
from .proxy import RecordingProxy
from .recording import FORMAT, load, save
from .replay import replay

__all__ = ["FORMAT", "RecordingProxy", "compare", "load", "replay", "save"]
