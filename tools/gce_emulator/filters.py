"""The ``filter`` parameter of Compute Engine list calls.

Supported, as the API documents them:

* ``field OP value`` with OP one of ``=  !=  >  <  >=  <=  :`` (``:`` matches
  a substring of a string field, ``field:*`` tests that a key is present);
* nested fields with dots: ``labels.env = "prod"``, ``scheduling.preemptible = false``;
* several expressions: ``(a = 1) (b = 2)`` or ``a = 1 AND b = 2`` (AND), ``OR``,
  and ``NOT``/``-`` in front of an expression;
* the older regular-expression form ``name eq "inst-.*"`` / ``name ne ...``
  (the whole value must match, RE2 style), one expression or several
  parenthesised ones side by side (ANDed), value unquoted or in single or
  double quotes.

Strict, as the discovery document's ``filter`` description says: the two
forms cannot be mixed in one filter (and the regular-expression form takes
no ``OR``/``NOT``), and only atomic fields (strings, numbers, booleans, or
lists of them; a map's key such as ``labels.env``) can be compared: a field
that holds an object (``scheduling``, ``labels``, ``networkInterfaces``) is
refused. A repeated field matches when any element matches. Anything else is
refused with 400 as the API does.
"""

import re

from . import errors

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<lparen>\() |
        (?P<rparen>\)) |
        (?P<op>!=|>=|<=|=|>|<|:) |
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*') |
        (?P<word>[^\s()=!<>:"']+)
    )""",
    re.VERBOSE,
)


class FilterError(Exception):
    pass


def _tokenize(text):
    tokens = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise FilterError("unexpected character at %d" % position)
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.index += 1
        return token

    def parse(self):
        expression = self.disjunction()
        if self.peek()[0] is not None:
            raise FilterError("unexpected %r" % (self.peek()[1],))
        return expression

    def disjunction(self):
        terms = [self.conjunction()]
        while self.peek() == ("word", "OR"):
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def conjunction(self):
        terms = [self.unary()]
        while True:
            kind, value = self.peek()
            if kind is None or kind == "rparen" or (kind, value) == ("word", "OR"):
                break
            if (kind, value) == ("word", "AND"):
                self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else ("and", terms)

    def unary(self):
        kind, value = self.peek()
        if (kind, value) == ("word", "NOT"):
            self.take()
            return ("not", self.unary())
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.index] = ("word", value[1:])
            return ("not", self.unary())
        if kind == "lparen":
            self.take()
            inner = self.disjunction()
            if self.take()[0] != "rparen":
                raise FilterError("missing )")
            return inner
        return self.comparison()

    def comparison(self):
        kind, field = self.take()
        if kind != "word":
            raise FilterError("expected a field name")
        kind, operator = self.take()
        if kind == "word" and operator in ("eq", "ne"):
            value_kind, value = self.take()
            if value_kind not in ("word", "string"):
                raise FilterError("expected a value")
            return ("regex", field, operator, value)
        if kind != "op":
            raise FilterError("expected an operator after %s" % field)
        value_kind, value = self.take()
        if value_kind not in ("word", "string"):
            raise FilterError("expected a value after %s %s" % (field, operator))
        return ("compare", field, operator, value)


def parse(text):
    """A predicate over resource dicts, or raise ApiError(400) for bad syntax or a non-atomic field."""
    if not text or not text.strip():
        return lambda resource: True
    try:
        tree = _Parser(_tokenize(text)).parse()
        forms = set()
        _check_tree(tree, forms)
    except (FilterError, re.error):
        raise errors.invalid_field("filter", text, "Invalid list filter expression.")
    if forms == {"regex", "compare"}:
        raise errors.invalid_field(
            "filter", text, "Invalid list filter expression: regular-expression (eq/ne) and comparison "
                            "(=, !=, >, <, :) expressions cannot be mixed in one filter.")
    if "regex" in forms and _has_logic(tree):
        raise errors.invalid_field(
            "filter", text, "Invalid list filter expression: eq/ne expressions take no OR or NOT.")

    def predicate(resource):
        return _evaluate(tree, resource, text)

    return predicate


def _check_tree(tree, forms):
    if tree[0] in ("and", "or"):
        for term in tree[1]:
            _check_tree(term, forms)
    elif tree[0] == "not":
        _check_tree(tree[1], forms)
    else:
        forms.add(tree[0])
        if tree[0] == "regex":
            re.compile(tree[3])


def _has_logic(tree):
    if tree[0] in ("or", "not"):
        return True
    return tree[0] == "and" and any(_has_logic(term) for term in tree[1])


def _lookup(resource, dotted):
    values = [resource]
    for key in dotted.split("."):
        found = []
        for value in values:
            if isinstance(value, list):
                value = [v.get(key) for v in value if isinstance(v, dict)]
                found.extend(v for v in value if v is not None)
            elif isinstance(value, dict) and key in value:
                found.append(value[key])
        values = found
    flat = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(actual, operator, expected):
    if operator == ":":
        if expected == "*":
            return True
        if isinstance(actual, str):
            return expected in actual
        return _as_text(actual) == expected
    if operator in ("=", "!="):
        equal = _as_text(actual) == expected
        return equal if operator == "=" else not equal
    try:
        left, right = float(actual), float(expected)
    except (TypeError, ValueError):
        left, right = _as_text(actual), expected
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[operator]


def _atomic(values, field, text):
    if any(isinstance(value, (dict, list)) for value in values):
        raise errors.invalid_field(
            "filter", text, "Invalid list filter expression: field '%s' is not an atomic field." % field)
    return values


def _evaluate(tree, resource, text):
    kind = tree[0]
    if kind == "and":
        return all(_evaluate(term, resource, text) for term in tree[1])
    if kind == "or":
        return any(_evaluate(term, resource, text) for term in tree[1])
    if kind == "not":
        return not _evaluate(tree[1], resource, text)
    if kind == "regex":
        _, field, operator, pattern = tree
        matched = any(re.fullmatch(pattern, _as_text(v)) for v in _atomic(_lookup(resource, field), field, text))
        return matched if operator == "eq" else not matched
    _, field, operator, expected = tree
    values = _atomic(_lookup(resource, field), field, text)
    if operator == "!=":
        return not any(_compare(v, "=", expected) for v in values)
    return any(_compare(v, operator, expected) for v in values)
