"""No credential reaches any output: one -vvv campaign through every cloud path, every place scanned.

The playbook runs at -vvv with --diff and drives every gce_instance path
(create, labels, stop, start, restart, check mode, fleet mode, delete,
failures from validation and from the API), gce_instance_info and the
provision role, each with a service-account key (as a file, as text, as a
dictionary, from the environment) or an access token (as an option, from
the environment, inside provision_gcp). Then ansible-inventory runs at -vvv
with the key and the token, its cache on. Scanned for the token, every line
of the private key's PEM body, the private key as JSON-escaped text and the
key file's JSON: ansible's output, every task result (invocation.module_args
included), the emulator's request log (which must also hold no
Authorization header), the inventory's output and cache files.
"""

import json
import os

import pytest

from tests.inprocess.gce.harness import GceHarness
from tests.playbooks.inventory.harness import InventoryHarness

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"
# Names of logged headers that would carry a credential.
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "x-goog-iam-authorization-token")


def secrets_of(key_path, access_token):
    """Every piece of a credential that must never be printed, with what it is."""
    with open(key_path) as handle:
        text = handle.read()
    key = json.loads(text)
    body = [line for line in key["private_key"].splitlines() if line and "-----" not in line]
    found = {"the access token": access_token, "the key file's JSON": text.strip(),
             "the key's JSON, compact": json.dumps(key, separators=(",", ":")),
             "the private key as JSON text": json.dumps(key["private_key"])[1:-1]}
    for number, line in enumerate(body):
        if len(line) >= 16:
            found["line %d of the private key's PEM body" % (number + 1)] = line
    return found


def hits(text, secrets):
    return [what for what, secret in secrets.items() if secret in text]


def gce_tasks(key_path, key_text, access_token, emulator):
    key = json.loads(key_text)
    with_file = {"auth_kind": "serviceaccount", "service_account_file": key_path}
    with_text = {"auth_kind": "serviceaccount", "service_account_contents": key_text}
    with_dict = {"auth_kind": "serviceaccount", "service_account_contents": key}
    with_token = {"access_token": access_token}

    def task(name, args, module="gce_instance", **extra):
        return dict({"name": name, "confidential.tdx.%s" % module: args, "ignore_errors": True}, **extra)

    return [
        task("create with a key file", dict(with_file, name="sec-1", zone=ZONE, labels={"env": "a"})),
        task("create in check mode with a token", dict(with_token, name="sec-2", zone=ZONE), check_mode=True),
        task("labels with a token", dict(with_token, name="sec-1", zone=ZONE, labels={"env": "b"})),
        task("stop with key text", dict(with_text, name="sec-1", zone=ZONE, state="stopped")),
        task("start with a key dictionary", dict(with_dict, name="sec-1", zone=ZONE, state="started")),
        task("fleet with a key file", dict(with_file, zone=ZONE, instances=[{"name": "sec-4"}, {"name": "sec-5"}])),
        task("refused by validation, with a token", dict(with_token, name="Bad_Name", zone=ZONE)),
        task("refused by the API, with key text", dict(with_text, name="sec-1", zone=ZONE,
                                                        image="debian-cloud/debian-12", recreate=True)),
        task("blocked change, with a key dictionary", dict(with_dict, name="sec-1", zone=ZONE,
                                                           machine_type="c3-standard-8")),
        task("info with a key file", dict(with_file), module="gce_instance_info"),
        task("info with a token", dict(with_token, names=["sec-1"]), module="gce_instance_info"),
        {"name": "provision role with a token in provision_gcp", "ignore_errors": True,
         "ansible.builtin.include_role": {"name": "confidential.tdx.provision"},
         "vars": {"provision_instances": [{"name": "sec-6", "zone": ZONE}], "provision_wait": False,
                  "provision_gcp": {"access_token": access_token, "project": emulator.project,
                                    "api_endpoint": emulator.base_url}}},
        {"name": "provision role with key text in provision_gcp", "ignore_errors": True,
         "ansible.builtin.include_role": {"name": "confidential.tdx.provision"},
         "vars": {"provision_instances": [{"name": "sec-6", "zone": ZONE}], "provision_state": "absent",
                  "provision_gcp": {"auth_kind": "serviceaccount", "service_account_contents": key_text,
                                    "project": emulator.project, "api_endpoint": emulator.base_url}}},
        task("delete with a token", dict(with_token, name="sec-1", zone=ZONE, state="absent")),
        task("fleet delete with key text", dict(with_text, zones=[ZONE], state="absent",
                                                instances=[{"name": "sec-3"}, {"name": "sec-4"}, {"name": "sec-5"}])),
    ]


# Credentials from the environment of ansible-playbook itself (the modules'
# GCP_* fallbacks). Not through the ``environment`` keyword of a task or play:
# Ansible prints that keyword's values in its -vvv EXEC lines, whatever the
# module does (docs/reliability.md says so to users).
ENVIRONMENT_RUNS = {
    "GCP_ACCESS_TOKEN": ("restart with the token from the environment", dict(name="sec-1", zone=ZONE,
                                                                             state="restarted")),
    "GCP_SERVICE_ACCOUNT_CONTENTS": ("create with key text from the environment", dict(name="sec-3", zone=ZONE)),
}

EXPECTED_STATUS = {
    "create with a key file": "changed", "create in check mode with a token": "changed",
    "labels with a token": "changed", "stop with key text": "changed", "start with a key dictionary": "changed",
    "fleet with a key file": "changed", "refused by validation, with a token": "failed",
    "refused by the API, with key text": "failed", "blocked change, with a key dictionary": "failed",
    "info with a key file": "ok", "info with a token": "ok", "delete with a token": "changed",
    "fleet delete with key text": "changed",
}


def module_args_of(results):
    """Every invocation.module_args a result carries (the loop results and fleet reports included)."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("invocation"), dict):
                found.append(value["invocation"].get("module_args"))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(results)
    return found


def test_no_credential_in_any_output_result_or_log(gce_emulator, service_account_file, access_token, tmp_path,
                                                   ledger):
    key_path = str(service_account_file)
    with open(key_path) as handle:
        key_text = handle.read()
    secrets = secrets_of(key_path, access_token)
    gce = GceHarness(gce_emulator, access_token, tmp_path)
    run = gce.run(gce_tasks(key_path, key_text, access_token, gce_emulator), env=gce.env(GCP_ACCESS_TOKEN=None),
                  verbosity=3, diff=True)
    (tmp_path / "ansible-playbook-vvv.log").write_text(run.output)  # kept for a look after a failure
    # The campaign did what it says: every path ran and ended as it should.
    statuses = dict((name, run.status(name)) for name in EXPECTED_STATUS)
    wrong = dict((name, status) for name, status in statuses.items() if status != EXPECTED_STATUS[name])
    assert not wrong, (wrong, run.output[-3000:])
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output or "<masked>" in run.output  # -vvv showed arguments
    playbook_runs = [run]
    for variable, (name, args) in sorted(ENVIRONMENT_RUNS.items()):
        value = access_token if variable == "GCP_ACCESS_TOKEN" else key_text
        by_environment = gce.run([{"name": name, "confidential.tdx.gce_instance": args}],
                                 env=gce.env(**dict({"GCP_ACCESS_TOKEN": None}, **{variable: value})),
                                 verbosity=3, diff=True)
        assert by_environment.status(name) == "changed", by_environment.output[-3000:]
        playbook_runs.append(by_environment)

    # ansible-inventory at -vvv with the key (file, text) and the token, its cache on.
    inventory = InventoryHarness(gce_emulator, service_account_file, tmp_path / "inventory")
    os.makedirs(str(tmp_path / "inventory"))
    cache = str(tmp_path / "inventory-cache")
    cached = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": cache}
    inventory_runs = [
        inventory.run(inventory.config(**cached), verbosity=3),
        inventory.run(inventory.config(service_account_file=None), verbosity=3,
                      env={"GCP_SERVICE_ACCOUNT_CONTENTS": key_text}),
        inventory.run(inventory.config(service_account_file=None, access_token=access_token, **cached),
                      args=("--list", "--flush-cache"), verbosity=3),
        inventory.run(inventory.config(service_account_file=None), verbosity=3, env={"GCP_ACCESS_TOKEN": access_token}),
    ]
    for inventory_run in inventory_runs:
        assert inventory_run.ok, inventory_run.output[-3000:]
        assert inventory_run.hosts, "the inventory listed nothing: %s" % inventory_run.output[-2000:]

    # The places to scan, and what each holds.
    log = gce_emulator.admin.requests()
    places = {
        "ansible-playbook -vvv output": "\n".join(r.output for r in playbook_runs),
        "task results": json.dumps([r.results for r in playbook_runs]),
        "emulator request log": json.dumps(log),
        "ansible-inventory -vvv output": "\n".join(r.output for r in inventory_runs),
    }
    for root, dummy, files in os.walk(cache):
        for name in files:
            with open(os.path.join(root, name), errors="replace") as handle:
                places["inventory cache file %s" % name] = handle.read()
    for number, arguments in enumerate(module_args_of([r.results for r in playbook_runs])):
        places["invocation.module_args #%d" % number] = json.dumps(arguments)

    problems = []
    for place, text in places.items():
        for what in hits(text, secrets):
            problems.append("%s holds %s" % (place, what))
    leaked_headers = [entry["path"] for entry in log
                      if any(name.lower() in CREDENTIAL_HEADERS for name in entry.get("headers", {}))]
    if leaked_headers:
        problems.append("the request log kept an Authorization header (%d calls)" % len(leaked_headers))
    if not any(entry.get("headers") for entry in log):
        problems.append("the request log holds no headers at all: the header check saw nothing")
    scanned = sum(len(text) for text in places.values())
    ledger.record("secret_scan", "-vvv campaign: gce_instance, gce_instance_info, provision, gce inventory",
                  problems, places=len(places), characters=scanned, secrets=len(secrets), hits=len(problems),
                  api_calls=len(log))
    assert not problems, problems
    assert len(log) > 20 and len(module_args_of(run.results)) >= len(EXPECTED_STATUS)
