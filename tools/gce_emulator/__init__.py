"""A local Compute Engine API emulator that enforces Google's TDX rules.

For tests and the offline demo; it is not part of the collection and must not
import it. See docs/emulator.md.

    import sys; sys.path.insert(0, "<repo>/tools")
    from gce_emulator import EmulatorServer
    with EmulatorServer(port=0, operation_seconds=0.3) as server:
        server.base_url, server.admin
"""

from .admin import AdminClient
from .server import EmulatorServer

__all__ = ["AdminClient", "EmulatorServer"]
