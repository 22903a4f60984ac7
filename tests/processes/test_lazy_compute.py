"""The lazy google.cloud.compute_v1 gives what the real package gives, name for name, importing only what is used.

Each check runs in a fresh interpreter: the package can be imported only
once per process, and this test process has imported the real one. The
outside truth is the real package imported eagerly.
"""

import json
import os
import re
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


# A module run: only the messages of the services of api.CLIENTS are built (lazy_compute._partial_types).
PARTIAL = LAZY + """
import dis, json, sys
from google.auth.credentials import AnonymousCredentials
from google.protobuf import descriptor_pb2
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CLIENTS
package = compute_v1(CLIENTS)
for name in CLIENTS:
    getattr(package, name)(credentials=AnonymousCredentials(), client_options={"api_endpoint": "http://127.0.0.1:9"})
compute = sys.modules["google.cloud.compute_v1.types.compute"]
""" + """
def described(name):
    proto = descriptor_pb2.DescriptorProto()
    getattr(compute, name).pb().DESCRIPTOR.CopyToProto(proto)
    return proto.SerializeToString(deterministic=True).hex()
"""
# Every compute.<name> that the imported service modules' code loads, read from their bytecode.
LOADED_FROM_COMPUTE = """
loaded = set()
def walk(code):
    instructions = list(dis.get_instructions(code))
    for first, second in zip(instructions, instructions[1:]):
        if first.opname in ("LOAD_GLOBAL", "LOAD_NAME") and first.argval == "compute" and second.opname in (
                "LOAD_ATTR", "LOAD_METHOD"):
            loaded.add(second.argval)
    for constant in code.co_consts:
        if hasattr(constant, "co_code"):
            walk(constant)
services = sorted(name for name in sys.modules if name.startswith("google.cloud.compute_v1.services."))
for name in services:
    walk(sys.modules[name].__spec__.loader.get_code(name))
"""


def plugin_string_constants():
    """Every string literal of the collection's cloud code (message and request type names among them)."""
    import ast
    root = os.path.join(SOURCE_COLLECTIONS, "ansible_collections", "confidential", "tdx", "plugins")
    found = set()
    for folder in ("module_utils/gce", "module_utils/_gce_instance", "modules", "inventory"):
        for name in os.listdir(os.path.join(root, folder)):
            if name.endswith(".py"):
                with open(os.path.join(root, folder, name)) as handle:
                    tree = ast.parse(handle.read())
                found.update(node.value for node in ast.walk(tree)
                             if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return found


def test_a_module_run_builds_only_the_messages_its_services_use_each_the_packages_own():
    partial = json.loads(python(PARTIAL + LOADED_FROM_COMPUTE + """
print(json.dumps({"built": dict((name, described(name)) for name in compute.__all__), "loaded": sorted(loaded),
                  "services": sorted(set(name.split(".")[4] for name in services))}))
"""))
    whole = json.loads(python("""
import json, sys
from google.protobuf import descriptor_pb2
import google.cloud.compute_v1.types.compute as compute
""" + PARTIAL.split('compute = sys.modules["google.cloud.compute_v1.types.compute"]\n')[1] + """
print(json.dumps({"all": list(compute.__all__), "described": dict((name, described(name)) for name in %r)}))
""" % sorted(partial["built"])))
    built = partial["built"]
    assert partial["services"] == ["disks", "global_operations", "images", "instance_group_managers",
                                   "instance_templates", "instances", "machine_types",
                                   "region_instance_group_managers", "region_operations", "zone_operations",
                                   "zones"]
    # A fifth of the package's messages, and each the same message as the whole package's, field for field.
    # (The template and group clients took it from under 400 to about 410.)
    assert len(whole["all"]) > 2000 and 100 < len(built) < 450
    assert built == whole["described"]
    # Whatever those services' code asks of compute, and every message the collection names, was built.
    assert set(partial["loaded"]) <= set(built)
    # ("Date" is the HTTP header errors.py reads, not the message of that name.)
    assert plugin_string_constants() & set(whole["all"]) - {"Date"} <= set(built)


def test_a_message_that_was_not_built_or_the_whole_package_is_an_attribute_error():
    out = json.loads(python(PARTIAL + """
def fails(get):
    try:
        get()
    except AttributeError as error:
        return str(error)
print(json.dumps({"message": fails(lambda: package.BackendBucket), "type": fails(lambda: compute.BackendBucket),
                  "types": fails(lambda: package.types.BackendBucket), "all": fails(lambda: package.__all__),
                  "unknown": fails(lambda: package.NoSuchName), "instance": package.Instance.__name__,
                  "same": package.types.Instance is package.Instance is compute.Instance}))
"""))
    assert "BackendBucket" in out["message"] and "BackendBucket" in out["type"] and "BackendBucket" in out["types"]
    assert ("only the messages of disks, global_operations, images, instance_group_managers, instance_templates, "
            "instances, machine_types, region_instance_group_managers, region_operations, zone_operations, zones"
            in out["all"])
    assert out["unknown"] and out["instance"] == "Instance" and out["same"]


def test_without_clients_or_when_the_types_are_already_imported_the_whole_module_is_built():
    out = json.loads(python(LAZY + """
import json, sys
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CLIENTS
package = compute_v1()
package.InstancesClient
first = len(sys.modules["google.cloud.compute_v1.types.compute"].__all__)
print(json.dumps({"first": first}))
"""))
    assert out["first"] > 2000
    out = json.loads(python("""
import json, sys
import google.cloud.compute_v1.types
""" + LAZY + """
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CLIENTS
compute_v1(CLIENTS).InstancesClient
print(json.dumps({"built": len(sys.modules["google.cloud.compute_v1.types.compute"].__all__)}))
"""))
    assert out["built"] > 2000


def test_a_client_not_in_api_clients_is_refused_and_every_client_the_collection_names_is_listed():
    from ansible_collections.confidential.tdx.plugins.module_utils.gce import api
    with pytest.raises(ValueError, match="FirewallsClient is not in api.CLIENTS"):
        api.ComputeApi(None, "p")._new_client("FirewallsClient")  # pylint: disable=protected-access
    named = set(constant for constant in plugin_string_constants() if re.fullmatch(r"[A-Z]\w+Client", constant))
    assert named == set(api.CLIENTS)


def test_a_module_run_is_one_with_only_the_messages_of_its_clients(gce_emulator, access_token, tmp_path):
    """The module as AnsiballZ runs it (runpy, as __main__), over the real client, against the emulator."""
    gce_emulator.admin.load_state({"instances": [{
        "name": "lazy-1", "zone": "us-central1-a", "project": gce_emulator.project, "status": "RUNNING",
        "machineType": "c3-standard-4", "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"}}]})
    arguments = {"ANSIBLE_MODULE_ARGS": {"project": gce_emulator.project, "api_endpoint": gce_emulator.base_url,
                                         "access_token": access_token, "zones": ["us-central1-a"]}}
    code = """
import json, runpy, sys
sys.argv = ["gce_instance_info", %r]
try:
    runpy.run_module("ansible_collections.confidential.tdx.plugins.modules.gce_instance_info", run_name="__main__",
                     alter_sys=True)
except SystemExit:
    pass
sys.stderr.write("BUILT %%d\\n" %% len(sys.modules["google.cloud.compute_v1.types.compute"].__all__))
""" % json.dumps(arguments)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SOURCE_COLLECTIONS] + sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False,
                            cwd=str(tmp_path))
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert not answer.get("failed"), answer
    assert [instance["name"] for instance in answer["instances"]] == ["lazy-1"]
    built = int(re.search(r"BUILT (\d+)", result.stderr).group(1))
    assert 100 < built < 450


def test_the_init_is_read_as_a_parse_would_read_it_and_anything_unusual_is_parsed():
    from ansible_collections.confidential.tdx.plugins.module_utils.gce import lazy_compute
    import importlib.util
    path = importlib.util.find_spec("google.cloud.compute_v1").origin
    with open(path, "rb") as handle:
        source = handle.read()
    scanned = lazy_compute._scan_init(source)  # pylint: disable=protected-access
    assert scanned == lazy_compute._parse_init(source, path)  # pylint: disable=protected-access
    assert len(scanned[0]) > 2000 and {"__version__", "__all__"} <= scanned[1]
    for unusual in (b"from .x import a as b\n", b"from .x import (a,  # why\n b)\n", b"from .x import *\n",
                    b"from .x import a, \\\n b\n"):
        assert lazy_compute._scan_init(unusual) is None, unusual  # pylint: disable=protected-access
    assert lazy_compute._scan_init(b"from .x import a\nfrom . import y\nfrom ..z import w\nV = 1\n") == (
        {"a": "google.cloud.compute_v1.x"}, {"V"})  # pylint: disable=protected-access
