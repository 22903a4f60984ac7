"""gce_instance: N TDX instances in one fleet task against a loop of single-instance tasks; one task against ping;
a managed instance group of N members against the fleet task."""

import os
import subprocess
import sys

from .ansible_env import AnsibleEnv, localhost_inventory
from .emulator import PROJECT, Emulator
from .measure import Row, Side, alternate

ZONE = "us-central1-a"
# Realistic Compute Engine timings (issue 9): 100 ms per API call, 3 s per operation.
LATENCY_SECONDS = 0.1
OPERATION_SECONDS = 3.0
# The clients gce_instance, gce_instance_info and the inventory build, and a message they send.
IMPORT_CLIENTS = ("InstancesClient", "ZoneOperationsClient", "DisksClient", "ImagesClient", "MachineTypesClient",
                  "ZonesClient", "WaitZoneOperationRequest")

# The fleet of a thousand, under a per-minute write limit (issue 14). Google's
# default for a project's writes is 1,500 a minute (compute/api-quota, Queries,
# defaultPerMinutePerProject); 600 is what is left when other automation in the
# project already uses 900, so that the fleet's 1,000 inserts cannot all fit in
# one minute. Compute Engine refills the quota at the start of the next full
# minute, so each run starts this long before a minute ends (its first write
# comes some 4 s later, after Ansible's start-up and the reads): the writes
# past 600 meet 403 rateLimitExceeded until then, and the retries after the
# refill are what is measured. A start early in a minute would add up to a minute of
# waiting that no client can shorten.
THOUSAND = 1000
WRITE_LIMIT_PER_MINUTE = 600
START_BEFORE_REFILL_SECONDS = 10.0
# A fleet this large raises concurrency (50 calls in flight at 100 ms each),
# has no external addresses (a public /24 would not hold them) and a project
# whose CPU quota was raised for it (4 vCPUs each).
THOUSAND_CONCURRENCY = 50
THOUSAND_CPU_QUOTA = {"us-central1": 4 * THOUSAND + 100}
# One task on one instance that exists and needs no change (issue 24): what
# a playbook's cloud task costs when there is nothing to do. Its calls:
# instances.get, disks.get for the boot disk (whose sourceImage says which
# image the instance was made from), the look-up of the image the task names.
TASK_INSTANCE = "bench-task"
TASK_API_CALLS = 3
# A managed instance group of this many members (issue 26), made from a TDX
# template and waited stable, against one fleet task of as many instances.
GROUP_SIZE = 100
GROUP_NAME = "bench-group"
PARTS = ("fleet", "thousand", "task", "import", "group")


def names(count):
    return ["bench-%d-%03d" % (count, number) for number in range(count)]


def fleet_play(emulator, count, state="present", **options):
    task = {"name": "fleet", "confidential.tdx.gce_instance": dict(
        options, zone=ZONE, state=state, instances=[{"name": name} for name in names(count)])}
    return [{"name": "fleet task", "hosts": "localhost", "gather_facts": False,
             "module_defaults": emulator.module_defaults(), "tasks": [task]}]


def loop_play(emulator, count, state="present"):
    task = {"name": "one task per instance", "confidential.tdx.gce_instance": {
        "name": "{{ item }}", "zone": ZONE, "state": state}, "loop": names(count)}
    return [{"name": "loop of single-instance tasks", "hosts": "localhost", "gather_facts": False,
             "module_defaults": emulator.module_defaults(), "tasks": [task]}]


def group_play(emulator, size):
    """A TDX instance template and a zonal group of ``size`` members made from it, waited until stable."""
    tasks = [
        {"name": "template", "confidential.tdx.gce_instance_template": {"name": GROUP_NAME + "-tdx"},
         "register": "template"},
        {"name": "group", "confidential.tdx.gce_instance_group": {
            "name": GROUP_NAME, "zone": ZONE, "template": "{{ template.template.self_link }}", "size": size}},
    ]
    return [{"name": "template and group", "hosts": "localhost", "gather_facts": False,
             "module_defaults": emulator.module_defaults(), "tasks": tasks}]


class GceSuite:
    def __init__(self, workdir, counts, fleet_runs, loop_runs, log, thousand_runs=3, task_runs=7, parts=PARTS):
        self.workdir = workdir
        self.counts = counts
        self.fleet_runs = fleet_runs
        self.loop_runs = loop_runs  # {count: runs}
        self.thousand_runs = thousand_runs
        self.task_runs = task_runs
        self.parts = set(parts)
        self.log = log
        self.rate_limited = []  # 403 answers of each run of the thousand

    def settings(self):
        said = ["emulator %.0f ms per API call and %.0f s per operation" % (LATENCY_SECONDS * 1000, OPERATION_SECONDS)]
        if "fleet" in self.parts:
            said.append("fleet runs %d per size, loop runs %s" % (self.fleet_runs, ", ".join(
                "%d at N=%d" % (self.loop_runs[count], count) for count in self.counts)))
        if "group" in self.parts:
            said.append("a group of %d against a fleet task of %d: %d runs each" % (
                GROUP_SIZE, GROUP_SIZE, self.fleet_runs))
        if "task" in self.parts:
            said.append("one task on an unchanged instance: %d runs against as many of ping, after one untimed run "
                        "of each" % self.task_runs)
        return "; ".join(said)

    def rows(self):
        rows = []
        if self.parts & {"fleet", "thousand", "task", "group"}:
            with Emulator(self.workdir, OPERATION_SECONDS, LATENCY_SECONDS) as emulator:
                env = AnsibleEnv(self.workdir, extra_env=emulator.environment())
                inventory = localhost_inventory(env)
                if "fleet" in self.parts:
                    rows.extend(self.fleet_rows(emulator, env, inventory))
                if "thousand" in self.parts:
                    rows.append(self.thousand_row(emulator, env, inventory))
                if "task" in self.parts:
                    rows.append(self.task_row(emulator, env, inventory))
                if "group" in self.parts:
                    rows.append(self.group_row(emulator, env, inventory))
        if "import" in self.parts:
            rows.append(self.import_row())
        return rows

    def fleet_rows(self, emulator, env, inventory):
        """N instances created by one fleet task and by a loop, N against 1, and the rerun of the largest."""
        rows = []

        def runner(plays):
            def run():
                emulator.admin.clear_requests()
                env.playbook(plays, inventory)
                made = emulator.api_calls()
                if len(emulator.admin.instances()) == 0:
                    raise RuntimeError("the run created nothing; see %s/commands.log" % self.workdir)
                return len(made)
            return run

        fleet_sides = {}
        for count in self.counts:
            self.log("  create %d instances: fleet task x%d, loop x%d" % (
                count, self.fleet_runs, self.loop_runs[count]))
            fleet, loop = alternate(runner(fleet_play(emulator, count)), runner(loop_play(emulator, count)),
                                    self.fleet_runs, self.loop_runs[count],
                                    before_each=lambda side: emulator.reset(), log=self.log)
            fleet_sides[count] = Side("one fleet task", fleet)
            rows.append(Row("create %d TDX instance%s" % (count, "s" if count > 1 else ""),
                            fleet_sides[count], Side("loop of %d single-instance tasks" % count, loop),
                            target=(">= 20x faster", lambda row: row.ratio <= 1 / 20.0)
                            if count == max(self.counts) else None))
        largest, smallest = max(self.counts), min(self.counts)
        if largest != smallest:
            rows.append(Row("%d instances vs %d, one task each" % (largest, smallest),
                            Side("one fleet task, %d instances" % largest, fleet_sides[largest].samples),
                            Side("one fleet task, %d instance%s" % (smallest, "s" if smallest > 1 else ""),
                                 fleet_sides[smallest].samples),
                            target=("<= 2x", lambda row: row.ratio <= 2.0),
                            note="the same samples as the create rows"))
        rows.append(self.rerun_row(emulator, env, inventory, largest))
        return rows

    def group_row(self, emulator, env, inventory):
        """A template and a group of GROUP_SIZE members waited stable, against one fleet task of as many instances.

        Both start from an empty project (emulator.reset() before each run:
        no template, group or instance left by the run before). The API
        calls are the client's, from the request log; a group's members are
        made by Compute Engine itself, so their inserts are not among them.
        """
        def runner(plays, check):
            def run():
                emulator.admin.clear_requests()
                env.playbook(plays, inventory)
                made = emulator.api_calls()
                check()
                return len(made)
            return run

        def running_instances():
            return [instance for instance in emulator.admin.instances() if instance.get("status") == "RUNNING"]

        def group_made():
            running = [instance for instance in running_instances()
                       if instance["name"].startswith(GROUP_NAME + "-")]
            if len(running) != GROUP_SIZE:
                raise RuntimeError("the group run left %d of %d members running; see %s/commands.log" % (
                    len(running), GROUP_SIZE, self.workdir))

        def fleet_made():
            if len(running_instances()) != GROUP_SIZE:
                raise RuntimeError("the fleet run left %d of %d instances running; see %s/commands.log" % (
                    len(running_instances()), GROUP_SIZE, self.workdir))

        self.log("  a group of %d members made from a TDX template and waited stable x%d, one fleet task of %d "
                 "x%d" % (GROUP_SIZE, self.fleet_runs, GROUP_SIZE, self.fleet_runs))
        group, fleet = alternate(runner(group_play(emulator, GROUP_SIZE), group_made),
                                 runner(fleet_play(emulator, GROUP_SIZE), fleet_made),
                                 self.fleet_runs, self.fleet_runs, before_each=lambda side: emulator.reset(),
                                 log=self.log)
        return Row("group of %d members, created and stable" % GROUP_SIZE,
                   Side("template and group (gce_instance_group)", group),
                   Side("one gce_instance fleet task of %d" % GROUP_SIZE, fleet),
                   note="the group's calls are the two tasks' own; its members are made by Compute Engine")

    def task_row(self, emulator, env, inventory):
        """One gce_instance task on an instance that needs no change, against ``ansible -m ping``: both ad hoc."""
        emulator.reset()
        task = ["ansible", "localhost", "-i", inventory, "-m", "confidential.tdx.gce_instance", "-a",
                "name=%s zone=%s project=%s api_endpoint=%s" % (TASK_INSTANCE, ZONE, PROJECT, emulator.base_url)]
        ping = ["ansible", "localhost", "-i", inventory, "-m", "ansible.builtin.ping"]
        env.run(task)  # creates the instance (untimed)

        def unchanged():
            emulator.admin.clear_requests()
            completed = env.run(task)
            if '"changed": false' not in completed.stdout:
                raise RuntimeError("the task changed something; see %s/commands.log" % self.workdir)
            return len(emulator.api_calls())

        def pinged():
            env.run(ping)

        unchanged()  # once each untimed, as every run after it: files read, the instance as it stays
        pinged()
        self.log("  one gce_instance task on an unchanged instance x%d, ansible -m ping x%d" % (
            self.task_runs, self.task_runs))
        task_samples, ping_samples = alternate(unchanged, pinged, self.task_runs, self.task_runs, log=self.log)
        row = Row("one gce_instance task, unchanged instance",
                  Side("ansible -m confidential.tdx.gce_instance", task_samples), Side("ansible -m ping", ping_samples),
                  target=("%d API calls" % TASK_API_CALLS, lambda row: row.a.calls == TASK_API_CALLS))
        row.note = ("the task's own cost over ping (medians): %.2f s, %.2f CPU s; %d API calls at %.0f ms each" % (
            row.a.median - row.b.median, row.a.cpu - row.b.cpu, TASK_API_CALLS, LATENCY_SECONDS * 1000))
        return row

    def import_row(self):
        """What every module run pays before its first call: the Compute library, as the modules import it."""
        # As a module run does (api.compute_v1 there): the clients used, and only their services' messages.
        lazy = ("from ansible_collections.confidential.tdx.plugins.module_utils.gce import api, lazy_compute\n"
                "package = lazy_compute.compute_v1(api.CLIENTS)\n"
                "for name in %r: getattr(package, name)\n" % (IMPORT_CLIENTS,))
        eager = "import google.cloud.compute_v1 as package\nfor name in %r: getattr(package, name)\n" % (
            IMPORT_CLIENTS,)
        env = dict(os.environ, PYTHONPATH=os.environ["ANSIBLE_COLLECTIONS_PATH"])

        def runner(code):
            def run():
                subprocess.run([sys.executable, "-c", code], env=env, check=True)
            return run

        runs = 3 if self.fleet_runs < 5 else 7
        self.log("  import the Compute library in a fresh interpreter: as the modules do x%d, whole x%d" % (runs, runs))
        lazy_samples, eager_samples = alternate(runner(lazy), runner(eager), runs, runs, log=self.log)
        return Row("import google-cloud-compute in a module run",
                   Side("the clients used and their messages (lazy_compute)", lazy_samples),
                   Side("the whole package", eager_samples),
                   note="each in a new Python, with the six clients the modules use and a message")

    def thousand_row(self, emulator, env, inventory):
        """A thousand instances in one task against one, both under the write limit, started before a refill."""
        def limited_start(side):
            emulator.reset()
            emulator.admin.configure(write_requests_per_minute=WRITE_LIMIT_PER_MINUTE, cpu_quota=THOUSAND_CPU_QUOTA)
            emulator.admin.advance_clock_to_second(60 - START_BEFORE_REFILL_SECONDS)

        def runner(count):
            def run():
                env.playbook(fleet_play(emulator, count, concurrency=THOUSAND_CONCURRENCY, external_ip=False),
                             inventory)
                made = emulator.api_calls()
                if len(emulator.admin.instances()) != count:
                    raise RuntimeError("the run made %d of %d instances; see %s/commands.log" % (
                        len(emulator.admin.instances()), count, self.workdir))
                if count == THOUSAND:
                    self.rate_limited.append(len([call for call in made if call.get("status") == 403]))
                return len(made)
            return run

        self.log("  create %d instances under a write limit of %d a minute: x%d, against 1 instance x%d" % (
            THOUSAND, WRITE_LIMIT_PER_MINUTE, self.thousand_runs, self.thousand_runs))
        thousand, one = alternate(runner(THOUSAND), runner(1), self.thousand_runs, self.thousand_runs,
                                  before_each=limited_start, log=self.log)
        return Row("create %d instances, %d writes/min" % (THOUSAND, WRITE_LIMIT_PER_MINUTE),
                   Side("one fleet task, %d instances" % THOUSAND, thousand), Side("one fleet task, 1 instance", one),
                   target=("<= 3x", lambda row: row.ratio <= 3.0),
                   note="started %.0f s before the minute's refill; 403 rateLimitExceeded answers per run: %s" % (
                       START_BEFORE_REFILL_SECONDS, ", ".join(str(count) for count in self.rate_limited)))

    def rerun_row(self, emulator, env, inventory, count):
        """The same fleet again: nothing to change, so the calls are those needed to find that out."""
        emulator.reset()
        env.playbook(fleet_play(emulator, count), inventory)

        def rerun(plays):
            def run():
                emulator.admin.clear_requests()
                completed = env.playbook(plays, inventory)
                if "changed=0" not in completed.stdout:
                    raise RuntimeError("the rerun changed something; see %s/commands.log" % self.workdir)
                return len(emulator.api_calls())
            return run

        self.log("  rerun of %d unchanged instances: fleet task x%d, loop x%d" % (
            count, self.fleet_runs, self.loop_runs[count]))
        fleet, loop = alternate(rerun(fleet_play(emulator, count)), rerun(loop_play(emulator, count)),
                                self.fleet_runs, self.loop_runs[count], log=self.log)
        return Row("rerun, %d instances unchanged" % count, Side("one fleet task", fleet),
                   Side("loop of %d single-instance tasks" % count, loop),
                   # the aggregatedList, one disks.list for the zone's boot disks, one image look-up
                   target=("3 API calls", lambda row: row.a.calls == 3))
