# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One instance entry of the provision role, merged over the role's defaults and checked.

The role passes each host's entry (or each listed instance) to gce_instance;
the options an entry may set are gce_instance's own instance options, read
from the one spec in options.py, less ``state``, which the role sets itself
(provision_state). The role refuses a bad entry naming the host before any
call, so its messages stay the role's own rather than the module's
``instances.N`` ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.options import (
    INSTANCE_OPTIONS,
    PLACEMENT_OPTIONS,
)

ROLE_SET_OPTIONS = ("state",)
ENTRY_OPTIONS = tuple(name for name in INSTANCE_OPTIONS if name not in ROLE_SET_OPTIONS)


def _deep_merge(base, over):
    """``over`` merged over ``base``: dicts key by key (labels, metadata), anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merged_entry(entry, defaults, found_zone=None):
    """The entry over the defaults; an entry that places itself (zone or zones) drops both of the defaults'.

    An entry placed by neither takes ``found_zone``, the zone where the gce
    inventory found the instance, when there is one.
    """
    entry = entry or {}
    defaults = defaults or {}
    places_itself = any(name in entry for name in PLACEMENT_OPTIONS)
    kept = dict((key, value) for key, value in defaults.items()
                if not (places_itself and key in PLACEMENT_OPTIONS))
    merged = _deep_merge(kept, entry)
    if found_zone and not any(name in merged for name in PLACEMENT_OPTIONS):
        merged["zone"] = found_zone
    return merged


def entry_problems(merged):
    """One-line messages for what is wrong with a merged entry (empty when fine)."""
    problems = []
    unknown = [key for key in merged if key not in ENTRY_OPTIONS]
    if unknown:
        problems.append("unknown option(s) %s; use the options of confidential.tdx.gce_instance: %s"
                        % (", ".join(str(key) for key in unknown), ", ".join(ENTRY_OPTIONS)))
    placed = [name for name in PLACEMENT_OPTIONS if name in merged]
    if not placed:
        problems.append("no zone: set zone or zones in its entry or in provision_instance_defaults")
    elif len(placed) > 1:
        problems.append("zone and zones are both set; give one")
    return problems


def checked_entry(entry, defaults, found_zone=None):
    """``{"merged": entry over defaults, "problems": [...]}`` for the role's tasks."""
    merged = merged_entry(entry, defaults, found_zone)
    return {"merged": merged, "problems": entry_problems(merged)}
