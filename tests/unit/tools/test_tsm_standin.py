"""tools/tsm_standin behaves like the kernel's configfs-tsm report directory, and replays on demand.

The file system is mounted for real (FUSE) on a scratch directory; needs
root and /dev/fuse, else skipped with the reason.
"""

import errno
import json
import os
import subprocess
import sys

import pytest

from tsm_standin import control
from tsm_standin.filesystem import ReportEntry, TsmReportFilesystem

pytest.importorskip("mfusepy")
from tests.fuse_mount import Mounted  # noqa: E402 (needs mfusepy)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MISSING = ("needs root and /dev/fuse to mount the stand-in" if os.geteuid() != 0 or not os.path.exists("/dev/fuse")
           else None)


@pytest.fixture
def mounted(tmp_path):
    if MISSING:
        pytest.skip(MISSING)
    answers = []

    def answer(entry):
        answers.append((entry.name, entry.inblob))
        return b"QUOTE" + entry.inblob

    with Mounted(TsmReportFilesystem(answer), str(tmp_path / "report")) as mounted:
        yield mounted.mountpoint, answers


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def entry_over(inblob):
    entry = ReportEntry("e")
    entry.write_inblob(inblob, 0)
    return entry


def test_an_entry_answers_a_quote_over_exactly_the_inblob_and_counts_writes(mounted):
    root, answers = mounted
    entry = os.path.join(root, "e1")
    os.mkdir(entry)
    assert sorted(os.listdir(entry)) == ["generation", "inblob", "outblob", "provider"]
    assert read(os.path.join(entry, "provider")) == b"tdx_guest\n"
    assert read(os.path.join(entry, "generation")) == b"0\n"
    write(os.path.join(entry, "inblob"), b"a" * 64)
    write(os.path.join(entry, "inblob"), b"b" * 64)
    assert read(os.path.join(entry, "generation")) == b"2\n"
    assert read(os.path.join(entry, "outblob")) == b"QUOTE" + b"b" * 64
    assert read(os.path.join(entry, "outblob")) == b"QUOTE" + b"b" * 64  # kept until the next write
    assert answers == [("e1", b"b" * 64)]
    os.rmdir(entry)
    assert os.listdir(root) == []


def test_inblob_takes_at_most_64_bytes_and_the_quote_needs_exactly_64(mounted):
    root, _ = mounted
    entry = os.path.join(root, "e2")
    os.mkdir(entry)
    with pytest.raises(OSError) as too_long:
        write(os.path.join(entry, "inblob"), b"x" * 65)
    assert too_long.value.errno == errno.EINVAL
    write(os.path.join(entry, "inblob"), b"x" * 32)
    with pytest.raises(OSError) as short:
        read(os.path.join(entry, "outblob"))
    assert short.value.errno == errno.EINVAL


def test_only_mkdir_makes_things_and_read_only_attributes_refuse_writes(mounted):
    root, _ = mounted
    with pytest.raises(OSError) as made:
        write(os.path.join(root, "file"), b"")
    assert made.value.errno in (errno.EPERM, errno.ENOSYS)
    os.mkdir(os.path.join(root, "e3"))
    with pytest.raises(OSError) as nested:
        os.mkdir(os.path.join(root, "e3", "deeper"))
    assert nested.value.errno in (errno.EPERM, errno.EEXIST, errno.ENOENT)
    with pytest.raises(OSError) as written:
        write(os.path.join(root, "e3", "provider"), b"sev_guest")
    assert written.value.errno == errno.EACCES
    with pytest.raises(OSError) as twice:
        os.mkdir(os.path.join(root, "e3"))
    assert twice.value.errno == errno.EEXIST


def test_the_answer_signs_with_the_test_pki_and_replays_the_last_quote_when_switched(tmp_path):
    pytest.importorskip("cryptography")
    from tsm_standin.answers import QuoteAnswer

    pki = str(tmp_path / "pki")
    subprocess.run([sys.executable, "-m", "tools.tdx_pki", "init", pki], cwd=REPO, check=True, capture_output=True)
    folder = str(tmp_path / "control")
    control.write_config(folder, pki, "h1")
    answer = QuoteAnswer(folder)
    first = answer(entry_over(b"\x01" * 64))
    assert first[48 + 520:48 + 584] == b"\x01" * 64
    with open(os.path.join(folder, "td.json"), "w") as handle:
        json.dump({"mrtd": "ab" * 48}, handle)
    second = answer(entry_over(b"\x02" * 64))
    assert second[48 + 136:48 + 184] == b"\xab" * 48
    control.set_replay(folder, True)
    assert answer(entry_over(b"\x03" * 64)) == second  # the last quote, for an older request
    control.set_replay(folder, False)
    assert answer(entry_over(b"\x04" * 64))[48 + 520:48 + 584] == b"\x04" * 64
    with open(os.path.join(folder, "identity.json")) as handle:
        assert json.load(handle)["fmspc"] == "B0C06F000000"


def test_a_folder_without_config_is_refused_with_the_fix(tmp_path):
    with pytest.raises(control.ControlError, match="--tsm-standin PKI_DIR"):
        control.set_replay(str(tmp_path), True)


def test_the_host_shows_an_event_log_its_quotes_replay_to_and_can_be_switched_to_an_altered_one(tmp_path):
    pytest.importorskip("cryptography")
    from tdx_pki import eventlog as logs
    from tsm_standin.answers import QuoteAnswer

    pki = str(tmp_path / "pki")
    subprocess.run([sys.executable, "-m", "tools.tdx_pki", "init", pki], cwd=REPO, check=True, capture_output=True)
    folder = str(tmp_path / "control")
    control.write_config(folder, pki, "h1")
    quote = QuoteAnswer(folder)(entry_over(b"\x01" * 64))
    tables = os.path.join(folder, "acpi-tables")

    def shown():
        with open(os.path.join(tables, "data", "CCEL"), "rb") as data, open(os.path.join(tables, "CCEL"), "rb") as table:
            return data.read(), table.read()

    data, table = shown()
    header, records, _ = logs.split_log(data)
    rtmrs = b"".join(logs.replay(records))
    assert quote[48 + 328:48 + 520] == rtmrs  # the body's RTMR0-3
    assert table[:4] == b"CCEL" and len(data) == int.from_bytes(table[40:48], "little")
    assert oct(os.stat(os.path.join(tables, "CCEL")).st_mode & 0o777) == "0o400"
    switch = [sys.executable, "-m", "tools.tsm_standin", "eventlog", "--control", folder]
    subprocess.run(switch + ["altered"], cwd=REPO, check=True, capture_output=True)
    altered, _ = shown()
    assert len(altered) == len(data)
    changed = [index for index, value in enumerate(logs.replay(logs.split_log(altered)[1]))
               if value != logs.replay(records)[index]]
    assert changed == [2]  # grub's kernel command line, in RTMR2
    subprocess.run(switch + ["genuine"], cwd=REPO, check=True, capture_output=True)
    assert shown()[0] == data


def test_a_host_given_a_kernel_measures_that_kernel_and_its_quotes_replay_to_it(tmp_path):
    """The emulator gives each backed host its boot image as kernel_version: a new image, new kernel digests."""
    pytest.importorskip("cryptography")
    from tdx_pki import eventlog as logs
    from tsm_standin.answers import QuoteAnswer

    pki = str(tmp_path / "pki")
    subprocess.run([sys.executable, "-m", "tools.tdx_pki", "init", pki], cwd=REPO, check=True, capture_output=True)
    quotes = {}
    for host, kernel in (("h1", None), ("h2", "tdx-image-2")):
        folder = str(tmp_path / host)
        control.write_config(folder, pki, host)
        if kernel:
            config = control.read_config(folder)
            with open(os.path.join(folder, "config.json"), "w") as handle:
                json.dump(dict(config, kernel_version=kernel), handle)
        quote = QuoteAnswer(folder)(entry_over(b"\x01" * 64))
        with open(os.path.join(folder, "acpi-tables", "data", "CCEL"), "rb") as data:
            records = logs.split_log(data.read())[1]
        assert quote[48 + 328:48 + 520] == b"".join(logs.replay(records))
        quotes[host] = (quote, records)
    assert logs.split_log(logs.ubuntu_boot_log("tdx-image-2").to_bytes(4096))[1] == quotes["h2"][1]
    changed = [index for index in range(4) if quotes["h1"][0][48 + 328 + 48 * index:48 + 376 + 48 * index] !=
               quotes["h2"][0][48 + 328 + 48 * index:48 + 376 + 48 * index]]
    assert changed == [2]  # the kernel's and the initrd's contents, which grub measures into RTMR2
