"""A GCE metadata server for the test hosts: each host is answered as its own instance.

Standard library only, and nothing of the collection. ``MetadataService``
(service.py) serves ``/computeMetadata/v1/`` to each test host on a listening
socket that lives in the host's own network namespace at 169.254.169.254:80
(netns.py), so nothing on this machine's own interfaces answers at that
address. What it serves comes from a ``describe(key)`` callable (the
emulator's backing mode reads its instances, see
tools/gce_emulator/metadata_view.py); OS Login answers come from an
``OsLoginDirectory`` (oslogin.py) kept per project. See docs/emulator.md.
"""

from .oslogin import OsLoginDirectory
from .service import METADATA_ADDRESS, MetadataService

__all__ = ["METADATA_ADDRESS", "MetadataService", "OsLoginDirectory"]
