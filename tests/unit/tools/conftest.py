"""Make tools/testhosts importable as ``testhosts`` for its unit tests."""

import os
import sys

TOOLS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools")
TOOLS_DIR = os.path.normpath(TOOLS_DIR)
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)
