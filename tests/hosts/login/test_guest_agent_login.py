"""Logins the way Google's images make them, on test hosts running the real guest agent and OS Login.

One google-variant host (tools/testhosts/google.py) backs an instance that
``confidential.tdx.gce_instance`` creates on the emulator in backing mode;
the metadata server (tools/metadata_server) answers it at 169.254.169.254
inside its own network namespace. The tests run in file order on that host:
metadata keys first, then OS Login (enabling OS Login makes the agent drop
the metadata keys, as on Compute Engine).
"""

import re
import socket
import subprocess

import pytest

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.inprocess.gce.harness import instance_task

from .guest import (agent_journal, in_guest_as_root, instance_key, known_hosts_from_guest_attributes, metadata_of,
                    ssh, wait_for)

pytestmark = marks_for_test_hosts()

NAME = "tdx-agent-login"
OSLOGIN_USER = "dana_example_com"
OSLOGIN_UID = 1001001


def _metadata(keys, *users, **extra):
    lines = ["%s:%s" % (user, keys[user][1]) for user in users]
    metadata = {"ssh-keys": "\n".join(lines), "enable-guest-attributes": "TRUE"}
    metadata.update(extra)
    return metadata


@pytest.fixture(scope="module")
def host(gce, google_emulator, client_keys, tmp_path_factory):
    """The instance, created through gce_instance with alice's key in its metadata."""
    run = gce.run([instance_task(name=NAME, metadata=_metadata(client_keys, "alice"))])
    assert run.status("create") == "changed", run.output
    address = run.result("create")["instance"]["internal_ip"]
    key = instance_key(google_emulator, NAME)
    known_hosts = known_hosts_from_guest_attributes(google_emulator, key, address, tmp_path_factory.mktemp("kh"))
    return {"address": address, "key": key, "known_hosts": known_hosts}


def _login(google_emulator, host, user, private_key, command, what):
    """Log in over real SSH once the agent has caught up (it applies metadata asynchronously)."""
    def attempt():
        return ssh(user, host["address"], private_key, host["known_hosts"], command)

    try:
        return wait_for(what, attempt)
    except AssertionError as problem:
        raise AssertionError("%s\nagent journal:\n%s" % (problem, agent_journal(google_emulator, host["key"])))


def test_a_key_in_instance_metadata_becomes_a_sudo_login_through_the_agent(gce, google_emulator, host,
                                                                            client_keys):
    login = _login(google_emulator, host, "alice", client_keys["alice"][0],
                   "id -nG; sudo -n true && echo SUDO-OK; cat ~/.ssh/authorized_keys",
                   "alice logging in with the key from the instance metadata")
    assert "google-sudoers" in login.stdout.splitlines()[0].split(), login.stdout
    assert "SUDO-OK" in login.stdout.splitlines()
    assert client_keys["alice"][1].split()[1] in login.stdout
    # A key nobody put in the metadata, and the test hosts' own test key, are no way in.
    refused = ssh("alice", host["address"], client_keys["stranger"][0], host["known_hosts"], "true")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    tester_key = "/run/confidential-tdx-testhosts/id_ed25519"
    refused = ssh("tester", host["address"], tester_key, host["known_hosts"], "true")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr

    # setMetadata through the Compute API (gce_instance updating the metadata) reaches the guest.
    run = gce.run([instance_task(name=NAME, metadata=_metadata(client_keys, "alice", "bob"))])
    assert run.status("create") == "changed", run.output
    login = _login(google_emulator, host, "bob", client_keys["bob"][0], "id -nG",
                   "bob logging in after setMetadata added his key")
    assert "google-sudoers" in login.stdout.split()


def test_an_oslogin_profile_is_the_login_once_oslogin_is_enabled(gce, google_emulator, host, client_keys):
    metadata_of(google_emulator).oslogin.add_user(
        google_emulator.project, "dana@example.com", OSLOGIN_USER, OSLOGIN_UID, admin=True,
        ssh_keys=[client_keys["dana"][1]])
    run = gce.run([instance_task(name=NAME, metadata=_metadata(client_keys, "alice", **{"enable-oslogin": "TRUE"}))])
    assert run.status("create") == "changed", run.output
    login = _login(google_emulator, host, OSLOGIN_USER, client_keys["dana"][0],
                   "getent passwd %s; sudo -n sshd -T | grep -i '^authorizedkeyscommand'; "
                   "test -e ~/.ssh/authorized_keys && echo HAS-FILE; sudo -n true && echo SUDO-OK" % OSLOGIN_USER,
                   "the OS Login user logging in with the profile's key")
    lines = login.stdout.splitlines()
    passwd = lines[0].split(":")
    assert (passwd[0], passwd[2], passwd[5]) == (OSLOGIN_USER, str(OSLOGIN_UID), "/home/" + OSLOGIN_USER), lines
    assert re.search(r"^authorizedkeyscommand /usr/bin/google_authorized_keys", login.stdout, re.M | re.I)
    assert re.search(r"^authorizedkeyscommanduser root", login.stdout, re.M | re.I)
    assert "HAS-FILE" not in login.stdout, "the key came from a file, not from AuthorizedKeysCommand"
    assert "SUDO-OK" in lines, "the OS Login admin has no sudo"
    # With OS Login on, the agent stops taking keys from ssh-keys, as on Compute Engine.
    refused = ssh("alice", host["address"], client_keys["alice"][0], host["known_hosts"], "true")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    # A profile that may not log in gets nothing from AuthorizedKeysCommand.
    metadata_of(google_emulator).oslogin.add_user(
        google_emulator.project, "dana@example.com", OSLOGIN_USER, OSLOGIN_UID, login=False,
        ssh_keys=[client_keys["dana"][1]])
    refused = ssh(OSLOGIN_USER, host["address"], client_keys["dana"][0], host["known_hosts"], "true")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr


def _listening_on_metadata_address():
    """Sockets of this process's own network namespace bound to 169.254.169.254 (/proc/net/tcp)."""
    wanted = socket.inet_aton("169.254.169.254")[::-1].hex().upper()
    with open("/proc/self/net/tcp", encoding="ascii") as handle:
        return [line for line in handle.read().splitlines()[1:] if line.split()[1].startswith(wanted + ":")]


def test_the_metadata_address_answers_inside_the_host_only(google_emulator, host):
    probe = ("getent hosts metadata.google.internal; python3 -c \"import urllib.request as u; "
             "print(u.urlopen(u.Request('http://metadata.google.internal/computeMetadata/v1/instance/name', "
             "headers={'Metadata-Flavor': 'Google'}), timeout=5).read().decode())\"")
    # Inside: a process of the host (entered as root; the logins above are the SSH proof).
    inside = in_guest_as_root(google_emulator, host["key"], probe)
    assert inside.split()[:2] == ["169.254.169.254", "metadata.google.internal"], inside
    assert inside.strip().splitlines()[-1] == NAME, inside
    # Outside: no interface of this machine holds the address, nothing here listens on it, and the
    # host's listener is not reachable through its veth (its own address nor the machine's side).
    addresses = subprocess.run(["ip", "-o", "address", "show"], capture_output=True, text=True, check=True).stdout
    assert "169.254.169.254" not in addresses
    assert _listening_on_metadata_address() == []
    subnet = host["address"].rsplit(".", 1)[0]
    for address in (host["address"], subnet + ".1"):
        with pytest.raises(OSError):
            socket.create_connection((address, 80), timeout=5).close()
