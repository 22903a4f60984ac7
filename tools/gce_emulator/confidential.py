"""Google's Confidential VM rules (TDX first) as the API enforces them on insert.

The rules come from the catalog's ``confidentialComputing`` table; this module
only applies them, in the order a request is most usefully told about them,
and words the refusals as the API does where the wording is known
(``reason`` is ``invalid`` for all of them, as in the real API).
"""

import json

from . import errors

UNSPECIFIED = "CONFIDENTIAL_INSTANCE_TYPE_UNSPECIFIED"
# The old boolean predates confidentialInstanceType and means AMD SEV.
LEGACY_FLAG_TYPE = "SEV"


def render_config(config):
    """The submitted config as the API quotes it back: ``{ "k": v, ...}``."""
    return "{ %s}" % ", ".join('"%s": %s' % (key, json.dumps(value)) for key, value in config.items())


def requested_type(config):
    """The confidential instance type a config asks for, or None."""
    kind = config.get("confidentialInstanceType")
    if kind and kind != UNSPECIFIED:
        return kind
    if config.get("enableConfidentialCompute"):
        return LEGACY_FLAG_TYPE
    return None


def check(catalog, zone, machine_type, image, scheduling, config, prefix):
    """Raise ApiError(400) if the config breaks a rule; do nothing otherwise.

    ``image`` is the boot image's catalog entry, ``scheduling`` the effective
    scheduling (defaults filled in), ``prefix`` the field path of the instance
    in the request (``resource`` or ``instanceProperties``).
    """
    if not config:
        return
    kind = requested_type(config)
    if kind is None:
        return
    field = prefix + ".confidentialInstanceConfig"
    quoted = render_config(config)
    rules = catalog.confidential.get(kind)
    if rules is None:
        raise errors.invalid_field(
            field + ".confidentialInstanceType", kind,
            "Unknown confidential instance type; known: %s." % ", ".join(sorted(catalog.confidential)),
        )
    if config.get("enableConfidentialCompute") and not rules["sevFlagAllowed"]:
        raise errors.invalid_field(
            field, quoted,
            "enableConfidentialCompute turns on AMD SEV and cannot be combined with confidentialInstanceType %s." % kind,
        )
    if machine_type not in rules["machineTypes"]:
        raise errors.invalid_field(
            field, quoted,
            "Confidential Instance Config can only be set on supported and compatible Confidential VM machine types.",
        )
    zones = catalog.confidential_zones(kind)
    if zones is not None and zone not in zones:
        raise errors.invalid_field(
            field, quoted, "Confidential instance type %s is not supported in zone '%s'." % (kind, zone)
        )
    if rules["imageFeature"] not in image["guestOsFeatures"]:
        raise errors.invalid_field(
            field, quoted, "Confidential Instance Config can only be set when using a %s compatible image." % kind
        )
    maintenance = scheduling.get("onHostMaintenance")
    if maintenance != rules["onHostMaintenance"]:
        raise errors.invalid_field(
            prefix + ".scheduling.onHostMaintenance", maintenance,
            "Confidential VMs of type %s must set onHostMaintenance to %s." % (kind, rules["onHostMaintenance"]),
        )
    allowed_models = rules["provisioningModels"].get(machine_type)
    model = scheduling.get("provisioningModel")
    if allowed_models and model not in allowed_models:
        raise errors.invalid_field(
            prefix + ".scheduling.provisioningModel", model,
            "Machine type %s with confidential instance type %s needs provisioning model %s."
            % (machine_type, kind, " or ".join(allowed_models)),
        )


def suspend_refusal(catalog, config):
    """Why an instance with this confidential config cannot be suspended, or None."""
    kind = requested_type(config)
    if kind is None:
        return None
    rules = catalog.confidential.get(kind) or {}
    if rules.get("suspendable", False):
        return None
    return "Confidential VM is not supported for suspend: instance type %s cannot be suspended." % kind
