# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API filter of a listing, one dialect for gce_instance_info and the gce inventory."""

import re

# The eq/ne (regular expression) form of a filter; the API refuses one filter
# that mixes it with the = / != form.
_REGEX_FORM = re.compile(r"\s(?:eq|ne)\s")


def uses_regex_form(expressions):
    """Whether any of ``expressions`` is written in the eq/ne form."""
    return any(_REGEX_FORM.search(expression or "") for expression in expressions or ())


def quoted(value):
    """A value as a double-quoted filter literal."""
    return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')


def combined_filter(expressions):
    """The API filter that ANDs ``expressions`` (None for none).

    Each expression is put in parentheses, which the API reads as AND when
    they follow each other; a single expression is sent as written. Blank
    expressions are left out.
    """
    kept = [expression.strip() for expression in expressions or () if expression and expression.strip()]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return " ".join("(%s)" % expression for expression in kept)
