# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the guest-side readers name an operating-system error in their one-line messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno


def errno_name(exc):
    """The symbolic name of an OSError's errno (ENOENT ...), or the exception's type when it has none."""
    return errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno else type(exc).__name__
