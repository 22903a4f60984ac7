"""guest_quote against the configfs-tsm stand-in (tools/tsm_standin), each test saying what its quotes are."""

import base64
import errno
import os

import pytest

from ansible_collections.confidential.tdx.plugins.modules import guest_quote
from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ...module_harness import run_module

try:
    from tsm_standin.filesystem import TsmReportFilesystem

    from tests.fuse_mount import Mounted
    FUSE_PROBLEM = None
except (ImportError, OSError) as exc:  # mfusepy missing, or libfuse3 not installed
    FUSE_PROBLEM = "the configfs-tsm stand-in needs mfusepy and libfuse3: %s" % exc

if FUSE_PROBLEM is None and os.geteuid() != 0:
    FUSE_PROBLEM = "mounting the configfs-tsm stand-in (FUSE) needs root"
if FUSE_PROBLEM is None and not os.path.exists("/dev/fuse"):
    FUSE_PROBLEM = "mounting the configfs-tsm stand-in needs /dev/fuse"
needs_fuse = pytest.mark.skipif(FUSE_PROBLEM is not None, reason=FUSE_PROBLEM or "")

DRIVER_BUFFER = 8192  # the TDX driver hands out its whole quote buffer


def padded_v4_quote(entry):
    quote, _ = build.quote_v4(report_data=entry.inblob)
    return quote + bytes(DRIVER_BUFFER - len(quote))


def failing_with(code):
    """An answer that fails the quote request as the host's quote service can."""
    def answer(entry):
        raise OSError(code, os.strerror(code))
    return answer


def racing(entry):
    """Another writer's inblob lands while the quote is made."""
    quote = padded_v4_quote(entry)
    entry.write_inblob(bytes(64), 0)
    return quote


if FUSE_PROBLEM is None:
    class WatchedReport(TsmReportFilesystem):
        """The stand-in, noting each entry made and removed; ``mkdir_errno`` refuses every mkdir with it."""

        def __init__(self, answer, provider="tdx_guest", mkdir_errno=None):
            super().__init__(answer, provider)
            self.mkdir_errno = mkdir_errno
            self.created = []
            self.removed = []

        def mkdir(self, path, mode):
            if self.mkdir_errno:
                raise OSError(self.mkdir_errno, os.strerror(self.mkdir_errno))
            super().mkdir(path, mode)
            self.created.append(path.strip("/"))
            return 0

        def rmdir(self, path):
            super().rmdir(path)
            self.removed.append(path.strip("/"))
            return 0


@pytest.fixture
def tsm(tmp_path):
    """Mount a configfs-tsm report directory; yields (path, file system)."""
    mounts = []

    def mount(**behaviour):
        behaviour.setdefault("answer", padded_v4_quote)
        operations = WatchedReport(**behaviour)
        mounted = Mounted(operations, str(tmp_path / ("report%d" % len(mounts)))).__enter__()
        mounts.append(mounted)
        return mounted.mountpoint, operations

    yield mount
    for mounted in mounts:
        mounted.__exit__(None, None, None)


@needs_fuse
@pytest.mark.parametrize("check_mode", [False, True])
def test_a_quote_is_returned_decoded_and_the_entry_removed(tsm, check_mode):
    path, fs = tsm()
    nonce = bytes(range(64)).hex()
    result = run_module(guest_quote.main, {"report_data": nonce, "tsm_report_dir": path}, check_mode=check_mode)
    assert not result.failed, result.get("msg")
    assert result.changed is False
    assert result["report_data"] == nonce
    assert result["decoded"]["report_data"] == nonce
    assert result["decoded"]["version"] == 4
    assert result["decoded"]["td_attributes"] == "0000000010000000"
    assert result["provider"] == "tdx_guest"
    assert result["generation"] == 1
    quote = base64.b64decode(result["quote"])
    expected, _ = build.quote_v4(report_data=bytes(range(64)))
    assert quote == expected  # the driver's padding is cut off
    assert result["decoded"]["trailing_bytes"] == DRIVER_BUFFER - len(expected)
    assert len(fs.created) == 1 and fs.created[0].startswith("confidential-tdx-")
    assert fs.removed == fs.created
    assert os.listdir(path) == []


@needs_fuse
def test_without_report_data_a_random_nonce_is_used_each_time(tsm):
    path, fs = tsm()
    first = run_module(guest_quote.main, {"tsm_report_dir": path})
    second = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert len(first["report_data"]) == 128
    assert first["report_data"] != second["report_data"]
    assert first["decoded"]["report_data"] == first["report_data"]
    assert fs.removed == fs.created and len(fs.created) == 2


@needs_fuse
def test_short_report_data_is_padded_with_zero_bytes(tsm):
    path, _ = tsm()
    result = run_module(guest_quote.main, {"report_data": "c0ffee", "tsm_report_dir": path})
    assert result["report_data"] == "c0ffee" + "00" * 61


@needs_fuse
def test_a_v5_quote_with_a_tdx15_body_is_decoded(tsm):
    path, _ = tsm(answer=lambda entry: build.quote_v5(body_type=3, report_data=entry.inblob)[0])
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result["decoded"]["version"] == 5
    assert result["decoded"]["tdx_module"] == "TDX 1.5"
    assert "mrservicetd" in result["decoded"]


@needs_fuse
@pytest.mark.parametrize("code,message", [
    (errno.ETIMEDOUT, "the host's quote service did not answer in time (ETIMEDOUT)"),
    (errno.EIO, "the GetQuote hypercall failed (EIO)"),
    (errno.EBUSY, "another quote request is in flight on this TD (EBUSY)"),
])
def test_quote_service_errors_are_explained_and_the_entry_is_still_removed(tsm, code, message):
    path, fs = tsm(answer=failing_with(code))
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result.failed
    assert result["msg"].startswith(message)
    assert "\n" not in result["msg"]
    assert len(fs.created) == 1 and fs.removed == fs.created


@needs_fuse
def test_a_moved_generation_is_refused_as_a_race_and_the_entry_removed(tsm):
    path, fs = tsm(answer=racing)
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result.failed
    assert "another writer changed the report entry" in result["msg"]
    assert "generation went 0, 1, 2" in result["msg"]
    assert fs.removed == fs.created


@needs_fuse
def test_another_provider_is_refused(tsm):
    path, fs = tsm(provider="sev_guest")
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result.failed
    assert result["msg"] == "the report entry's provider is 'sev_guest', not 'tdx_guest': this is not a TDX guest"
    assert fs.removed == fs.created


@needs_fuse
def test_a_quote_over_other_report_data_is_refused(tsm):
    path, _ = tsm(answer=lambda entry: build.quote_v4(report_data=b"\x99" * 64)[0])
    result = run_module(guest_quote.main, {"report_data": "01", "tsm_report_dir": path})
    assert result.failed
    assert result["msg"].startswith("the quote carries report data 9999")


@needs_fuse
def test_an_answer_that_is_not_a_quote_is_refused(tsm):
    path, _ = tsm(answer=lambda entry: b"\x00" * 100)
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result.failed
    assert result["msg"] == ("the kernel returned something that is not a TDX quote: unknown quote version 0: "
                             "this decoder reads versions 4 and 5")


@needs_fuse
def test_without_root_creating_the_entry_is_refused_with_the_fix(tsm):
    path, fs = tsm(mkdir_errno=errno.EACCES)
    result = run_module(guest_quote.main, {"tsm_report_dir": path})
    assert result.failed
    assert result["msg"] == "creating a report entry in %s needs root: run the task with become" % path
    assert fs.created == []


def test_a_kernel_without_configfs_tsm_is_explained(tmp_path):
    result = run_module(guest_quote.main, {"tsm_report_dir": str(tmp_path / "absent")})
    assert result.failed
    assert result["msg"].startswith("tsm_report_dir: %s does not exist: this kernel has no configfs-tsm report "
                                    "interface" % (tmp_path / "absent"))


def test_this_machine_has_no_configfs_tsm_and_says_so():
    if os.path.isdir("/sys/kernel/config/tsm/report"):
        pytest.skip("this machine has configfs-tsm")
    result = run_module(guest_quote.main, {})
    assert result.failed
    assert "no configfs-tsm report interface" in result["msg"]


@pytest.mark.parametrize("value", ["zz", "00" * 65])
def test_bad_report_data_fails_naming_the_argument(tmp_path, value):
    result = run_module(guest_quote.main, {"report_data": value, "tsm_report_dir": str(tmp_path)})
    assert result.failed
    assert result["msg"].startswith("report_data must be")
    assert os.listdir(str(tmp_path)) == []


# --- The event log (CCEL), read beside the quote ---------------------------------

def ccel_tables(tmp_path, table=b"CCEL table bytes", data=b"CCEL log area bytes"):
    """A folder laid out as /sys/firmware/acpi/tables: CCEL and data/CCEL (either left out when None)."""
    folder = tmp_path / "tables"
    (folder / "data").mkdir(parents=True)
    if table is not None:
        (folder / "CCEL").write_bytes(table)
    if data is not None:
        (folder / "data" / "CCEL").write_bytes(data)
    return str(folder)


@needs_fuse
def test_the_event_log_and_its_table_are_returned_as_base64(tsm, tmp_path):
    path, _ = tsm()
    tables = ccel_tables(tmp_path)
    result = run_module(guest_quote.main, {"tsm_report_dir": path, "acpi_tables_dir": tables}, check_mode=True)
    assert not result.failed, result.get("msg")
    assert base64.b64decode(result["event_log"]) == b"CCEL log area bytes"
    assert base64.b64decode(result["event_log_table"]) == b"CCEL table bytes"
    assert result["event_log_reason"] is None


@needs_fuse
def test_a_guest_without_an_event_log_still_gives_its_quote_and_says_why(tsm, tmp_path):
    path, _ = tsm()
    result = run_module(guest_quote.main, {"tsm_report_dir": path, "acpi_tables_dir": str(tmp_path / "none")})
    assert not result.failed, result.get("msg")
    assert result["quote"]
    assert result["event_log"] is None and result["event_log_table"] is None
    assert result["event_log_reason"].startswith("no CCEL event log: %s does not exist"
                                                 % (tmp_path / "none" / "data" / "CCEL"))


def test_a_missing_table_beside_a_log_nulls_the_table_alone(tmp_path):
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.ccel import read_event_log

    found = read_event_log(ccel_tables(tmp_path, table=None))
    assert base64.b64decode(found["event_log"]) == b"CCEL log area bytes"
    assert found["event_log_table"] is None
    assert found["event_log_reason"] == "no CCEL table: %s does not exist" % (tmp_path / "tables" / "CCEL")


def test_an_unreadable_log_is_null_naming_the_error(tmp_path):
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.ccel import read_event_log

    tables = ccel_tables(tmp_path, data=None)
    os.mkdir(os.path.join(tables, "data", "CCEL"))  # read() fails on it, as on a file root alone may read
    found = read_event_log(tables)
    assert found["event_log"] is None and found["event_log_table"] is not None
    assert found["event_log_reason"].startswith("no CCEL event log: %s cannot be read (EISDIR)"
                                                % os.path.join(tables, "data", "CCEL"))
