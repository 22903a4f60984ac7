"""The metadata tree of one instance, and how the server renders a part of it (pure logic).

Paths use the server's dashed names (``machine-type``,
``network-interfaces/0/ip``, ``project/numeric-project-id``); the recursive
JSON form uses camelCase for those names (``machineType``,
``networkInterfaces``, ``numericProjectId``), as the real server does, while
attribute keys (``ssh-keys``, ``enable-oslogin``) are user data and stay as
written.
"""

import hashlib
import json

# The real server lists the metadata server itself as the DNS server.
METADATA_DNS = "169.254.169.254"
# Directories whose keys are user data: never camelCased in JSON.
_VERBATIM_CHILDREN = ("attributes", "guest-attributes")


def build_tree(facts, guest_attributes=None):
    """The tree for one instance from plain facts (see MetadataService for the keys)."""
    nic = {
        "ip": facts["ip"],
        "mac": facts.get("mac", "42:01:0a:80:00:02"),
        "network": "projects/%s/networks/%s" % (facts["numeric_project_id"], facts.get("network", "default")),
        "subnetmask": "255.255.240.0",
        "gateway": facts.get("gateway", ""),
        "mtu": 1460,
        "dns-servers": [METADATA_DNS],
        "forwarded-ips": [],
        "forwarded-ipv6s": [],
        "ip-aliases": [],
        "target-instance-ips": [],
        "access-configs": [{"external-ip": facts["external_ip"], "type": "ONE_TO_ONE_NAT"}]
        if facts.get("external_ip") else [],
    }
    zone = "projects/%s/zones/%s" % (facts["numeric_project_id"], facts["zone"])
    instance = {
        "id": int(facts["id"]),
        "name": facts["name"],
        "hostname": facts.get("hostname") or "%s.%s.c.%s.internal" % (facts["name"], facts["zone"],
                                                                        facts["project_id"]),
        "zone": zone,
        "machine-type": "projects/%s/machineTypes/%s" % (facts["numeric_project_id"], facts["machine_type"]),
        "cpu-platform": facts.get("cpu_platform", ""),
        "description": facts.get("description", ""),
        "image": facts.get("image", ""),
        "tags": list(facts.get("tags") or []),
        "attributes": dict(facts.get("attributes") or {}),
        "network-interfaces": [nic],
        "virtual-clock": {"drift-token": 0},
        # NONE, or MIGRATE_ON_HOST_MAINTENANCE / TERMINATE_ON_HOST_MAINTENANCE while Compute Engine
        # announces host maintenance (a TDX VM is terminated, never migrated); guests long-poll it.
        "maintenance-event": facts.get("maintenance_event") or "NONE",
        "guest-attributes": _nest(guest_attributes or {}),
    }
    project = {
        "project-id": facts["project_id"],
        "numeric-project-id": int(facts["numeric_project_id"]),
        "attributes": dict(facts.get("project_attributes") or {}),
    }
    return {"instance": instance, "project": project}


def _nest(flat):
    """{"hostkeys/ssh-ed25519": "AAAA"} -> {"hostkeys": {"ssh-ed25519": "AAAA"}}."""
    nested = {}
    for path, value in sorted(flat.items()):
        namespace, _, key = path.partition("/")
        nested.setdefault(namespace, {})[key] = value
    return nested


def lookup(tree, parts):
    """The node at ``parts`` (path segments), or raise KeyError."""
    node = tree
    for part in parts:
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(part)
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


def is_directory(node):
    return isinstance(node, (dict, list))


def camel(name):
    head, *rest = name.split("-")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def to_json_value(node, verbatim=False):
    """The recursive JSON form: camelCase names except under attributes."""
    if isinstance(node, dict):
        return {(key if verbatim else camel(key)): to_json_value(value, verbatim or key in _VERBATIM_CHILDREN)
                for key, value in node.items()}
    if isinstance(node, list):
        return [to_json_value(item) for item in node]
    return node


def _leaf_text(node):
    if isinstance(node, bool):
        return "TRUE" if node else "FALSE"
    return str(node)


def listing(node):
    """A directory's children, one a line, directories with a trailing slash."""
    if isinstance(node, list):
        names = ["%d/" % index for index in range(len(node))]
    else:
        names = [key + "/" if is_directory(value) else key for key, value in node.items()]
    return "".join(name + "\n" for name in names)


def _flatten(node, prefix=""):
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = ((str(index), value) for index, value in enumerate(node))
    else:
        return ["%s %s" % (prefix.rstrip("/"), _leaf_text(node))]
    lines = []
    for key, value in items:
        lines.extend(_flatten(value, prefix + key + "/"))
    return lines


def render(node, recursive, alt, verbatim=False):
    """``(body, content_type)`` for a node, as the server renders it.

    ``verbatim``: the node lies under attributes (its keys stay as written).
    A directory without ``recursive`` is a listing (text) or the names
    (json); with ``recursive`` JSON by default, ``alt=text`` gives
    ``path value`` lines. A leaf is its text, or JSON with ``alt=json``.
    """
    if is_directory(node):
        if not recursive:
            if alt == "json":
                names = listing(node).split()
                return json.dumps(names), "application/json"
            return listing(node), "application/text"
        if alt == "text":
            return "".join(line + "\n" for line in _flatten(node)), "application/text"
        return json.dumps(to_json_value(node, verbatim), sort_keys=True), "application/json"
    if alt == "json":
        return json.dumps(node), "application/json"
    return _leaf_text(node), "application/text"


def etag(body):
    """An ETag for a rendered body: 16 hex digits, as the real server's look."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
