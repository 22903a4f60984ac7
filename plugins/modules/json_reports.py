#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: json_reports
short_description: Write a set of JSON reports into one directory in one run
version_added: 0.1.0
description:
  - Writes each entry of O(reports) as the file C(NAME.json) in O(path), as indented JSON with sorted keys and a
    final newline, and creates O(path) when it is missing.
  - A file that already holds the same text is left alone, so a second run with the same reports changes nothing.
  - Always writes on the controller, whichever host the task runs for, as M(ansible.builtin.fetch) does, and
    runs there as an action, without starting a module. Run it once (C(run_once)) with the reports of every
    host of a play, where one M(ansible.builtin.copy) task per host would start a module per host. The role
    C(confidential.tdx.verify) writes its host reports and fleet summary this way.
  - Each file is written to a temporary file in O(path) first and then renamed, so a reader never sees half a
    report.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  path:
    description:
      - Directory the reports go to.
    type: path
    required: true
  reports:
    description:
      - The reports, by name; the name becomes the file name, with C(.json) added.
      - A name is a single file name (no C(/), not C(.) or C(..)).
    type: dict
    required: true
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.action
  - confidential.tdx.report_files
attributes:
  check_mode:
    support: full
    details: Reports which files would be written, and writes nothing.
notes:
  - Files in O(path) that are not named in O(reports) are left as they are.
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Write each host's report and a summary on the controller, in one task
  confidential.tdx.json_reports:
    path: /srv/audit/tdx
    reports: >-
      {{ dict(ansible_play_batch | zip(ansible_play_batch | map('extract', hostvars, 'audit_result')))
         | combine({'summary': audit_summary}) }}
  run_once: true
"""

RETURN = r"""
written:
  description: Paths of the files written (in check mode, that would be written), sorted.
  returned: always
  type: list
  elements: str
  sample: [/srv/audit/tdx/tdx-web-1.json, /srv/audit/tdx/summary.json]
files:
  description: Paths of every report file, sorted.
  returned: always
  type: list
  elements: str
  sample: [/srv/audit/tdx/summary.json, /srv/audit/tdx/tdx-web-1.json, /srv/audit/tdx/tdx-web-2.json]
"""
