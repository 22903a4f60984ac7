#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the TDX fleet report as JSON, text and an HTML page, or merge the reports of job slices
version_added: 0.1.0
description:
  - Writes C(fleet-report.json), C(fleet-report.txt) and C(fleet-report.html) in O(path) on the controller, with one
    row per host with its state per stage (provisioned, hardened, verified), why not, and, when the verify role
    attested the host, its verdict (C(attested), C(platform only), C(test root), C(refused)), its TCB status,
    advisories and measurements.
  - The HTML page is one static file with no external resources (inline style, no script), so it reads offline.
    Hosts that need attention (a failed stage, not checked, not attested, a TCB status other than
    C(UpToDate)) come first. Every value is HTML-escaped.
  - "Verdicts: C(attested) is green, C(platform only) amber, C(refused) red with its reasons. A C(test root) host
    is never green: its row, the tiles and a banner on the page say TEST ROOT, and the text report says so on
    its line, even when it passed (with C(verify_accept_test_root) in tests)."
  - With O(report), writes the report of a rollout, as the playbook C(confidential.tdx.site) builds it. With
    O(sources), merges the fleet reports of job slices (disjoint C(--limit) subsets of one rollout) into one
    report; a host in two slices' reports is an error naming the host, and nothing is written.
  - Runs on the controller as an action, without starting a module. A file that already holds the same text is
    left alone, so a second run with the same input changes nothing. Files are written to a temporary file
    first and then renamed, so a reader never sees half a report.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  path:
    description:
      - Directory the three report files go to; created when missing.
    type: path
    required: true
  report:
    description:
      - The rollout's report, as C(playbooks/templates/fleet_report.json.j2) builds it from the C(tdx_rollout)
        fact of each host; C(rows) is a list of rows with C(host), C(instance), C(zone), C(address),
        C(provisioned), C(hardened), C(verified) (V(true), V(false), or V(null) when not reached), C(why) and,
        once verify attests, C(attested), C(verdict), C(verdict_reasons), C(tcb_status), C(advisory_ids).
      - Exactly one of O(report) and O(sources).
    type: dict
  verify_results:
    description:
      - The verify role's C(verify_result) of each host, by host name (the content of its C(verify/HOST.json)
        report). The row of a host takes its C(attested), C(verdict) and C(verdict_reasons) (when the row has
        none) and its C(attestation) (C(verified), C(verdict), C(verdict_reasons), C(tcb_status), C(advisory_ids),
        C(fmspc), C(root), C(root_is_intel), C(problems)) and its measurements (C(mrtd), C(rtmr0) to C(rtmr3))
        from it, those of the attested quote, else those of the TD's own report, labelled self-reported.
    type: dict
    default: {}
  sources:
    description:
      - Report directories (or C(fleet-report.json) files) of the job slices to merge, in slice order.
      - Exactly one of O(report) and O(sources).
    type: list
    elements: path
  run:
    description:
      - What the page and the JSON say about the run, as text; the keys shown are C(id), C(started) and
        C(updated). The module adds no time of its own, so the same input gives the same files.
    type: dict
    default: {}
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.action
  - confidential.tdx.report_files
attributes:
  check_mode:
    support: full
    details: Returns the report and which files would be written, and writes nothing.
notes:
  - The playbook C(confidential.tdx.site) runs this module after every stage of every host (C(tdx_report_dir));
    C(confidential.tdx.merge_reports) runs it with O(sources) after a sliced rollout.
seealso:
  - module: confidential.tdx.json_reports
"""

EXAMPLES = r"""
- name: Merge the fleet reports of three job slices into one
  confidential.tdx.fleet_report:
    path: /srv/audit/tdx/merged
    sources:
      - /srv/audit/tdx/slice-0
      - /srv/audit/tdx/slice-1
      - /srv/audit/tdx/slice-2
    run:
      id: "{{ awx_workflow_job_id | default('rollout-2026-12-01') }}"
  run_once: true
  delegate_to: localhost

- name: Write the report of hand-made rows
  confidential.tdx.fleet_report:
    path: /srv/audit/tdx
    report:
      rollout: finished
      rows:
        - {host: tdx-web-1, provisioned: true, hardened: true, verified: true, why: ""}
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
report:
  description:
    - The report as written to C(fleet-report.json); C(rows) in play (or slice) order, each with C(attention),
      the reasons a reader should look at the host (empty when none).
    - C(hosts), C(provisioned), C(hardened), C(verified), C(attention) count the rows; C(attested) (verdict
      C(attested) only) and C(verdicts) (each verdict to its count) are there when the rollout attested. A merged
      report lists its C(slices).
  returned: always
  type: dict
  sample:
    hosts: 2
    provisioned: 2
    hardened: 2
    verified: 1
    attention: 1
    rollout: finished
    run: {id: tdx-20261201T193000Z}
    rows:
      - {host: tdx-web-1, provisioned: true, hardened: true, verified: true, why: "", attention: []}
      - {host: tdx-web-2, provisioned: true, hardened: true, verified: false, why: "not verified: ...",
         attention: [not verified]}
lines:
  description: The text report's lines (headline, column headers, a line per host), as C(fleet-report.txt) holds them.
  returned: always
  type: list
  elements: str
files:
  description: The path of each form of the report, by form (C(json), C(txt), C(html)).
  returned: always
  type: dict
  sample: {json: /srv/audit/tdx/fleet-report.json, txt: /srv/audit/tdx/fleet-report.txt,
           html: /srv/audit/tdx/fleet-report.html}
written:
  description: Paths of the files written (in check mode, that would be written), sorted.
  returned: always
  type: list
  elements: str
"""
