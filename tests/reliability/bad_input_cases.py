"""The bad-input table (bad_inputs.yml) as cases, and how one case is judged.

Shared by the in-process tests and the ansible-playbook tests of
test_bad_inputs.py, so both hold every case to the same rules.
"""

import hashlib
import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE_PATH = os.path.join(HERE, "bad_inputs.yml")

# A message may quote the bad value, but not a huge one whole: past this
# length it is no longer a line a user reads.
MAX_MESSAGE_LENGTH = 2000
# Where the gce modules are, for the credential options' special handling.
SERVICE_ACCOUNT_OPTIONS = ("service_account_file", "service_account_contents")
GCE_MODULES = ("gce_instance", "gce_instance_info", "gce_instance_template", "gce_instance_group")


def load_table(path=TABLE_PATH):
    with open(path) as handle:
        return yaml.safe_load(handle)


class BadInput:
    def __init__(self, owner, argument, spec, valid):
        self.owner = owner          # module or role name
        self.argument = argument
        self.raw_value = spec["value"]
        self.why = spec["why"]
        self.says = spec.get("says")
        self.names = spec.get("names", argument)
        self.extra = spec.get("with", {})
        self.without = spec.get("without", [])
        self.env = spec.get("env", {})
        self.playbook = spec.get("playbook", False)
        self.refused_by = spec.get("refused_by")  # roles: the module that refuses it, before acting
        self.valid = valid
        self.action_plugin = False  # runs on the controller only: through ansible-playbook

    number = None

    @property
    def id(self):
        base = "%s-%s-%s" % (self.owner, self.argument, self.why.replace(" ", "_"))
        return base if self.number is None else "%s-%d" % (base, self.number)

    def arguments(self, materials):
        """The task's arguments: valid ones, this case's changes, the bad value (materialised)."""
        args = dict((key, value) for key, value in self.valid.items() if key not in self.without)
        args.update(self.extra)
        args[self.argument] = self.raw_value
        return materials.resolve(args)


def cases(kind="modules", table=None):
    table = table or load_table()
    found = []
    for owner, spec in table[kind].items():
        for argument, values in spec["arguments"].items():
            for value in values:
                case = BadInput(owner, argument, value, spec.get("valid", {}))
                case.action_plugin = spec.get("action_plugin", False)
                found.append(case)
    seen = {}
    for case in found:  # two values of one argument with the same why: number them
        seen[case.id] = seen.get(case.id, 0) + 1
        if seen[case.id] > 1:
            case.number = seen[case.id]
    return found


class Materials:
    """Turns the table's placeholders into real values: huge strings, hex of a length, key files, the tree."""

    def __init__(self, tree, key_files):
        self.tree = tree
        self.key_files = key_files  # kind -> path

    def resolve(self, value):
        if isinstance(value, dict):
            if set(value) == {"huge"}:
                return "a" * value["huge"]
            if set(value) == {"hex_bytes"}:
                return "ab" * value["hex_bytes"]
            if set(value) == {"key_file"}:
                return self.key_files[value["key_file"]]
            return dict((key, self.resolve(item)) for key, item in value.items())
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, str):
            return value.replace("{tree}", self.tree)
        return value


def write_key_files(directory, valid_key_file):
    """Key files that are wrong in each way the table names (never a real key)."""
    kinds = {
        "not-a-service-account": {"type": "authorized_user", "client_id": "x", "refresh_token": "y"},
        "no-private-key": {"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com",
                           "token_uri": "https://oauth2.googleapis.com/token"},
        "bad-private-key": {"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com",
                            "token_uri": "https://oauth2.googleapis.com/token", "private_key_id": "k",
                            "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"},
    }
    paths = {"valid": str(valid_key_file)}
    for kind, content in kinds.items():
        path = os.path.join(directory, "%s.json" % kind)
        with open(path, "w") as handle:
            json.dump(content, handle)
        paths[kind] = path
    return paths


def make_tree(directory):
    """A small offline evidence tree for the guest modules: a kernel log, a short file, a report directory."""
    os.makedirs(os.path.join(directory, "tsm", "report"))
    with open(os.path.join(directory, "kernel.log"), "w") as handle:
        handle.write("[    0.000000] Linux version 6.8.0 (buildd@lcy02) #1 SMP\n")
    with open(os.path.join(directory, "short.bin"), "wb") as handle:
        handle.write(b"\x81" + bytes(100))
    return directory


def tree_snapshot(directory):
    """Every path under ``directory`` with its type and content hash: equal snapshots, nothing changed."""
    snapshot = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs:
            snapshot[os.path.relpath(os.path.join(root, name), directory)] = "dir"
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                snapshot[os.path.relpath(path, directory)] = hashlib.sha256(handle.read()).hexdigest()
    return snapshot


def judge_refusal(case, result, status=None):
    """What is wrong with how the module refused (empty: a clean refusal). ``result`` is the module's result."""
    problems = []
    failed = result.get("failed") or status == "failed"
    message = str(result.get("msg", ""))
    if not failed:
        return ["accepted: the module did not refuse %s=%s (%s)" % (case.argument, _short(case.raw_value), case.why)]
    if "\n" in message.strip():
        problems.append("the message is not one line: %r" % _short(message))
    if "Traceback" in message or result.get("exception") not in (None, "", "(traceback unavailable)"):
        problems.append("an unforeseen error (it carries a traceback): %r" % _short(message))
    if case.names not in message:
        problems.append("the message does not name %s: %r" % (case.names, _short(message)))
    if case.says and case.says not in message:
        problems.append("the message does not say %r: %r" % (case.says, _short(message)))
    if len(message) > MAX_MESSAGE_LENGTH:
        problems.append("the message is %d characters long (it echoes the value whole)" % len(message))
    return problems


def _short(value, limit=300):
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "...(%d characters)" % len(text)
