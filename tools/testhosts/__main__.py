"""``python3 tools/testhosts ...``: run the command from the package folder."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from testhosts.cli import main  # noqa: E402  (needs the path above)

sys.exit(main())
