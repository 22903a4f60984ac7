# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What each attribute means; a module adds its own support level and
    # details, which take precedence when the fragment is merged in.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Whether the module can run with C(--check) and what it then does.
  diff_mode:
    description: Whether the module returns a before/after diff with C(--diff).
"""

    # Cloud modules: on the controller, through the Compute Engine API.
    CLOUD = r"""
attributes:
  platform:
    description: The systems the module runs on.
    platforms: gce
    support: full
    details: Runs on the controller and talks to the Compute Engine API.
"""

    # Guest-side modules: on the managed host, which may have an old Python.
    GUEST = r"""
attributes:
  platform:
    description: The systems the module runs on.
    platforms: linux
    support: full
    details: Runs on the managed host with Python 3.8+ and its standard library only.
"""

    # Attestation modules: actions on the controller, with dcap-qvl.
    CONTROLLER = r"""
attributes:
  platform:
    description: The systems the module runs on.
    platforms: posix
    support: full
    details:
      - Runs on the controller, in the Ansible process that runs the task, whichever host the task is for (no
        O(ignore:delegate_to) is needed); the host is not contacted. It needs the Python package C(dcap-qvl) in the
        Python that runs Ansible (the collection's C(requirements.txt)).
  action:
    description: Whether the module has an action plugin.
    support: full
    details: The action plugin does all the work on the controller, without starting a module.
"""

    # Action plugins that do all their work on the controller, without a module run.
    ACTION = r"""
attributes:
  platform:
    description: The systems the module runs on.
    platforms: posix
    support: full
    details: Runs on the controller only; the target host is not contacted.
  action:
    description: Whether the module has an action plugin.
    support: full
    details: The action plugin does all the work on the controller.
"""
