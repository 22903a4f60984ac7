"""The real TDX quotes in shared/tdx-samples, for tests.

The samples live beside the repository (``../shared/tdx-samples``), never
inside it; TDX_SAMPLES_DIR points elsewhere. A test that needs one skips
with the path it looked at when the folder is absent.
"""

import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES_DIR = os.environ.get("TDX_SAMPLES_DIR") or os.path.join(os.path.dirname(REPO_ROOT), "shared", "tdx-samples")

QUOTE_V4 = "tdx_prod_quote_SPR_E4.dat"
QUOTE_V5 = "quote_v5_sample.dat"


def read_sample(name):
    path = os.path.join(SAMPLES_DIR, name)
    if not os.path.isfile(path):
        pytest.skip("real TDX quote sample %s is absent (set TDX_SAMPLES_DIR to the tdx-samples folder)" % path)
    with open(path, "rb") as handle:
        return handle.read()
