"""The gce inventory plugin over a large fleet: a cold listing against a cached one."""

import os
import shutil

from .ansible_env import AnsibleEnv
from .emulator import PROJECT, Emulator
from .measure import Row, Side, alternate

INSTANCES = 1000
# Ten zones of the emulator's catalog.
ZONES = ("us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f", "europe-west4-a", "europe-west4-b",
         "europe-west4-c", "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c")
LATENCY_SECONDS = 0.1


def fleet():
    instances = []
    for number in range(INSTANCES):
        zone = ZONES[number % len(ZONES)]
        instances.append({
            "name": "inv-%04d" % number, "zone": zone, "status": "RUNNING", "machineType": "c3-standard-4",
            "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
            "scheduling": {"onHostMaintenance": "TERMINATE", "automaticRestart": True},
            "labels": {"role": ("web", "db", "batch")[number % 3]},
            "networkInterfaces": [{"networkIP": "10.%d.%d.%d" % (number // 65536 + 128, number // 256 % 256,
                                                                   number % 256)}],
        })
    return instances


class InventorySuite:
    def __init__(self, workdir, runs, log):
        self.workdir = workdir
        self.runs = runs
        self.log = log

    def settings(self):
        return "inventory: %d TDX instances in %d zones, emulator %.0f ms per call, %d runs each" % (
            INSTANCES, len(ZONES), LATENCY_SECONDS * 1000, self.runs)

    def rows(self):
        with Emulator(self.workdir, operation_seconds=1, latency_seconds=LATENCY_SECONDS) as emulator:
            emulator.admin.load_state({"instances": [dict(item, project=PROJECT) for item in fleet()]})
            env = AnsibleEnv(self.workdir, extra_env=emulator.environment())
            cache_dir = os.path.join(self.workdir, "inventory-cache")
            source = env.write("fleet.gce.yml", {
                "plugin": "confidential.tdx.gce", "projects": [PROJECT], "api_endpoint": emulator.base_url,
                "hostnames": ["name"], "keyed_groups": [{"key": "gce.labels.role", "prefix": "role"}],
                "cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": cache_dir,
                "cache_timeout": 3600})

            def listing():
                def run():
                    emulator.admin.clear_requests()
                    completed = env.run(["ansible-inventory", "-i", source, "--list"])
                    if completed.stdout.count('"inv-') < INSTANCES:
                        raise RuntimeError("ansible-inventory did not list the fleet; see %s" % self.workdir)
                    return len(emulator.api_calls())
                return run

            def before_each(side):
                if side == "A":
                    shutil.rmtree(cache_dir, ignore_errors=True)  # cold: nothing cached
                else:
                    env.run(["ansible-inventory", "-i", source, "--list"])  # warm the cache (not timed)

            self.log("  ansible-inventory --list: cold x%d, cached x%d" % (self.runs, self.runs))
            cold, cached = alternate(listing(), listing(), self.runs, self.runs, before_each=before_each,
                                     log=self.log)
        pages = -(-INSTANCES // 500)
        return [Row("inventory, %d instances in %d zones" % (INSTANCES, len(ZONES)),
                    Side("cold (no cache)", cold), Side("cached", cached),
                    target=("%d list calls cold (1 project, %d pages), 0 cached" % (pages, pages),
                            lambda row: row.a.calls == pages and row.b.calls == 0))]
