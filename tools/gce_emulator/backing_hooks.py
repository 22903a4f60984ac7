"""How the API handlers drive the backing test hosts (backing mode, see backing.py).

Each call runs under the world's lock and only starts work; the returned
``hold`` keeps the instance's operation RUNNING until the host has booted
(and answers SSH) or is gone, so DONE and RUNNING mean what they mean on
Compute Engine. Without a backing every function does nothing.
"""

from . import resources
from .world import OperationFailure


def host_key(instance):
    """The backing's key of an instance: (project, zone, name)."""
    return (instance.project, instance.zone, instance.name)


def boot_image(world, instance):
    """The name of the image the instance's boot disk was made from; None when it has no such disk."""
    for attached in instance.body.get("disks") or ():
        if attached.get("boot") and attached.get("source"):
            disk = world.disks.get((instance.project, instance.zone, resources.last_segment(attached["source"])))
            image = (disk or {}).get("sourceImage")
            return resources.last_segment(image) if image else None
    return None


def boot_host(world, instance):
    """Boot the instance's test host; the returned hold keeps the operation open until it answers SSH.

    The host's TDX event log (when it has the configfs-tsm stand-in) measures
    a kernel named after the instance's boot image: instances of one image
    measure alike, and a new image measures a kernel of its own.
    """
    if world.backing is None:
        return None
    key = host_key(instance)
    world.backing.boot(key, kernel=boot_image(world, instance))
    return lambda: world.backing.busy(key)


def halt_host(world, instance):
    """Halt and remove the instance's test host; the returned hold keeps the operation open until it is gone."""
    key = host_key(instance)
    if world.backing is None or not world.backing.halt(key):
        return None
    return lambda: world.backing.busy(key)


def adopt_host(world, instance):
    """After a boot: give the instance its host's address, or the OperationFailure of a failed boot."""
    if world.backing is None:
        return None
    key = host_key(instance)
    problem = world.backing.failure(key)
    if problem is not None:
        world.backing.forget(key)
        return OperationFailure(
            "EMULATOR_BACKING_HOST_FAILED",
            "The test host backing instance '%s' did not start: %s" % (instance.path(), problem), 500)
    address = world.backing.address(key)
    nic = (instance.body.get("networkInterfaces") or [None])[0]
    if nic is not None and address:
        nic["networkIP"] = address
        for access in nic.get("accessConfigs", []):
            access["natIP"] = address
    return None
