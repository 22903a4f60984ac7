"""The table: printed once, and written into docs/performance.md between its markers."""

import os
import re

BEGIN = "<!-- bench:begin (written by make bench; edit outside these markers) -->"
END = "<!-- bench:end -->"

COLUMNS = ("work", "A", "A median", "B", "B median", "A/B", "API calls A / B", "runs A / B", "target", "met")


def _seconds(value):
    return "-" if value is None else "%.2f s" % value


def _calls(side):
    calls = side.calls
    if calls is None:
        return "-"
    return ("%d" % calls) if float(calls).is_integer() else "%.1f" % calls


def cells(row):
    if row.skipped:
        return (row.work, row.a.label, "-", row.b.label, "-", "-", "-", "0 / 0",
                row.target[0] if row.target else "", "not measured: %s" % row.skipped)
    met = {None: "", True: "yes", False: "NO"}[row.met]
    ratio = "-" if row.ratio is None else ("%.2f" % row.ratio if row.ratio >= 0.1 else "%.3f" % row.ratio)
    return (row.work, row.a.label, _seconds(row.a.median), row.b.label, _seconds(row.b.median), ratio,
            "%s / %s" % (_calls(row.a), _calls(row.b)), "%d / %d" % (row.a.runs, row.b.runs),
            row.target[0] if row.target else "", met)


def text_table(rows):
    table = [COLUMNS] + [cells(row) for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(COLUMNS))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip() for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(value.replace("|", "\\|") for value in cells(row)) + " |")
    return "\n".join(lines)


def spreads(rows):
    lines = []
    for row in rows:
        if row.skipped:
            continue
        for side in (row.a, row.b):
            low, high = side.spread
            if low is not None:
                lines.append("- %s, %s: %d run%s, %.2f-%.2f s%s" % (
                    row.work, side.label, side.runs, "s" if side.runs > 1 else "", low, high,
                    "" if side.cpu is None else ", %.2f CPU s (median)" % side.cpu))
    return "\n".join(lines)


def notes(rows):
    return "\n".join("- %s: %s" % (row.work, row.note) for row in rows if row.note and not row.skipped)


def generated_section(rows, machine, settings):
    return "\n".join([
        BEGIN,
        "",
        "Measured from %s to %s on: %s, %s cores, %s RAM; %s; %s; Python %s; ansible-core %s; load average "
        "(1, 5, 15 min) %s at the start, %s at the end. The machine was shared with other work while it ran."
        % (machine["date"], machine.get("finished", "?"), machine["cpu"], machine["cores"], machine["ram"],
           machine["kernel"], machine["os"], machine["python"], machine["ansible_core"], machine["load_at_start"],
           machine.get("load_at_end", "?")),
        "",
        "Settings: %s." % settings,
        "",
        markdown_table(rows),
        "",
        "Fastest and slowest run of each side, and the median CPU time (user and system) of its commands on "
        "the controller:",
        "",
        spreads(rows),
        "",
    ] + (["Notes:", "", notes(rows), ""] if notes(rows) else []) + [END])


def write_document(path, rows, machine, settings):
    """Replace the generated section of ``path`` (or append one), keeping the prose around it."""
    section = generated_section(rows, machine, settings)
    text = open(path).read() if os.path.exists(path) else "# Performance\n\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda match: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as handle:
        handle.write(text)
