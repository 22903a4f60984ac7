# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""google.cloud.compute_v1 with only the clients a task uses imported, as the package itself asks for.

The package's ``__init__`` imports the clients of all its services (over
a hundred); on a 2-core machine that takes about three seconds of CPU, in
every module run, of which the six clients these modules use and the
message types take under one. The package lists those imports in
``__lazy_modules__`` so that Python 3.15 and later defer them (PEP 810);
older Pythons import them all. This does for the older ones what the
package asks of the newer: the package module is made from its own spec
without running its ``__init__``, and each name its ``__init__`` exports
is imported, from the submodule the ``__init__`` names for it, when it is
first used. Anything else asked of the package (``__all__``, ``dir()``,
a name added in a later release) runs the real ``__init__`` in place, so
the worst case is today's eager import. No library does this: the
standard ``importlib.util.LazyLoader`` defers the whole ``__init__`` to the
first attribute, which then imports everything.

The ``__init__`` (175 kB, 2,200 names) is read with regular expressions,
not parsed: ``ast.parse`` cost 10 ms of every module run, this 3. They
read only what the generator writes (``from .x import (a, b)``, ``name =
...`` at the start of a line); a file with anything else in its imports
(``as``, a comment, a star) is parsed as before.

The message types are then most of what is left: ``types/compute.py`` is
one module of 2,087 proto-plus messages, a third of a module run's CPU,
and the services a module run uses name about 240 of them. Given the
clients a process will use (``compute_v1(clients)``, which a module run
does: api.py), the module is run as written, from the code object the
import system would run, except that the classes those services do not
name, directly or through another message's fields, are not built, and
its ``__protobuf__`` manifest (from which proto-plus builds the one
descriptor file) lists only those built. The messages built are the
package's own, field for field; a name outside them is an AttributeError,
and a client not given (whose module would need other messages) is
refused by api.py. A release laid out otherwise (other names in the
module's body, no sources for a service) is imported whole.
"""

import ast
import builtins
import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import threading
import types

PACKAGE = "google.cloud.compute_v1"
TYPES = PACKAGE + ".types"
COMPUTE_TYPES = TYPES + ".compute"
_lock = threading.RLock()

# What the body of types/compute.py names besides its message classes, in
# the releases this knows: its imports, the __protobuf__ manifest, __all__.
_COMPUTE_MODULE_NAMES = frozenset((
    "Message", "MutableMapping", "MutableSequence", "__all__", "__future__", "__protobuf__", "annotations",
    "any_pb2", "google.protobuf.any_pb2", "manifest", "module", "proto", "protobuf", "sorted", "tuple", "typing"))
# In a service's modules: ``compute.Instance`` (a message's name starts with a capital; a
# pattern without \b reads the 2.4 MB of the six services in 2 ms, not 25), and the services
# it imports in turn.
_COMPUTE_REFERENCE = re.compile(rb"compute\.([A-Z]\w*)")
_SERVICE_IMPORT = re.compile(rb"^from google\.cloud\.compute_v1\.services import (\w+)", re.M)

# ``from .services.disks import DisksClient`` and ``from .types.compute import (\n    A,\n    B,\n)``
_FROM_IMPORT = re.compile(rb"^from[ \t]+\.(\w[\w.]*)[ \t]+import[ \t]+(?:\(([^)]*)\)|([^\n]*))", re.M)
_ANY_FROM_IMPORT = re.compile(rb"^from[ \t]+\.\w", re.M)
_PLAIN_NAMES = re.compile(rb"[\w\s,]*")
_ASSIGNED = re.compile(rb"^([A-Za-z_]\w*)[ \t]*=(?!=)", re.M)


def _scan_init(source):
    """{name: submodule} and the assigned names, as _parse_init gives them; None for a file not as generated."""
    exported = {}
    statements = _FROM_IMPORT.findall(source)
    if len(statements) != len(_ANY_FROM_IMPORT.findall(source)):
        return None
    for module, parenthesized, line in statements:
        if not _PLAIN_NAMES.fullmatch(parenthesized or line):  # a comment, a star, a continuation: parse instead
            return None
        names = (parenthesized or line).decode("ascii").replace(",", " ").split()
        if "as" in names:
            return None
        exported.update(dict.fromkeys(names, "%s.%s" % (PACKAGE, module.decode("ascii"))))
    return exported, set(name.decode("ascii") for name in _ASSIGNED.findall(source))


def _parse_init(source, init_path):
    """From the package's __init__: {name: submodule} for each ``from .x import name``, and the names it assigns."""
    tree = ast.parse(source, init_path)
    exported, assigned = {}, set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                exported[alias.asname or alias.name] = "%s.%s" % (PACKAGE, node.module)
        elif isinstance(node, ast.Assign):
            assigned.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return exported, assigned


def _read_init(init_path):
    with open(init_path, "rb") as handle:
        source = handle.read()
    return _scan_init(source) or _parse_init(source, init_path)


def _lazy_package(spec):
    module = importlib.util.module_from_spec(spec)
    exported, assigned = _read_init(spec.origin)
    state = {"complete": False, "partial": None}

    def complete():
        # Runs the real __init__ in the module's own namespace: every name
        # (and the version checks it ends with) as an eager import has them.
        with _lock:
            if state["partial"]:
                # Its imports of every service would need messages that were not built.
                raise AttributeError("module %r: only the messages of %s were built in this process (a module run), "
                                     "not the whole package" % (PACKAGE, ", ".join(state["partial"])))
            if not state["complete"]:
                state["complete"] = True
                spec.loader.exec_module(module)

    def __getattr__(name):  # PEP 562: called only for names not yet in the module
        if name in exported:
            value = getattr(importlib.import_module(exported[name]), name)
            setattr(module, name, value)
            return value
        if not state["complete"]:
            if name in assigned:  # __version__, __all__: the __init__'s own
                complete()
                return module.__dict__[name]
            # Probes for other dunders (by copy, inspect, pytest) are no reason to import everything.
            if not name.startswith("__"):
                if importlib.util.find_spec("%s.%s" % (PACKAGE, name)) is not None:
                    # A submodule (gapic_version, types, services): what importing it binds.
                    return importlib.import_module("%s.%s" % (PACKAGE, name))
                complete()  # a name this does not know of: the real __init__ decides
                if name in module.__dict__:
                    return module.__dict__[name]
        raise AttributeError("module %r has no attribute %r" % (PACKAGE, name))

    def __dir__():
        if not state["partial"]:
            complete()
        return sorted(module.__dict__)

    module.__getattr__ = __getattr__
    module.__dir__ = __dir__
    return module, exported, state


def _service_sources(package_dir, service):
    """The source of each module of one service (services/<name>/), or None when there is none to read."""
    sources = []
    for root, dummy, files in os.walk(os.path.join(package_dir, "services", service)):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name), "rb") as handle:
                    sources.append(handle.read())
    return sources or None


def _messages_named_by(package_dir, services):
    """Names the services' modules use as ``compute.<name>``, and those of the services they import; None if unread."""
    named, todo, seen = set(), list(services), set()
    while todo:
        service = todo.pop()
        if service in seen:
            continue
        seen.add(service)
        sources = _service_sources(package_dir, service)
        if sources is None:
            return None
        for source in sources:
            named.update(name.decode("ascii") for name in _COMPUTE_REFERENCE.findall(source))
            todo.extend(name.decode("ascii") for name in _SERVICE_IMPORT.findall(source))
    return named


def _names_in(code, messages):
    """The message names a class body uses: as a string (``message="AttachedDisk"``) or a name, nested bodies too."""
    found = set(name for name in code.co_names if name in messages)
    for constant in code.co_consts:
        if isinstance(constant, str):
            if constant.split(".", 1)[0] in messages:
                found.add(constant.split(".", 1)[0])
        elif isinstance(constant, types.CodeType):
            found.update(_names_in(constant, messages))
    return found


def _closure(named, bodies):
    wanted, todo = set(), [name for name in named if name in bodies]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_names_in(bodies[name], bodies) - wanted)
    return wanted


def _partial_types(package, services):
    """Make google.cloud.compute_v1.types(.compute) with only the messages ``services`` use; False if it cannot.

    Nothing is changed when it returns False: the whole module is then
    imported by the first client, as without this.
    """
    package_dir = package.__spec__.submodule_search_locations[0]
    types_spec = importlib.util.find_spec(TYPES)  # its parent is the lazy package: no __init__ runs
    if types_spec is None or types_spec.submodule_search_locations is None:
        return False
    spec = importlib.machinery.PathFinder.find_spec(COMPUTE_TYPES, types_spec.submodule_search_locations)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        return False
    code = spec.loader.get_code(COMPUTE_TYPES)  # its .pyc, as an import would use it
    bodies = dict((constant.co_name, constant) for constant in code.co_consts if isinstance(constant, types.CodeType))
    if not set(code.co_names) <= _COMPUTE_MODULE_NAMES | set(bodies):
        return False  # a layout this does not know
    named = _messages_named_by(package_dir, services)
    if not named:
        return False
    wanted = _closure(named, bodies)

    compute = importlib.util.module_from_spec(spec)
    skipped = set()

    def build_class(function, name, *bases, **keywords):
        # A top-level class of compute.py: built if wanted; before the first, the manifest says which will be.
        if function.__globals__ is compute.__dict__ and "." not in function.__qualname__:
            manifest = compute.__dict__["__protobuf__"]
            if manifest.manifest != wanted:
                compute.__dict__["__protobuf__"] = manifest._replace(manifest=frozenset(wanted))
            if name not in wanted:
                skipped.add(name)
                return None
        return builtins.__build_class__(function, name, *bases, **keywords)

    compute.__dict__["__builtins__"] = dict(builtins.__dict__, __build_class__=build_class)
    types_module = importlib.util.module_from_spec(types_spec)  # without its __init__, which imports every name

    def types_getattr(name):
        if name in wanted:
            return getattr(compute, name)
        raise AttributeError("module %r has no attribute %r (only the messages of %s were built)" % (
            TYPES, name, ", ".join(services)))

    types_module.__getattr__ = types_getattr
    types_module.compute = compute
    sys.modules[TYPES], sys.modules[COMPUTE_TYPES] = types_module, compute
    try:
        exec(code, compute.__dict__)  # pylint: disable=exec-used
    except BaseException:
        del sys.modules[TYPES], sys.modules[COMPUTE_TYPES]
        raise
    for name in skipped:
        del compute.__dict__[name]
    compute.__dict__["__builtins__"] = builtins.__dict__
    package.types = types_module
    return True


def compute_v1(clients=None):
    """The google.cloud.compute_v1 package: the real one if it is already imported, else a lazy one.

    With ``clients`` (names such as "InstancesClient"), a process that
    will use no other client (a module run) gets only the message types
    of those clients' services (see the module's docstring).
    """
    with _lock:
        module = sys.modules.get(PACKAGE)
        if module is not None:
            return module
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.origin is None or spec.submodule_search_locations is None:
            return importlib.import_module(PACKAGE)  # not the package layout this knows: import it as is
        module, exported, state = _lazy_package(spec)
        sys.modules[PACKAGE] = module
        # As the import system does once a submodule is loaded: google.cloud.compute_v1 as an attribute.
        parent = importlib.import_module("google.cloud")
        setattr(parent, "compute_v1", module)
        if clients and TYPES not in sys.modules:
            services = sorted(set(exported[name].rsplit(".", 1)[1] for name in clients
                                  if exported.get(name, "").startswith(PACKAGE + ".services.")))
            if len(services) == len(set(clients)) and _partial_types(module, services):
                state["partial"] = services
        return module
