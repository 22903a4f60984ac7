"""Package lists and the cache keys derived from them (pure logic)."""

import hashlib
import json
import re

from .errors import TesthostsError

# Debian policy 5.6.1: lower case letters, digits, + - . ; at least two
# characters, starting with a letter or digit.
_PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def parse_package_list(text, source="packages.txt"):
    """Return the package names in ``text`` (one per line, ``#`` comments).

    Order and duplicates do not matter to apt, so the result is sorted and
    unique; that also keeps the cache key stable under reordering.
    """
    names = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not _PACKAGE_NAME.match(line):
            raise TesthostsError(
                "%s line %d: %r is not a Debian package name; write one package name per line"
                % (source, number, line)
            )
        names.add(line)
    if not names:
        raise TesthostsError("%s lists no packages; add at least systemd and openssh-server" % source)
    return sorted(names)


def read_package_list(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_package_list(handle.read(), source=path)
    except FileNotFoundError:
        raise TesthostsError("package list %s is missing; restore it from git" % path) from None


def cache_key(kind, recipe, suite, packages, extra=None):
    """A short, stable hash naming one cached build.

    Everything that changes what the build produces goes in: the kind of
    artefact, the recipe version, the suite and the package set (and for the
    VM the base it derives from and the key it lets in). The mirror does not:
    any mirror of the suite gives the same system.
    """
    material = {
        "kind": kind,
        "recipe": recipe,
        "suite": suite,
        "packages": sorted(set(packages)),
        "extra": extra or {},
    }
    encoded = json.dumps(material, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]
