"""The control folder of one host's stand-in: what it signs, and whether it replays.

Files, all optional but ``config.json``:

- ``config.json``: ``{"pki_dir": ..., "host": ..., "td": {field: hex}}``,
  written by ``testhosts up --tsm-standin``; ``td`` overrides TD body fields
  (``mrtd``, ``rtmr0``.. ``rtmr3``, ``td_attributes``, ...).
- ``td.json``: more TD body overrides, read at every quote, so a test can
  change a host's measurements without restarting it.
- ``replay``: while it exists, every request is answered with the last quote
  served (a replayed quote: the report data of an earlier request).
- ``last-quote``: the last quote served, written at every quote.
- ``identity.json``: the host's PCK leaf (serial, FMSPC, PEM), written when
  the daemon starts, so a test can revoke that one host.
"""

import json
import os

CONFIG = "config.json"
TD_OVERRIDES = "td.json"
REPLAY = "replay"
LAST_QUOTE = "last-quote"
IDENTITY = "identity.json"


class ControlError(Exception):
    """A control folder that cannot be used; the message names the file and the fix."""


def _read_json(path, required):
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except FileNotFoundError:
        if required:
            raise ControlError("%s is missing; start the host with `testhosts up NAME --tsm-standin PKI_DIR`" % path)
        return {}
    except (OSError, ValueError) as error:
        raise ControlError("%s cannot be read as JSON: %s" % (path, error))
    if not isinstance(value, dict):
        raise ControlError("%s must hold a JSON object" % path)
    return value


def read_config(folder):
    config = _read_json(os.path.join(folder, CONFIG), required=True)
    if not config.get("pki_dir"):
        raise ControlError("%s has no pki_dir" % os.path.join(folder, CONFIG))
    return config


def td_overrides(folder):
    return dict(read_config(folder).get("td") or {}, **_read_json(os.path.join(folder, TD_OVERRIDES), required=False))


def write_config(folder, pki_dir, host, td=None):
    os.makedirs(folder, mode=0o700, exist_ok=True)
    _write(os.path.join(folder, CONFIG), json.dumps({"pki_dir": pki_dir, "host": host, "td": td or {}},
                                                    indent=2, sort_keys=True).encode())


def set_replay(folder, on):
    read_config(folder)  # refuse a folder that is no stand-in's
    path = os.path.join(folder, REPLAY)
    if on:
        _write(path, b"")
    elif os.path.exists(path):
        os.unlink(path)


def replaying(folder):
    return os.path.exists(os.path.join(folder, REPLAY))


def last_quote(folder):
    try:
        with open(os.path.join(folder, LAST_QUOTE), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def remember_quote(folder, quote):
    _write(os.path.join(folder, LAST_QUOTE), quote)


def write_identity(folder, identity):
    _write(os.path.join(folder, IDENTITY), json.dumps(identity, indent=2, sort_keys=True).encode())


def _write(path, data):
    with open(path + ".tmp", "wb") as handle:
        handle.write(data)
    os.replace(path + ".tmp", path)
