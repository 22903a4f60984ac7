# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that write report files on the controller, as an action (json_reports, fleet_report).
    DOCUMENTATION = r"""
options:
  mode:
    description:
      - Permissions of the report files, as an octal string such as V('0640') (or a number, as YAML reads
        an unquoted C(0640)).
    type: raw
    default: '0640'
  directory_mode:
    description:
      - Permissions of O(path) when the module creates it, in the same forms as O(mode).
    type: raw
    default: '0750'
attributes:
  diff_mode:
    support: full
    details: One before/after per file that changes, headed by its path.
"""
