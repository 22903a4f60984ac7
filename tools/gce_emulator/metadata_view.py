"""What the metadata server (tools/metadata_server) tells a backed instance about itself (backing mode).

The emulator's own record of the instance is the source, read under the
world's lock at each request: its id, name, zone, machine type, the address
of its test host and its metadata items. So a ``setMetadata`` through the
Compute API reaches the guest with the next answer, and the guest agent's
long poll wakes up within the metadata server's poll interval.
"""

import os
import sys

# tools/ holds the emulator and the metadata server side by side; neither
# imports the collection.
_TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TOOLS_DIR not in sys.path:
    sys.path.insert(0, _TOOLS_DIR)

from metadata_server import MetadataService  # noqa: E402  (needs the path above)


def instance_facts(world, key):
    """The metadata server's facts for the instance ``key`` (project, zone, name), or None once it is gone."""
    with world.lock:
        instance = world.instances.get(key)
        if instance is None:
            return None
        body = instance.body
        nic = (body.get("networkInterfaces") or [{}])[0]
        access = (nic.get("accessConfigs") or [{}])[0]
        items = (body.get("metadata") or {}).get("items") or []
        return {
            "id": body["id"],
            "name": body["name"],
            "zone": key[1],
            "machine_type": body["machineType"].rsplit("/", 1)[-1],
            "project_id": key[0],
            "numeric_project_id": world.catalog.project_number,
            "ip": nic.get("networkIP", ""),
            "external_ip": access.get("natIP"),
            "hostname": body.get("hostname"),
            "attributes": {item["key"]: item.get("value", "") for item in items},
            "tags": list((body.get("tags") or {}).get("items") or []),
            "cpu_platform": body.get("cpuPlatform", ""),
            "description": body.get("description", ""),
            "maintenance_event": instance.maintenance_event,
        }


def metadata_service(world):
    return MetadataService(lambda key: instance_facts(world, key))
