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
"""

import ast
import importlib
import importlib.util
import sys
import threading

PACKAGE = "google.cloud.compute_v1"
_lock = threading.RLock()


def _read_init(init_path):
    """From the package's __init__: {name: submodule} for each ``from .x import name``, and the names it assigns."""
    with open(init_path, "rb") as handle:
        tree = ast.parse(handle.read(), init_path)
    exported, assigned = {}, set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                exported[alias.asname or alias.name] = "%s.%s" % (PACKAGE, node.module)
        elif isinstance(node, ast.Assign):
            assigned.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return exported, assigned


def _lazy_package(spec):
    module = importlib.util.module_from_spec(spec)
    exported, assigned = _read_init(spec.origin)
    state = {"complete": False}

    def complete():
        # Runs the real __init__ in the module's own namespace: every name
        # (and the version checks it ends with) as an eager import has them.
        with _lock:
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
        complete()
        return sorted(module.__dict__)

    module.__getattr__ = __getattr__
    module.__dir__ = __dir__
    return module


def compute_v1():
    """The google.cloud.compute_v1 package: the real one if it is already imported, else a lazy one."""
    with _lock:
        module = sys.modules.get(PACKAGE)
        if module is not None:
            return module
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.origin is None or spec.submodule_search_locations is None:
            return importlib.import_module(PACKAGE)  # not the package layout this knows: import it as is
        module = _lazy_package(spec)
        sys.modules[PACKAGE] = module
        # As the import system does once a submodule is loaded: google.cloud.compute_v1 as an attribute.
        parent = importlib.import_module("google.cloud")
        setattr(parent, "compute_v1", module)
        return module
