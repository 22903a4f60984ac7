# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exception the TDX decoder raises, whatever bytes it is given."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class TdxDecodeError(ValueError):
    """Input is not a TDREPORT or TDX quote this decoder can read.

    The message is one line that says what was wrong (expected N bytes, got
    M; unknown version; not a TDX TEE type ...), so callers can pass it on to
    users unchanged.
    """
