"""The bench's own logic: medians, ratios, targets, alternation, and the table written into a document.

Timing a real child process: tests/processes/test_bench_timing.py.
"""

import pytest

from bench import __main__ as bench_main
from bench import report, suite_gce
from bench.measure import Row, Sample, Side, alternate, skipped_row


def side(label, seconds, calls=None):
    return Side(label, [Sample(value, calls) for value in seconds])


def test_the_ratio_is_of_medians_and_a_target_is_judged_on_it():
    row = Row("create 100", side("fleet", [6.0, 9.0, 5.0], calls=203), side("loop", [500.0], calls=600),
              target=(">= 20x faster", lambda row: row.ratio <= 1 / 20.0))
    assert row.a.median == 6.0 and row.b.median == 500.0
    assert row.ratio == 6.0 / 500.0
    assert row.met is True
    assert row.a.calls == 203
    slow = Row("create 100", side("fleet", [30.0]), side("loop", [500.0]),
               target=(">= 20x faster", lambda row: row.ratio <= 1 / 20.0))
    assert slow.met is False


def test_calls_that_differ_between_runs_are_given_as_their_median():
    assert side("x", [1, 2, 3]).calls is None
    assert Side("x", [Sample(1, 10), Sample(1, 12), Sample(1, 20)]).calls == 12


def test_a_row_that_could_not_be_measured_says_why_and_meets_nothing():
    row = skipped_row("verify, 10 hosts", "role verify", "ansible -m ping", "needs root", ("<= 1.5x", None))
    assert row.met is None and row.ratio is None
    line = report.text_table([row]).splitlines()[2]
    assert "not measured: needs root" in line


def test_runs_alternate_and_each_is_prepared():
    order = []
    a_samples, b_samples = alternate(lambda: order.append("A"), lambda: order.append("B"), 3, 1,
                                     before_each=lambda which: order.append("prepare " + which), log=lambda line: None)
    assert order == ["prepare A", "A", "prepare B", "B", "prepare A", "A", "prepare A", "A"]
    assert (len(a_samples), len(b_samples)) == (3, 1)


def test_the_document_keeps_its_prose_and_replaces_only_the_table(tmp_path):
    document = tmp_path / "performance.md"
    document.write_text("# Performance\n\nProse before.\n\n%s\nold table\n%s\n\nProse after.\n" % (report.BEGIN,
                                                                                                      report.END))
    machine = dict(date="2026-01-01 00:00 UTC", cpu="Some CPU", cores="2", ram="4.0 GiB", kernel="Linux 6.1",
                   os="Debian", python="3.11.7", ansible_core="2.19.14", load_at_start="1.00 1.00 1.00")
    rows = [Row("inventory", side("cold", [2.0, 3.0]), side("cached", [1.0, 1.0]))]
    report.write_document(str(document), rows, machine, "emulator 100 ms per call")
    text = document.read_text()
    assert text.startswith("# Performance\n\nProse before.\n")
    assert text.endswith("\n\nProse after.\n")
    assert "old table" not in text
    assert "| inventory | cold | 2.50 s | cached | 1.00 s | 2.50 |" in text
    assert "Some CPU, 2 cores, 4.0 GiB RAM" in text and "ansible-core 2.19.14" in text
    assert "load average (1, 5, 15 min) 1.00 1.00 1.00 at the start" in text
    report.write_document(str(document), rows, machine, "emulator 100 ms per call")
    assert document.read_text() == text  # a second write replaces the same section


def test_the_cpu_of_each_side_and_the_notes_are_written_under_the_table():
    rows = [Row("one task", Side("task", [Sample(2.0, 3, cpu=1.5)]), Side("ping", [Sample(1.0, cpu=0.75)]),
                note="the task's own cost")]
    section = report.generated_section(rows, dict(date="d", cpu="c", cores="2", ram="r", kernel="k", os="o",
                                                  python="p", ansible_core="a", load_at_start="l"), "s")
    assert "- one task, task: 1 run, 2.00-2.00 s, 1.50 CPU s (median)" in section
    assert "- one task, ping: 1 run, 1.00-1.00 s, 0.75 CPU s (median)" in section
    assert "Notes:\n\n- one task: the task's own cost\n" in section


def test_a_part_of_the_gce_suite_can_be_chosen_alone():
    assert bench_main.choose("gce.task") == ({"gce"}, {"task"})
    assert bench_main.choose("gce.group") == ({"gce"}, {"group"})
    assert bench_main.choose("gce.task,gce.import,inventory") == ({"gce", "inventory"}, {"task", "import"})
    assert bench_main.choose("gce,verify") == ({"gce", "verify"}, set(bench_main.GCE_PARTS))
    assert bench_main.choose("inventory") == ({"inventory"}, set())
    assert bench_main.GCE_PARTS == suite_gce.PARTS
    with pytest.raises(SystemExit):
        bench_main.choose("gce.nothing")


def test_the_group_row_makes_a_template_and_a_group_as_large_as_the_fleet_in_the_fleet_zone():
    class Emulator:
        @staticmethod
        def module_defaults():
            return {"group/confidential.tdx.gce": {"project": "p", "api_endpoint": "http://e"}}

    (play,) = suite_gce.group_play(Emulator(), suite_gce.GROUP_SIZE)
    template, group = play["tasks"]
    assert template["register"] == "template"
    assert group["confidential.tdx.gce_instance_group"] == {
        "name": suite_gce.GROUP_NAME, "zone": suite_gce.ZONE, "template": "{{ template.template.self_link }}",
        "size": 100}
    (fleet,) = suite_gce.fleet_play(Emulator(), suite_gce.GROUP_SIZE)
    assert len(fleet["tasks"][0]["confidential.tdx.gce_instance"]["instances"]) == 100
    assert play["module_defaults"] == fleet["module_defaults"]
