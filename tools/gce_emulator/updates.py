"""In-place instance changes: service account, Shielded VM options, access configs, scheduling.

Each takes the instance and the call, checks the API's rules (which change
needs a stopped instance; what a Confidential VM must keep), changes the
instance's JSON and returns nothing: the caller starts the operation. A
transitional instance is refused with ``resourceNotReady`` before any of
these run (compute_api). The rules are the ones Google's method pages state
(docs/emulator.md); the refusal sentences are the emulator's unless noted.
"""

from . import confidential, errors, instances


def _must_be_stopped(instance, what):
    if instance.status != "TERMINATED":
        raise errors.ApiError(
            400, "invalidResourceUsage",
            "Invalid resource usage: 'The instance must be stopped to change its %s; it is %s.'." % (
                what, instance.status))


def set_service_account(world, instance, body):
    """setServiceAccount: stopped only; ``default`` is the project's compute account; no email = none."""
    _must_be_stopped(instance, "service account")
    email = body.get("email")
    scopes = list(body.get("scopes") or [])
    if not email and not scopes:
        instance.body["serviceAccounts"] = []
        return
    if email in (None, "", "default"):
        email = "%s-compute@developer.gserviceaccount.com" % world.catalog.project_number
    instance.body["serviceAccounts"] = [{"email": email, "scopes": scopes}]


def update_shielded_instance_config(instance, body):
    """updateShieldedInstanceConfig: stopped only; Secure Boot needs a UEFI_COMPATIBLE boot disk."""
    _must_be_stopped(instance, "Shielded VM configuration")
    shielded = dict(instance.body.get("shieldedInstanceConfig") or {})
    for key in ("enableSecureBoot", "enableVtpm", "enableIntegrityMonitoring"):
        if key in body:
            shielded[key] = bool(body[key])
    boot = (instance.body.get("disks") or [{}])[0]
    features = [feature.get("type") for feature in boot.get("guestOsFeatures", [])]
    if shielded.get("enableSecureBoot") and "UEFI_COMPATIBLE" not in features:
        raise errors.invalid_field("enableSecureBoot", "true",
                                   "Secure Boot needs an image with the UEFI_COMPATIBLE guest OS feature.")
    if shielded.get("enableIntegrityMonitoring") and not shielded.get("enableVtpm"):
        raise errors.invalid_field("enableIntegrityMonitoring", "true", "Integrity monitoring needs the vTPM.")
    instance.body["shieldedInstanceConfig"] = shielded


def _interface(instance, query):
    name = query.get("networkInterface")
    if not name:
        raise errors.required_field("networkInterface")
    for nic in instance.body.get("networkInterfaces") or ():
        if nic.get("name") == name:
            return nic
    raise errors.invalid_field("networkInterface", name, "The instance has no network interface of that name.")


def add_access_config(world, instance, query, body):
    """addAccessConfig: one ONE_TO_ONE_NAT per interface, running or stopped."""
    nic = _interface(instance, query)
    if nic.get("accessConfigs"):
        raise errors.bad_request("At most one access config currently supported.", "invalid")
    kind = body.get("type", "ONE_TO_ONE_NAT")
    if kind != "ONE_TO_ONE_NAT":
        raise errors.invalid_field("type", kind, "Must be ONE_TO_ONE_NAT.")
    nat_ip = body.get("natIP") or world.allocate_external_ip(instance.project)
    nic["accessConfigs"] = [{"kind": "compute#accessConfig", "type": kind, "name": body.get("name", "External NAT"),
                             "natIP": nat_ip, "networkTier": body.get("networkTier", "PREMIUM")}]


def delete_access_config(instance, query):
    nic = _interface(instance, query)
    name = query.get("accessConfig")
    if not name:
        raise errors.required_field("accessConfig")
    kept = [access for access in nic.get("accessConfigs", []) if access.get("name") != name]
    if len(kept) == len(nic.get("accessConfigs", [])):
        raise errors.invalid_field("accessConfig", name, "The network interface has no access config of that name.")
    if kept:
        nic["accessConfigs"] = kept
    else:
        nic.pop("accessConfigs", None)


def set_scheduling(world, instance, body):
    """setScheduling: the new policy checked as on insert; the provisioning model changes only when stopped.

    A Confidential VM keeps the rules of its type (TDX: onHostMaintenance TERMINATE).
    """
    builder = instances.InstanceBuilder(world, instance.project, instance.zone)
    scheduling = builder.scheduling_of(body, prefix="resource")
    current = instance.body.get("scheduling") or {}
    moved = any(scheduling.get(key) != current.get(key) for key in ("provisioningModel", "preemptible"))
    if moved:
        _must_be_stopped(instance, "provisioning model")
    machine = instance.body["machineType"].rsplit("/", 1)[-1]
    boot = (instance.body.get("disks") or [{}])[0]
    image = {"guestOsFeatures": [feature.get("type") for feature in boot.get("guestOsFeatures", [])]}
    config = instance.body.get("confidentialInstanceConfig") or {}
    if config:
        confidential.check(world.catalog, instance.zone, machine, image, scheduling, config, "resource")
    instance.body["scheduling"] = scheduling
