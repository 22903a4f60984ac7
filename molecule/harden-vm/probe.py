"""Ask the VM's kernel and systemd what the harden role left behind.

verify.yml runs this on the VM as root (one round trip instead of one per
question: every module run costs seconds under software emulation) and
asserts on the JSON it prints. It only asks; the one thing it does is cause
events the role claims to handle (an identity change, a crash).
Arguments: the kernel parameters to read.
"""

import json
import os
import subprocess
import sys
import tempfile


def run(*argv, **kwargs):
    done = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False, **kwargs)
    return {"rc": done.returncode, "out": done.stdout.strip(), "err": done.stderr.strip()}


def read(path):
    with open(path) as handle:
        return handle.read()


def crash_leaves_core():
    """Crash a shell that raised its own core limit; list what it left in its folder."""
    with tempfile.TemporaryDirectory() as folder:
        crash = run("sh", "-c", "ulimit -c unlimited; kill -SEGV $$", cwd=folder)
        return {"rc": crash["rc"], "files": sorted(os.listdir(folder))}


def main():
    keys = sys.argv[1:]
    # An identity change the audit rules must record (--input-logs: ausearch
    # reads standard input, not the logs, when that is not a terminal).
    run("groupadd", "harden-audit-probe")
    run("groupdel", "harden-audit-probe")
    answers = {
        "sysctl": dict(zip(keys, run("sysctl", "--values", *keys)["out"].splitlines())),
        "swapon": run("swapon", "--show", "--noheadings")["out"],
        "fstab": read("/etc/fstab").splitlines(),
        "auditd": run("systemctl", "is-active", "auditd.service")["out"],
        "audit_rules": run("auditctl", "-l")["out"].splitlines(),
        "identity_events": run("ausearch", "--input-logs", "--key", "cvm_identity", "--interpret",
                               "--start", "recent")["out"],
        "modprobe": dict((name, run("modprobe", "--dry-run", "--verbose", name)["out"])
                         for name in ("cramfs", "udf", "sctp", "tdx_guest")),
        "cramfs_load_rc": run("modprobe", "cramfs")["rc"],
        "crash": crash_leaves_core(),
        "default_limit_core": run("systemctl", "show", "--property=DefaultLimitCORE", "--value")["out"],
        "serial_getty": [run("systemctl", verb, "serial-getty@ttyS0.service")["out"]
                         for verb in ("is-enabled", "is-active")],
        "apparmor": run("systemctl", "is-active", "apparmor.service")["out"],
        "report": json.loads(read("/var/lib/confidential-tdx/harden-report.json")),
    }
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
