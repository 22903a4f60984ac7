"""The machine the numbers came from."""

import datetime
import os
import platform
import subprocess
import sys


def _first_value(path, key):
    try:
        with open(path) as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return None


def os_name():
    try:
        with open("/etc/os-release") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "unknown"


def ansible_core_version(ansible_bin):
    try:
        output = subprocess.run([ansible_bin, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError:
        return "unknown"
    first = output.splitlines()[0] if output else ""
    return first.split("[core", 1)[-1].strip(" ]") if "[core" in first else first or "unknown"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def load_average():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "unknown"


def describe(ansible_bin):
    memory = _first_value("/proc/meminfo", "MemTotal")
    gib = "%.1f GiB" % (int(memory.split()[0]) / 1024.0 / 1024.0) if memory else "unknown"
    return {
        "date": now(),
        "cpu": _first_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "ram": gib,
        "kernel": "%s %s" % (platform.system(), platform.release()),
        "os": os_name(),
        "python": platform.python_version() + " (" + sys.executable + ")",
        "ansible_core": ansible_core_version(ansible_bin),
        "load_at_start": load_average(),
    }
