"""Why the emulator's backing says a test host did not start: testhosts' own error line, not the console's last."""

from gce_emulator.backing import failure_reason  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)


def test_the_error_line_of_testhosts_wins_over_console_lines_written_after_it():
    stderr = ("[  1.0] systemd[1]: Starting sshd\n"
              "testhosts: error: oslogin-1: sshd did not answer within 180 s\n"
              "[  2.0] oslogin-1 systemd[1]: Finished google-oslogin-cache.service - NSS cache refresh.\n")
    assert failure_reason(stderr, "up", 1) == "testhosts: error: oslogin-1: sshd did not answer within 180 s"


def test_without_an_error_line_the_last_line_or_the_exit_status_says_it():
    assert failure_reason("booting\n\nhalted\n", "up", 1) == "halted"
    assert failure_reason("", "up", 3) == "testhosts up exited with 3"
