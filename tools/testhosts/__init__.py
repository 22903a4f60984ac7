"""Real systemd test hosts for the roles: systemd-nspawn containers and a QEMU VM.

Run as ``tools/testhosts/testhosts`` (or ``python3 tools/testhosts``); see
docs/testing.md. Standard library only: it runs before any virtual
environment exists.
"""
