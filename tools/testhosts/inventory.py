"""Ansible inventory rendering (pure logic).

The tool is standard library only, so it writes YAML itself: every scalar is
emitted as a JSON string, number or boolean, which YAML reads unchanged.
"""

import json
import re

from . import settings

# Host keys are per host and change at every start, and the hosts' addresses
# are reused: recording them in known_hosts would only pollute it.
SSH_COMMON_ARGS = (
    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
    "-o LogLevel=ERROR -o IdentitiesOnly=yes"
)


def host_vars(kind, address, private_key, known_hosts, port=None):
    """The variables of one test host, as the contract in docs/testing.md lists them."""
    variables = {
        "ansible_host": address,
        "ansible_user": settings.TEST_USER,
        "ansible_become": True,
        "ansible_ssh_private_key_file": private_key,
        "ansible_ssh_common_args": SSH_COMMON_ARGS,
        "ansible_python_interpreter": settings.REMOTE_PYTHON,
        "testhost_kind": kind,
        "testhost_password": settings.TEST_PASSWORD,
        "testhost_known_hosts": known_hosts,
    }
    if port is not None:
        variables["ansible_port"] = port
    return variables


# Keys written bare; anything else (and YAML 1.1's boolean-like words) is quoted.
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _key(key):
    if _PLAIN_KEY.match(key) and key.lower() not in _YAML_WORDS:
        return key
    return json.dumps(key)


def _scalar(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(str(value))


def _emit(value, indent, lines):
    pad = "  " * indent
    for key in value:
        item = value[key]
        if isinstance(item, dict):
            if item:
                lines.append("%s%s:" % (pad, _key(key)))
                _emit(item, indent + 1, lines)
            else:
                lines.append("%s%s: {}" % (pad, _key(key)))
        else:
            lines.append("%s%s: %s" % (pad, _key(key), _scalar(item)))


def render(hosts, group=None):
    """YAML inventory text for ``hosts`` ({name: vars}), optionally inside ``group``."""
    hosts_block = {name: hosts[name] for name in sorted(hosts)}
    if group:
        tree = {"all": {"children": {group: {"hosts": hosts_block}}}}
    else:
        tree = {"all": {"hosts": hosts_block}}
    lines = ["---", "# Written by tools/testhosts; rewritten at every `up`."]
    _emit(tree, 0, lines)
    return "\n".join(lines) + "\n"
