"""Run the ``confidential.tdx.gce`` inventory plugin in this process against the emulator, as ansible-inventory does.

``InProcessInventory.run(config)`` writes the configuration to a
``*.gce.yml`` file and does what ansible-inventory's InventoryManager does
with it -- ``verify_file``, ``parse`` into a fresh ``InventoryData`` with a
``DataLoader``, ``update_cache_if_changed`` -- over the real
google-cloud-compute client and HTTP, in about 0.05 CPU-s where a real
``ansible-inventory`` run costs seconds (Python, ansible's imports and
plugin loading, google-cloud-compute's import). The plugin's options are
registered from its own DOCUMENTATION, doc fragments merged by ansible's
``get_docstring``, so defaults, types, choices and ``env`` entries (the
GCP_* variables) resolve as they do in a real run. A fresh plugin object per
run, so a cache (``cache_connection`` on disk) is read back as a later run
reads it.

What this cannot show, tests/playbooks/inventory keeps real runs for: the
plugin loaded by Ansible from the installed collection (here it is the
source tree's), how Ansible prints an error or a warning, --graph, -vvv
output, and a run without the google libraries.

``run`` returns an InProcessRun with the same readers as the real runs'
InventoryRun (hosts, hostvars, names(), group(), groups(), warnings()),
plus ``error``: the exception ``parse`` raised, or None.
"""

import os

import yaml
from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.doc_fragments import constructed, inventory_cache
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.confidential.tdx.plugins.doc_fragments import gce_plugin
from ansible_collections.confidential.tdx.plugins.inventory import gce
from tests.playbooks.inventory.harness import GCP_ENVIRONMENT, InventoryHarness, unwrap

PLUGIN_NAME = "confidential.tdx.gce"

# The doc fragments the plugin's DOCUMENTATION extends, by the names it uses.
FRAGMENTS = {
    "ansible.builtin.constructed": constructed.ModuleDocFragment,
    "ansible.builtin.inventory_cache": inventory_cache.ModuleDocFragment,
    "confidential.tdx.gce_plugin": gce_plugin.ModuleDocFragment,
}


class _FragmentLoader:
    """What ansible's add_fragments asks of the doc fragment loader, for FRAGMENTS only."""

    def get(self, name):
        fragment = FRAGMENTS.get(name)
        if fragment is not None:
            fragment.ansible_name = name
        return fragment


def register_options():
    """Make the plugin's documented options known to Ansible's config manager (once per process).

    This is what the plugin loader does when it loads the plugin
    (``PluginLoader._load_config_defs``), which an in-process test cannot
    ask of it without installing Ansible's collection finder for the whole
    test process.
    """
    if not C.config.has_configuration_definition("inventory", PLUGIN_NAME):
        doc = get_docstring(gce.__file__, _FragmentLoader())[0]
        C.config.initialize_plugin_configuration_definitions("inventory", PLUGIN_NAME, doc["options"])


def new_plugin():
    """A plugin object as the plugin loader hands it out."""
    register_options()
    plugin = gce.InventoryModule()
    plugin._load_name = PLUGIN_NAME
    plugin._original_path = gce.__file__
    plugin._redirected_names = []
    plugin.ansible_name = PLUGIN_NAME
    plugin.ansible_aliases = [PLUGIN_NAME]
    return plugin


class _RecordingDisplay:
    """The plugin's display, its warnings recorded (and not printed)."""

    def __init__(self, display):
        self._display = display
        self.warnings = []

    def warning(self, msg, *args, **kwargs):
        self.warnings.append(msg)

    def __getattr__(self, name):
        return getattr(self._display, name)


class InProcessRun:
    def __init__(self, inventory_data, warnings, error, verified):
        self.inventory_data = inventory_data
        self.warning_messages = warnings
        self.error = error
        self.verified = verified

    @property
    def ok(self):
        return self.verified and self.error is None

    @property
    def output(self):
        """The error and the warnings, for assertion messages."""
        return "\n".join(["error: %s: %s" % (type(self.error).__name__, self.error)] + self.warning_messages)

    @property
    def hostvars(self):
        assert self.ok, self.output
        return dict((name, unwrap(dict(host.vars))) for name, host in self.inventory_data.hosts.items())

    @property
    def hosts(self):
        return set(self.hostvars)

    def group(self, name):
        """Hosts directly in group ``name`` (empty set when the group does not exist)."""
        assert self.ok, self.output
        group = self.inventory_data.groups.get(name)
        return set(host.name for host in group.hosts) if group else set()

    def groups(self):
        assert self.ok, self.output
        return set(self.inventory_data.groups) - {"all", "ungrouped"}

    def names(self):
        """{inventory host name: instance name}."""
        return dict((host, variables["gce"]["name"]) for host, variables in self.hostvars.items())

    def warnings(self):
        return list(self.warning_messages)

    def one_line_error(self, *fragments):
        """The plugin's error message; it is one line and holds every fragment."""
        assert self.error is not None, "the run did not fail: %s" % self.output
        # An AnsibleError is what Ansible prints as one line; anything else would be an unforeseen failure.
        assert isinstance(self.error, AnsibleError), repr(self.error)
        message = str(self.error)
        assert "\n" not in message, message
        for fragment in fragments:
            assert fragment in message, "%r not in %r" % (fragment, message)
        # Raised "from None": no chained exception (and its text) reaches the user.
        assert self.error.__cause__ is None, repr(self.error.__cause__)
        return message


class InProcessInventory(InventoryHarness):
    """InventoryHarness (config, load, calls, ...) whose run() is the plugin in this process."""

    # jsonfile by its short name: its FQCN needs Ansible's collection finder,
    # which these in-process runs do not install.
    CACHE_PLUGIN = "jsonfile"

    def __init__(self, emulator, service_account_file, tmp_path, monkeypatch):
        super(InProcessInventory, self).__init__(emulator, service_account_file, tmp_path)
        self.monkeypatch = monkeypatch

    def run(self, config, name="fleet.gce.yml", env=None, cache=True):
        """``cache=False`` is what ``ansible-inventory --flush-cache`` passes to parse()."""
        sources = os.path.join(str(self.tmp_path), "sources")
        os.makedirs(sources, exist_ok=True)
        source = os.path.join(sources, name)
        with open(source, "w") as handle:
            yaml.safe_dump(config, handle, default_flow_style=False)
        plugin = new_plugin()
        display = _RecordingDisplay(plugin.display)
        plugin.display = display
        inventory_data = InventoryData()
        error = None
        with self.monkeypatch.context() as patch:
            for variable in GCP_ENVIRONMENT:
                patch.delenv(variable, raising=False)
            for variable, value in (env or {}).items():
                patch.setenv(variable, value)
            verified = plugin.verify_file(source)
            if verified:
                try:
                    plugin.parse(inventory_data, DataLoader(), source, cache=cache)
                    try:
                        plugin.update_cache_if_changed()
                    except AttributeError:  # no cache: as InventoryManager.parse_source does
                        pass
                except Exception as caught:  # pylint: disable=broad-except
                    error = caught
        return InProcessRun(inventory_data, display.warnings, error, verified)
