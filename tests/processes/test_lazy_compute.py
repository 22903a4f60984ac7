"""The lazy google.cloud.compute_v1 gives what the real package gives, name for name, importing only what is used.

Each check runs in a fresh interpreter: the package can be imported only
once per process, and this test process has imported the real one. The
outside truth is the real package imported eagerly.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SOURCE_COLLECTIONS

# Six interpreters, most importing all of google.cloud.compute_v1 (seconds of CPU each): not for make unit.
pytestmark = pytest.mark.integration

LAZY = "from ansible_collections.confidential.tdx.plugins.module_utils.gce.lazy_compute import compute_v1\n"
# Every name the package exports, by where its object lives; "sorted(...)" reads the real __all__.
DESCRIBE = """
import json, sys
names = sorted(NAMES)
def where(value):
    return getattr(value, "__module__", "") + "." + getattr(value, "__qualname__", repr(value))
print(json.dumps(dict((name, where(getattr(package, name))) for name in names)))
"""
USED = ["InstancesClient", "ZoneOperationsClient", "DisksClient", "ImagesClient", "MachineTypesClient",
        "ZonesClient", "WaitZoneOperationRequest", "Instance", "Operation"]


def python(code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SOURCE_COLLECTIONS] + sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_only_the_clients_used_are_imported_and_they_are_the_packages_own():
    out = json.loads(python(LAZY + """
import importlib, json, sys
package = compute_v1()
same = all(getattr(package, name) is getattr(importlib.import_module(
    getattr(package, name).__module__), name) for name in %r)
services = sorted(m.split(".")[4] for m in sys.modules if m.startswith("google.cloud.compute_v1.services.")
                  and m.count(".") == 4)
print(json.dumps({"same": same, "services": services, "is_package": sys.modules["google.cloud.compute_v1"] is package,
                  "bound": __import__("google.cloud", fromlist=["x"]).compute_v1 is package}))
""" % USED))
    assert out["same"] and out["is_package"] and out["bound"]
    # The six used, and what their own modules import (ImagesClient: global_operations); not the other hundred.
    assert out["services"] == ["disks", "global_operations", "images", "instances", "machine_types",
                               "zone_operations", "zones"]


def test_every_exported_name_is_the_same_object_as_in_the_eager_package():
    names = "package.__all__"
    eager = json.loads(python("import google.cloud.compute_v1 as package\nNAMES = %s\n" % names + DESCRIBE))
    # The lazy one resolves each name first, from the list the real package gives, before anything asks for __all__.
    lazy = json.loads(python(LAZY + "package = compute_v1()\nNAMES = %r\n" % sorted(eager) + DESCRIBE))
    assert len(eager) > 1000
    assert lazy == eager


def test_what_only_the_real_init_defines_runs_it():
    out = json.loads(python(LAZY + """
import json, google.cloud.compute_v1 as real
package = compute_v1()
print(json.dumps({"version": package.__version__, "all": len(package.__all__), "dir": "InstancesClient" in dir(package),
                  "missing": hasattr(package, "NoSuchName"), "gapic": package.gapic_version.__version__}))
"""))
    eager = json.loads(python("import json, google.cloud.compute_v1 as p\n"
                              "print(json.dumps({'version': p.__version__, 'all': len(p.__all__)}))"))
    assert (out["version"], out["all"]) == (eager["version"], eager["all"])
    assert out["dir"] and not out["missing"] and out["gapic"] == eager["version"]


def test_an_already_imported_package_is_used_as_it_is():
    out = python("import sys, google.cloud.compute_v1 as real\n" + LAZY + "print(compute_v1() is real)")
    assert out.strip() == "True"
