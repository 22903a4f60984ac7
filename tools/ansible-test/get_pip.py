"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates a virtual environment for each sanity test and seeds it by
running ``get-pip.py`` fetched from Ansible's CI file host, which these
machines cannot reach. ``make test`` places this file in ansible-test's cache
as ``get_pip_<version>.py`` next to a pip wheel downloaded from PyPI, so the
bootstrap installs that wheel instead. Options get-pip understands but pip does
not (``--no-setuptools``, ``--no-wheel``) are dropped.
"""

import glob
import os
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    wheels = sorted(glob.glob(os.path.join(here, "pip-*.whl")))
    if not wheels:
        sys.exit("no pip wheel next to %s; run `make test` to place one" % __file__)
    wheel = wheels[-1]
    # A wheel is a zip archive that Python can import from: run pip from it to
    # install pip itself, exactly as the real get-pip.py does.
    sys.path.insert(0, wheel)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    sys.exit(pip_main(["install", "--find-links", here] + args))


if __name__ == "__main__":
    main()
