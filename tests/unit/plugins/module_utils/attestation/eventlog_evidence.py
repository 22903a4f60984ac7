"""Real TDX event logs for the event-log tests, and what each replays to.

The logs live beside the repository (``../shared/tdx-samples/eventlogs``,
TDX_SAMPLES_DIR elsewhere), never inside it; the values each replays to are
those its README gives. go-tdx-guest's COS 113 pair (quote, CCEL table and
data of one Google Cloud boot) is public data that may not be committed: a
test reads it from the folder CONFIDENTIAL_TDX_GO_TDX_GUEST_CCEL names (a
copy of go-tdx-guest's ``testing/testdata/ccel/``); Google's endorsements
are read the same way (read_public_data). A test that needs a missing file
skips, saying which and how to provide it.
"""

import os

import pytest

from tests.tdx_samples import SAMPLES_DIR

EVENTLOGS_DIR = os.path.join(SAMPLES_DIR, "eventlogs")
GO_TDX_GUEST_CCEL_VARIABLE = "CONFIDENTIAL_TDX_GO_TDX_GUEST_CCEL"

ZERO = "00" * 48
# shared/tdx-samples/eventlogs/README.md, "replay gives".
README_RTMRS = {
    "gce-grub": [
        "3300980705adf09d28b707b79699d9874892164280832be2c386a715b6e204e0897fb564a064f810659207ba862b304f",
        "204d49f78d29918fe7b2f694e76653861a0c2a018987d2c3a54266eff737232524cf0af68c4d180e2f8c2c0937f21967",
        ZERO, ZERO,
    ],
    "gke-uki": [
        "bc9945139042cf2cc75caf920aa57f14884ecfd7e893bccc51250c8ce90eb53ce72741e6adaa18183eb1331a87d4544a",
        "c17cb288a4dee302bb9ed8d27257a168f3264ad68cab53757f37eeaa7039657fa887cad65cf910e0fdc435ff110f8a7b",
        "334aeba2c985f8886cea97d1ecffbd512769d528b9a94009583db667ad7d2faa7d37fa145d75b192ceee2d2f10b2eb6d",
        ZERO,
    ],
}


def read_eventlog_sample(folder, name="ccel_data.bin"):
    path = os.path.join(EVENTLOGS_DIR, folder, name)
    if not os.path.isfile(path):
        pytest.skip("real event log sample %s is absent (set TDX_SAMPLES_DIR to the tdx-samples folder)" % path)
    with open(path, "rb") as handle:
        return handle.read()


def read_public_data(variable, name, what):
    """File ``name`` of the folder the environment ``variable`` names: public data that is not committed here.

    Skips, saying what to point ``variable`` at (``what``), when it is unset or the folder lacks the file.
    """
    folder = os.environ.get(variable)
    if not folder:
        pytest.skip("%s is not set: point it at %s (public data that is not committed here)" % (variable, what))
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        pytest.skip("%s has no %s (%s names %s)" % (folder, name, variable, what))
    with open(path, "rb") as handle:
        return handle.read()


def read_go_tdx_guest_ccel(name):
    """A file of go-tdx-guest's testing/testdata/ccel (ccel_data.dat, ccel_table.dat, cos-113-tdx-quote.dat)."""
    return read_public_data(GO_TDX_GUEST_CCEL_VARIABLE, name, "a copy of google/go-tdx-guest's testing/testdata/ccel")
