"""What the tests of tools/pcs_standin share: the moment and platform their test PKI case is built for, and a GET.

The unit tests serve the case from a PcsStandin in this process
(tests/unit/tools/test_pcs_standin.py), the process tests from
``python -m pcs_standin`` (tests/processes/test_pcs_standin_command.py).
"""

import datetime
import urllib.error
import urllib.request

NOW = int(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc).timestamp())
FMSPC = "B0C06F000000"


def get(url):
    """(status, headers, body) of a GET, errors included: the tests judge the stand-in's refusals too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
