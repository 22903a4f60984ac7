"""Find the Debian mirrors that the machine's own apt sources use (pure parsing)."""

import os
import re

from . import settings

# `deb [arch=amd64 signed-by=...] URI SUITE ...`: the bracketed options may hold spaces.
_OPTIONS = re.compile(r"\[[^\]]*\]")


def _deb822_stanzas(text):
    stanza = {}
    key = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if stanza:
                yield stanza
            stanza, key = {}, None
            continue
        if line[0] in " \t" and key:
            stanza[key] += " " + line.strip()
            continue
        if ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            stanza[key] = value.strip()
    if stanza:
        yield stanza


def _one_line_entries(text):
    for line in text.splitlines():
        line = _OPTIONS.sub(" ", line.split("#", 1)[0])
        words = line.split()
        if len(words) >= 3 and words[0] == "deb":
            yield {"uris": words[1], "suites": words[2], "types": "deb"}


def find_mirror(text, suite):
    """The first ``deb`` URI serving ``suite`` in a sources file, or None.

    Understands both the deb822 format (``*.sources``) and one-line
    ``sources.list`` entries.
    """
    entries = list(_deb822_stanzas(text)) if "uris:" in text.lower() else []
    entries += list(_one_line_entries(text))
    for entry in entries:
        if "deb" not in entry.get("types", "deb").split():
            continue
        if suite in entry.get("suites", "").split():
            uris = entry.get("uris", "").split()
            if uris:
                return uris[0].rstrip("/")
    return None


def _from_host_sources(suite):
    for path in settings.HOST_APT_SOURCES:
        try:
            with open(path, encoding="utf-8") as handle:
                found = find_mirror(handle.read(), suite)
        except OSError:
            continue
        if found:
            return found
    return None


def main_mirror():
    return (
        os.environ.get(settings.MIRROR_ENV)
        or _from_host_sources(settings.SUITE)
        or settings.FALLBACK_MIRROR
    )


def security_mirror():
    return (
        os.environ.get(settings.SECURITY_MIRROR_ENV)
        or _from_host_sources(settings.SECURITY_SUITE)
        or settings.FALLBACK_SECURITY_MIRROR
    )


def guest_sources(mirror, security):
    """The deb822 sources file the test hosts carry (like a Debian cloud image)."""
    return (
        "Types: deb\n"
        "URIs: {mirror}\n"
        "Suites: {suite} {updates}\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        "\n"
        "Types: deb\n"
        "URIs: {security}\n"
        "Suites: {security_suite}\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    ).format(
        mirror=mirror,
        security=security,
        suite=settings.SUITE,
        updates=settings.UPDATES_SUITE,
        security_suite=settings.SECURITY_SUITE,
    )
