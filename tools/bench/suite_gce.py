"""gce_instance: N TDX instances in one fleet task against a loop of single-instance tasks."""

from .ansible_env import AnsibleEnv, localhost_inventory
from .emulator import Emulator
from .measure import Row, Side, alternate

ZONE = "us-central1-a"
# Realistic Compute Engine timings (issue 9): 100 ms per API call, 3 s per operation.
LATENCY_SECONDS = 0.1
OPERATION_SECONDS = 3.0


def names(count):
    return ["bench-%d-%03d" % (count, number) for number in range(count)]


def fleet_play(emulator, count, state="present"):
    task = {"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "state": state, "instances": [{"name": name} for name in names(count)]}}
    return [{"name": "fleet task", "hosts": "localhost", "gather_facts": False,
             "module_defaults": emulator.module_defaults(), "tasks": [task]}]


def loop_play(emulator, count, state="present"):
    task = {"name": "one task per instance", "confidential.tdx.gce_instance": {
        "name": "{{ item }}", "zone": ZONE, "state": state}, "loop": names(count)}
    return [{"name": "loop of single-instance tasks", "hosts": "localhost", "gather_facts": False,
             "module_defaults": emulator.module_defaults(), "tasks": [task]}]


class GceSuite:
    def __init__(self, workdir, counts, fleet_runs, loop_runs, log):
        self.workdir = workdir
        self.counts = counts
        self.fleet_runs = fleet_runs
        self.loop_runs = loop_runs  # {count: runs}
        self.log = log

    def rows(self):
        rows = []
        with Emulator(self.workdir, OPERATION_SECONDS, LATENCY_SECONDS) as emulator:
            env = AnsibleEnv(self.workdir, extra_env=emulator.environment())
            inventory = localhost_inventory(env)

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
                   target=("1 API call", lambda row: row.a.calls == 1))
