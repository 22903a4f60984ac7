"""When a google-variant host counts as booted: what systemd inside says and whether /run/nologin is gone.

The commands inside the host are replaced by their answers (pure logic);
the real nsenter path runs in every login test (tests/hosts/login).
"""

import pytest

from testhosts import inside
from testhosts.errors import TesthostsError

RECORD = {"name": "oslogin-1", "uuid": "u"}


def answering(boot, nologin_exists):
    """A stand-in for inside.run: the boot wait's answer, the nologin test, then the diagnosis."""
    asked = []

    def run(record, command, timeout, namespaces=("--all",)):  # pylint: disable=unused-argument
        asked.append(command)
        if command.startswith("systemctl is-system-running"):
            return boot
        if command.startswith("test -e"):
            return (0, "") if nologin_exists else (1, "")
        return 0, "-- pending jobs:\n1 systemd-user-sessions.service start waiting"
    return run, asked


@pytest.mark.parametrize("state, failed", [("running", []), ("degraded", ["auditd.service"])])
def test_a_finished_boot_with_logins_open_is_ready(monkeypatch, state, failed):
    run, asked = answering((0 if state == "running" else 1, "\n".join([state] + failed) + "\n"), False)
    monkeypatch.setattr(inside, "run", run)
    assert inside.wait_for_boot(RECORD, 60, "host oslogin-1") == (state, failed)
    assert not any("list-jobs" in command for command in asked)


def test_a_boot_that_does_not_finish_names_the_pending_jobs(monkeypatch):
    run, _ = answering((None, "(no answer within 60 s)"), False)
    monkeypatch.setattr(inside, "run", run)
    with pytest.raises(TesthostsError) as raised:
        inside.wait_for_boot(RECORD, 60, "host oslogin-1")
    text = str(raised.value)
    assert text.startswith("host oslogin-1 did not finish booting within 60 s (state: unknown)")
    assert "systemd-user-sessions.service start waiting" in text


def test_a_stopping_system_is_not_booted(monkeypatch):
    run, _ = answering((1, "stopping\n"), False)
    monkeypatch.setattr(inside, "run", run)
    with pytest.raises(TesthostsError, match=r"state: stopping"):
        inside.wait_for_boot(RECORD, 60, "host oslogin-1")


def test_nologin_left_behind_after_the_boot_is_named(monkeypatch):
    run, _ = answering((0, "running\n"), True)
    monkeypatch.setattr(inside, "run", run)
    with pytest.raises(TesthostsError, match=r"finished booting \(running\) but /run/nologin is still there"):
        inside.wait_for_boot(RECORD, 60, "host oslogin-1")


def test_no_init_is_an_error_naming_the_host():
    with pytest.raises(TesthostsError, match="host gone-1: its init is not running"):
        inside.run({"name": "gone-1"}, "true", 5)
