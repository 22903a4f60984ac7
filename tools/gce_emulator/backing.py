"""Backing mode: each instance the emulator runs is a real systemd test host.

With ``--backing testhosts`` (``EmulatorServer(backing="testhosts")``) every
instance that is created or started boots a systemd-nspawn container through
the repository's ``tools/testhosts/testhosts`` command, run as a subprocess:
the emulator imports nothing of it, and nothing of the collection. The
instance's operation stays RUNNING until ``testhosts up`` has seen the host
answer SSH, so an instance is RUNNING only once it can be reached, as on
Compute Engine after boot. Its ``networkIP`` (and ``natIP``, when it has an
external address) becomes the host's address. Stopping, suspending and
deleting halt and remove the host; starting and resuming boot a fresh one
(the test hosts keep no disk across a halt). Shutting the emulator down, or
``reset()``, removes every host it started.

Each running host is answered as its own instance by a metadata server
(tools/metadata_server) at 169.254.169.254 inside the host's own network
namespace only, fed from the emulator's record (metadata_view.py). With
``variant="google"`` the hosts are tools/testhosts' google variant: the real
guest agent and OS Login, reached only through metadata keys or OS Login.

All methods that the API handlers call run under the world's lock and only
start work: a boot or halt runs in a thread of its own, one after the other
for the same instance, and the handlers poll :meth:`NspawnBacking.busy`.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTHOSTS_COMMAND = os.path.join(TOOLS_DIR, "testhosts", "testhosts")
KINDS = ("testhosts",)
# The test-host variant whose boot needs the metadata server (tools/testhosts/google.py).
GOOGLE_VARIANT = "google"

# The first `up` on a machine may build the cached base image (a minute or
# more on a busy machine) before it boots the host.
UP_TIMEOUT_SECONDS = 1200
DOWN_TIMEOUT_SECONDS = 180
# How often a boot looks for the host's network namespace, to attach its metadata server.
NAMESPACE_POLL_SECONDS = 0.5
# Test host names: 1-63 characters; a short hash keeps two emulators (or two
# projects and zones of one emulator) from asking for the same host.
MAX_HOST_NAME = 63
HASH_LENGTH = 6


class BackingUnavailable(RuntimeError):
    """Backing mode cannot work on this machine; the message says what is missing."""


def host_name(run_tag, project, zone, instance):
    """The test host name for an instance: its name, shortened, plus a hash of where it lives."""
    digest = hashlib.sha256("/".join((run_tag, project, zone, instance)).encode("utf-8")).hexdigest()[:HASH_LENGTH]
    stem = instance[:MAX_HOST_NAME - HASH_LENGTH - 1].rstrip("-")
    return "%s-%s" % (stem, digest)


def failure_reason(stderr, command, returncode):
    """The line that says why ``testhosts COMMAND`` failed: its own error line, else its last line.

    A booting container's console shares the command's standard error and
    may still be writing after testhosts gave its error, so the last line
    alone can be a boot message that says nothing about the failure.
    """
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("testhosts: ")]
    if errors:
        return errors[-1]
    return lines[-1] if lines else "testhosts %s exited with %d" % (command, returncode)


def make_backing(kind, **options):
    if kind not in KINDS:
        raise ValueError("unknown backing %r; known: %s" % (kind, ", ".join(KINDS)))
    return NspawnBacking(**options)


class _Host:
    """The test host of one instance, and the last thing done to it."""

    def __init__(self, name, key):
        self.name = name
        self.key = key
        self.state = "new"       # booting, running, halting, down, failed
        self.address = None
        self.error = None
        self.thread = None
        self.kernel = None  # the kernel version its event log measures (the instance's boot image)

    def describe(self, key):
        return {"project": key[0], "zone": key[1], "instance": key[2], "host": self.name, "state": self.state,
                "address": self.address, "error": self.error}


class NspawnBacking:
    def __init__(self, command=TESTHOSTS_COMMAND, run_tag=None, variant=None):
        self.command = command
        self.variant = variant
        # The metadata server of the hosts (a MetadataService); set by the emulator.
        self.metadata = None
        self.check_prerequisites(command)
        self.run_tag = run_tag or os.urandom(4).hex()
        self.log_dir = tempfile.mkdtemp(prefix="gce-emulator-backing-")
        self._hosts = {}  # (project, zone, instance name) -> _Host
        self._lock = threading.Lock()

    @staticmethod
    def check_prerequisites(command):
        if os.geteuid() != 0:
            raise BackingUnavailable("backing mode needs root: test hosts mount overlays and start containers")
        if shutil.which("systemd-nspawn") is None:
            raise BackingUnavailable("backing mode needs systemd-nspawn: apt-get install systemd-container")
        if not os.access(command, os.X_OK):
            raise BackingUnavailable("backing mode needs the test host command %s, which is missing" % command)

    # -- called by the API handlers, under the world's lock ------------------------------
    def boot(self, key, kernel=None):
        """Start booting the instance's host; poll busy(key), then address(key) / failure(key).

        ``kernel``: the kernel version the host's event log measures, when it has a tsm stand-in.
        """
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(host_name(self.run_tag, *key), key)
            host.state, host.address, host.error = "booting", None, None
            host.kernel = kernel
            self._after(host, self._up)

    def halt(self, key):
        """Start halting and removing the instance's host; False when it never had one."""
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                return False
            host.state = "halting"
            self._after(host, self._down)
            return True

    def busy(self, key):
        with self._lock:
            host = self._hosts.get(key)
            return bool(host and host.thread and host.thread.is_alive())

    def address(self, key):
        with self._lock:
            host = self._hosts.get(key)
            return host.address if host else None

    def failure(self, key):
        with self._lock:
            host = self._hosts.get(key)
            return host.error if host and host.state == "failed" else None

    def forget(self, key):
        with self._lock:
            self._hosts.pop(key, None)

    # -- admin and shutdown ------------------------------------------------------------
    def hosts(self):
        with self._lock:
            return [host.describe(key) for key, host in sorted(self._hosts.items())]

    def remove_all(self):
        """Wait for boots and halts in flight, then remove every host still up (blocking)."""
        with self._lock:
            hosts = list(self._hosts.values())
            self._hosts = {}
        for host in hosts:
            if host.thread is not None:
                host.thread.join()
        names = [host.name for host in hosts if host.state not in ("down", "failed")]
        if names:
            self._run(["down"] + names, "all", DOWN_TIMEOUT_SECONDS)
        if self.metadata is not None:
            for host in hosts:
                self.metadata.detach(host.key)

    def close(self):
        self.remove_all()
        if self.metadata is not None:
            self.metadata.close()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    # -- work, in threads ------------------------------------------------------------------
    def _after(self, host, work):
        """Run ``work(host)`` in a thread once the host's previous work is over."""
        previous = host.thread

        def run():
            if previous is not None:
                previous.join()
            work(host)

        host.thread = threading.Thread(target=run, name="backing-%s" % host.name, daemon=True)
        host.thread.start()

    def _run(self, arguments, log_name, timeout):
        """Run the test host command; (True, "") or (False, why)."""
        log_path = os.path.join(self.log_dir, "%s.log" % log_name)
        try:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write("$ testhosts %s\n" % " ".join(arguments))
                log.flush()
                completed = subprocess.run([self.command] + arguments, stdout=log, stderr=subprocess.PIPE,
                                           stdin=subprocess.DEVNULL, text=True, timeout=timeout, check=False)
                log.write(completed.stderr)
        except subprocess.TimeoutExpired:
            return False, "testhosts %s took more than %d s" % (arguments[0], timeout)
        except OSError as problem:
            return False, "testhosts %s could not run: %s" % (arguments[0], problem)
        if completed.returncode != 0:
            return False, failure_reason(completed.stderr, arguments[0], completed.returncode)
        return True, ""

    def _listed(self, name):
        listing = subprocess.run([self.command, "list", "--json"], capture_output=True, text=True,
                                 timeout=60, check=False)
        try:
            rows = json.loads(listing.stdout)
        except ValueError:
            return {}
        return next((row for row in rows if row.get("name") == name), {})

    def _attach_metadata(self, host, row):
        """Serve the host's metadata inside its network namespace; the reason when it cannot."""
        if self.metadata is None:
            return ""
        if not row.get("init_pid"):
            return "testhosts listed no init pid for %s (its network namespace)" % host.name
        try:
            self.metadata.attach(host.key, "/proc/%d/ns/net" % row["init_pid"])
        except OSError as problem:
            return "the metadata server could not listen in %s: %s" % (host.name, problem)
        return ""

    def _watch_for_namespace(self, host, done, outcome):
        """While `up` runs: attach the metadata server as soon as the host's network namespace exists.

        It cannot wait for `up` to finish on the google variant: there sshd
        starts after the guest agent, and the agent waits for the metadata
        server. Other hosts are attached once `up` is done.
        """
        while not done.is_set():
            row = self._listed(host.name)
            if row.get("init_pid"):
                outcome["problem"] = self._attach_metadata(host, row)
                return
            done.wait(NAMESPACE_POLL_SECONDS)

    def _up(self, host):
        inventory = os.path.join(self.log_dir, "%s.yml" % host.name)
        variant = ["--variant", self.variant] if self.variant else []
        variant += ["--tsm-kernel", host.kernel] if host.kernel else []
        done, outcome = threading.Event(), {}
        watcher = threading.Thread(target=self._watch_for_namespace, args=(host, done, outcome), daemon=True,
                                   name="backing-netns-%s" % host.name)
        if self.metadata is not None and self.variant == GOOGLE_VARIANT:
            watcher.start()
        ok, why = self._run(["up", host.name, "--inventory", inventory] + variant, host.name, UP_TIMEOUT_SECONDS)
        done.set()
        if watcher.ident is not None:
            watcher.join()
        row = self._listed(host.name) if ok else {}
        address = row.get("address")
        if ok and address:
            why = outcome["problem"] if "problem" in outcome else self._attach_metadata(host, row)
            ok = not why
            if not ok:
                self._run(["down", host.name], host.name, DOWN_TIMEOUT_SECONDS)
        with self._lock:
            if ok and address:
                host.state, host.address = "running", address
            else:
                host.state, host.error = "failed", why or "testhosts listed no address for %s" % host.name

    def _down(self, host):
        # The metadata server answers until the host has halted, as on Compute
        # Engine: the guest agent's shutdown-scripts service reads it while the
        # host stops, and without an answer held the halt until testhosts
        # killed the host (about 60 s, against 2 s with it).
        ok, why = self._run(["down", host.name], host.name, DOWN_TIMEOUT_SECONDS)
        if self.metadata is not None:
            self.metadata.detach(host.key)
        with self._lock:
            host.state, host.address = "down", None
            if not ok:
                host.error = why
        if not ok:
            print("gce-emulator: could not remove test host %s: %s" % (host.name, why), file=sys.stderr)
