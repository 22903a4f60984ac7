"""Reading the machine's apt mirror, and known_hosts lines."""

from testhosts import mirrors, sshkeys

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm-security

Types: deb
URIs: http://deb.debian.org/debian-security/
Suites: bookworm-security
Components: main
"""

ONE_LINE = """\
# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main
deb http://security.example/debian-security bookworm-security main
"""


def test_deb822_sources_give_the_mirror_of_each_suite():
    assert mirrors.find_mirror(DEB822, "bookworm") == "http://deb.debian.org/debian"
    assert mirrors.find_mirror(DEB822, "bookworm-security") == "http://deb.debian.org/debian-security"


def test_one_line_sources_skip_comments_and_options():
    assert mirrors.find_mirror(ONE_LINE, "bookworm") == "http://mirror.example/debian"
    assert mirrors.find_mirror(ONE_LINE, "bookworm-security") == "http://security.example/debian-security"


def test_a_suite_no_source_serves_gives_none():
    assert mirrors.find_mirror(DEB822, "trixie") is None


def test_the_guest_sources_name_updates_and_security():
    text = mirrors.guest_sources("http://m/debian", "http://m/debian-security")
    assert mirrors.find_mirror(text, "bookworm-updates") == "http://m/debian"
    assert mirrors.find_mirror(text, "bookworm-security") == "http://m/debian-security"


def test_known_hosts_lines_use_the_bracket_form_for_other_ports():
    keys = ["ssh-ed25519 AAAAC3Nza root@build", "ssh-rsa AAAAB3Nza root@build"]
    assert sshkeys.known_hosts_text("169.254.1.2", None, keys) == (
        "169.254.1.2 ssh-ed25519 AAAAC3Nza\n169.254.1.2 ssh-rsa AAAAB3Nza\n"
    )
    assert sshkeys.known_hosts_text("127.0.0.1", 40022, keys[:1]) == "[127.0.0.1]:40022 ssh-ed25519 AAAAC3Nza\n"
