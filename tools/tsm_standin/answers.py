"""Each quote the stand-in hands out: signed by the test PKI over the inblob, or replayed.

Every host gets its own PCK leaf (same platform, so one collateral serves the
fleet, but its own key and serial, so one host can be revoked) and its own
attestation key, made when its daemon starts; the TD body is the test PKI's
default with the RTMRs of the event log the host shows (eventlog.py), the
host's overrides (control.td_overrides) and the inblob as report data.
"""

import json
import os

from cryptography.hazmat.primitives.asymmetric import ec

import tdx_pki

from . import control, eventlog


def _platform(pki_dir):
    path = os.path.join(pki_dir, "platform.json")
    if not os.path.exists(path):
        return tdx_pki.Platform()
    with open(path, encoding="utf-8") as handle:
        return tdx_pki.Platform.from_json(json.load(handle))


class QuoteAnswer:
    """``answer(entry) -> quote bytes`` for the file system: signed over the entry's inblob, or replayed."""

    def __init__(self, folder):
        self.folder = folder
        config = control.read_config(folder)
        try:
            self.pki = tdx_pki.TestPki.load(config["pki_dir"])
        except (OSError, ValueError) as error:
            raise control.ControlError("cannot load the test PKI in %s (made by `python -m tools.tdx_pki init DIR`): %s"
                                       % (config["pki_dir"], error))
        self.pck = self.pki.issue_pck(_platform(config["pki_dir"]))
        self.attestation_key = ec.generate_private_key(ec.SECP256R1())
        eventlog.write(folder)
        control.write_identity(folder, {"pck_serial": self.pck.serial, "fmspc": self.pck.platform.fmspc,
                                        "pck_pem": self.pck.pem})

    def sign(self, inblob):
        overrides = dict(eventlog.rtmr_overrides(self.folder), **control.td_overrides(self.folder))
        version = overrides.pop("version", 4)
        tdx15 = overrides.pop("tdx15", False)
        body = tdx_pki.TdBody(**overrides).with_(report_data=inblob)
        return tdx_pki.build_quote(body, pki=self.pki, pck=self.pck, attestation_key=self.attestation_key,
                                   version=version, tdx15=tdx15)

    def __call__(self, entry):
        if control.replaying(self.folder):
            previous = control.last_quote(self.folder)
            if previous is not None:
                return previous
        quote = self.sign(entry.inblob)
        control.remember_quote(self.folder, quote)
        return quote
