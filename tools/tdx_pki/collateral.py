"""Signed TDX collateral from the test PKI, in dcap-qvl's QuoteCollateralV3 form.

TCB info (``tcbInfo``, id "TDX", version 3) and QE identity
(``enclaveIdentity``, id "TD_QE", version 2) are built with the members, in
the order and compact form Intel's PCS v4 serves them (compare the real
collateral in shared/tdx-samples/collateral). Their signature is ECDSA
P-256 r||s (64 bytes, hex) by the TCB signing key over the exact bytes of
that member. Compact matters beyond looks: dcap-qvl's PCCS client parses
the PCS answer and re-serialises the member (serde_json, order kept, no
spaces), so only a compact member keeps its signature through a fetch.
"""

import datetime
import json
import time
from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .pki import UTC, Platform, default_pki

STATUSES = (
    "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
    "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked",
)
MODULE_STATUSES = ("UpToDate", "OutOfDate", "Revoked")
QE_STATUSES = ("UpToDate", "OutOfDate", "ConfigurationNeeded", "OutOfDateConfigurationNeeded", "Revoked")

# Advisory IDs for the statuses this PKI produces. Made up (09xxx is not a
# range Intel has used), so that no reader takes them for Intel's mapping.
TEST_ADVISORIES = {
    "UpToDate": [],
    "SWHardeningNeeded": ["INTEL-SA-09001"],
    "ConfigurationNeeded": ["INTEL-SA-09002"],
    "ConfigurationAndSWHardeningNeeded": ["INTEL-SA-09001", "INTEL-SA-09002"],
    "OutOfDate": ["INTEL-SA-09003", "INTEL-SA-09004"],
    "OutOfDateConfigurationNeeded": ["INTEL-SA-09002", "INTEL-SA-09003"],
    "Revoked": ["INTEL-SA-09005"],
}

# TEE_TCB_SVN of the default TD body: TDX module ISVSVN 6, module version 1
# (so TCB info must carry the module identity "TDX_01"), late microcode 3.
DEFAULT_TEE_TCB_SVN = bytes([6, 1, 3] + [0] * 13)

# The TD QE's MRSIGNER in Intel's QE identity; the test QE uses the same.
INTEL_TD_QE_MRSIGNER = "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"

# Category and type that Intel's TCB info names for the first components.
_SGX_COMPONENT_NAMES = {
    0: ("BIOS", "Early Microcode Update"), 1: ("OS/VMM", "SGX Late Microcode Update"),
    2: ("OS/VMM", "TXT SINIT"), 3: ("BIOS", None), 4: ("BIOS", None), 5: ("BIOS", None),
    7: ("OS/VMM", "SEAMLDR ACM"),
}
_TDX_COMPONENT_NAMES = {
    0: ("OS/VMM", "TDX Module"), 1: ("OS/VMM", "TDX Module"), 2: ("OS/VMM", "TDX Late Microcode Update"),
}


def iso(moment):
    """Intel's date form: 2026-02-18T10:58:51Z."""
    if isinstance(moment, (int, float)):
        moment = datetime.datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_raw(key, data):
    """ECDSA P-256 SHA-256 signature as r||s, 32 bytes each, big-endian."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def _components(svns, names):
    out = []
    for index, svn in enumerate(svns):
        item = {"svn": svn}
        category, kind = names.get(index, (None, None))
        if category:
            item["category"] = category
        if kind:
            item["type"] = kind
        out.append(item)
    return out


@dataclass(frozen=True)
class TcbLevel:
    """One TCB level: the platform meets it when every SVN is >= these."""

    cpusvn: bytes
    pcesvn: int
    tdx_svn: bytes
    status: str = "UpToDate"
    date: str = "2025-01-15T00:00:00Z"
    advisory_ids: Sequence[str] = ()

    def to_json(self):
        level = {
            "tcb": {
                "sgxtcbcomponents": _components(self.cpusvn, _SGX_COMPONENT_NAMES),
                "pcesvn": self.pcesvn,
                "tdxtcbcomponents": _components(self.tdx_svn, _TDX_COMPONENT_NAMES),
            },
            "tcbDate": self.date,
            "tcbStatus": self.status,
        }
        if self.advisory_ids:
            level["advisoryIDs"] = list(self.advisory_ids)
        return level


def _bump(svns, index=0):
    svns = bytearray(svns)
    svns[index] = min(255, svns[index] + 1)
    return bytes(svns)


def tcb_levels_for(platform, tee_tcb_svn=DEFAULT_TEE_TCB_SVN, status="UpToDate", advisory_ids=None):
    """A ladder of levels in which ``platform`` with ``tee_tcb_svn`` lands on ``status``.

    Above it (unless it is UpToDate) an UpToDate level the platform does not
    meet; below it an old OutOfDate level, as Intel's lists end.
    """
    if status not in STATUSES:
        raise ValueError("status must be one of %s, got %r" % (", ".join(STATUSES), status))
    advisory_ids = TEST_ADVISORIES[status] if advisory_ids is None else list(advisory_ids)
    levels = []
    if status != "UpToDate":
        levels.append(TcbLevel(_bump(platform.cpusvn), platform.pcesvn, bytes(tee_tcb_svn), "UpToDate",
                               "2025-06-11T00:00:00Z"))
    levels.append(TcbLevel(platform.cpusvn, platform.pcesvn, bytes(tee_tcb_svn), status,
                           "2025-01-15T00:00:00Z", advisory_ids))
    levels.append(TcbLevel(bytes(16), 0, bytes(16), "OutOfDate", "2018-01-04T00:00:00Z",
                           ["INTEL-SA-09003", "INTEL-SA-09004", "INTEL-SA-09006"]))
    return levels


def module_identities_for(tee_tcb_svn=DEFAULT_TEE_TCB_SVN, status="UpToDate", advisory_ids=None,
                          mrsigner=bytes(48)):
    """``tdxModuleIdentities``: "TDX_%02X" for the body's module version (and TDX_03)."""
    if status not in MODULE_STATUSES:
        raise ValueError("module_status must be one of %s, got %r" % (", ".join(MODULE_STATUSES), status))
    isvsvn, version = tee_tcb_svn[0], tee_tcb_svn[1]
    advisory_ids = TEST_ADVISORIES[status] if advisory_ids is None else list(advisory_ids)
    identities = []
    for module_version in sorted({version, 3} - {0}, reverse=True):
        levels = []
        if module_version == version:
            if status != "UpToDate":
                levels.append({"tcb": {"isvsvn": min(255, isvsvn + 1)}, "tcbDate": "2025-06-11T00:00:00Z",
                               "tcbStatus": "UpToDate"})
            level = {"tcb": {"isvsvn": isvsvn}, "tcbDate": "2025-01-15T00:00:00Z", "tcbStatus": status}
            if advisory_ids:
                level["advisoryIDs"] = advisory_ids
            levels.append(level)
        else:
            levels.append({"tcb": {"isvsvn": 3}, "tcbDate": "2025-01-15T00:00:00Z", "tcbStatus": "UpToDate"})
        identities.append({
            "id": "TDX_%02X" % module_version, "mrsigner": bytes(mrsigner).hex().upper(),
            "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF", "tcbLevels": levels,
        })
    return identities


@dataclass(frozen=True)
class QeParams:
    """The test Quoting Enclave: its report fields and its identity."""

    mrsigner: str = INTEL_TD_QE_MRSIGNER
    mrenclave: bytes = bytes.fromhex("b7ae9ab69e76f7794a56b0db1915281d435d488c91d406ed33a7939caf8730f8")
    isvprodid: int = 2
    isvsvn: int = 8
    miscselect: int = 0
    # INIT | MODE64BIT | PROVISIONKEY, XFRM 0xE7, as in real TD QE reports;
    # the identity's mask leaves PROVISIONKEY out.
    attributes: bytes = bytes.fromhex("1500000000000000e700000000000000")

    def with_(self, **changes):
        return replace(self, **changes)


def qe_identity_json(qe, *, issue_date, next_update, status="UpToDate", advisory_ids=None,
                     tcb_evaluation_data_number=17):
    if status not in QE_STATUSES:
        raise ValueError("qe_status must be one of %s, got %r" % (", ".join(QE_STATUSES), status))
    levels = []
    if status != "UpToDate":
        levels.append({"tcb": {"isvsvn": qe.isvsvn + 1}, "tcbDate": "2025-06-11T00:00:00Z", "tcbStatus": "UpToDate"})
    level = {"tcb": {"isvsvn": qe.isvsvn}, "tcbDate": "2025-01-15T00:00:00Z", "tcbStatus": status}
    advisory_ids = TEST_ADVISORIES[status] if advisory_ids is None else list(advisory_ids)
    if advisory_ids:
        level["advisoryIDs"] = advisory_ids
    levels.append(level)
    return {
        "id": "TD_QE", "version": 2, "issueDate": iso(issue_date), "nextUpdate": iso(next_update),
        "tcbEvaluationDataNumber": tcb_evaluation_data_number,
        "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
        "attributes": "11000000000000000000000000000000", "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
        "mrsigner": qe.mrsigner.upper(), "isvprodid": qe.isvprodid, "tcbLevels": levels,
    }


def tcb_info_json(platform, levels, *, issue_date, next_update, module_identities, fmspc=None,
                  tcb_evaluation_data_number=17, module_mrsigner=bytes(48)):
    return {
        "id": "TDX", "version": 3, "issueDate": iso(issue_date), "nextUpdate": iso(next_update),
        "fmspc": (fmspc or platform.fmspc).upper(), "pceId": platform.pce_id, "tcbType": 0,
        "tcbEvaluationDataNumber": tcb_evaluation_data_number,
        "tdxModule": {"mrsigner": bytes(module_mrsigner).hex().upper(), "attributes": "0000000000000000",
                      "attributesMask": "FFFFFFFFFFFFFFFF"},
        "tdxModuleIdentities": module_identities,
        "tcbLevels": [level.to_json() if isinstance(level, TcbLevel) else level for level in levels],
    }


@dataclass
class Collateral:
    """One QuoteCollateralV3 document (dcap-qvl's JSON form, bytes as hex)."""

    pck_crl_issuer_chain: str
    root_ca_crl: bytes
    pck_crl: bytes
    tcb_info_issuer_chain: str
    tcb_info: str
    tcb_info_signature: bytes
    qe_identity_issuer_chain: str
    qe_identity: str
    qe_identity_signature: bytes
    # Not part of the document: what it is for (the PCS stand-in keys on these).
    meta: dict = field(default_factory=dict)

    FIELDS = ("pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
              "tcb_info_signature", "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature")
    BYTE_FIELDS = ("root_ca_crl", "pck_crl", "tcb_info_signature", "qe_identity_signature")

    def to_dict(self):
        return {name: (getattr(self, name).hex() if name in self.BYTE_FIELDS else getattr(self, name))
                for name in self.FIELDS}

    def to_json(self):
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data):
        values = {name: (bytes.fromhex(data[name]) if name in cls.BYTE_FIELDS else data[name]) for name in cls.FIELDS}
        return cls(**values)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))

    @property
    def fmspc(self):
        return json.loads(self.tcb_info)["fmspc"]

    @property
    def ca(self):
        return "processor" if "Processor" in self.pck_crl_issuer_chain_subjects()[0] else "platform"

    def pck_crl_issuer_chain_subjects(self):
        return [cert.subject.rfc4514_string() for cert in x509.load_pem_x509_certificates(
            self.pck_crl_issuer_chain.encode())]

    def tcb_info_response(self):
        """The body Intel's PCS answers for /tdx/certification/v4/tcb."""
        return ('{"tcbInfo":%s,"signature":"%s"}' % (self.tcb_info, self.tcb_info_signature.hex())).encode()

    def qe_identity_response(self):
        """The body Intel's PCS answers for /tdx/certification/v4/qe/identity."""
        return ('{"enclaveIdentity":%s,"signature":"%s"}'
                % (self.qe_identity, self.qe_identity_signature.hex())).encode()

    def to_dcap_qvl(self):
        """A ``dcap_qvl.QuoteCollateralV3`` (imports dcap_qvl: for tests only)."""
        import dcap_qvl  # the outside judge; the PKI itself never needs it
        return dcap_qvl.QuoteCollateralV3.from_json(json.dumps(self.to_dict()))


def _epoch(moment):
    if isinstance(moment, datetime.datetime):
        return moment.timestamp()
    return float(moment)


def build_collateral(pki=None, platform: Optional[Platform] = None, *, tee_tcb_svn=DEFAULT_TEE_TCB_SVN,
                     status="UpToDate", advisory_ids=None, tcb_levels: Optional[List] = None,
                     module_status="UpToDate", module_advisory_ids=None,
                     qe: Optional[QeParams] = None, qe_status="UpToDate", qe_advisory_ids=None,
                     fmspc=None, now=None, issue_date=None, next_update=None,
                     qe_issue_date=None, qe_next_update=None,
                     crl_this_update=None, crl_next_update=None,
                     revoked_pck=(), revoked_ca=(), tcb_evaluation_data_number=17,
                     module_mrsigner=bytes(48)) -> Collateral:
    """Collateral for ``platform`` (default :class:`Platform`) signed by ``pki``.

    ``status`` picks the platform's TCB level (``tcb_levels`` replaces the
    whole ladder); ``module_status`` and ``qe_status`` the TDX module's and
    the QE's. Dates default to ``now`` (default: the current time) minus a
    day for issueDate and plus 29 days for nextUpdate; CRLs follow them.
    ``fmspc`` writes another FMSPC into the TCB info (collateral for another
    platform). ``revoked_pck`` (serials or issued certs) go in the PCK CRL,
    ``revoked_ca`` in the root CA CRL.
    """
    pki = pki or default_pki()
    platform = platform or Platform()
    qe = qe or QeParams()
    now = time.time() if now is None else _epoch(now)
    issue = now - 86400 if issue_date is None else _epoch(issue_date)
    expiry = issue + 30 * 86400 if next_update is None else _epoch(next_update)
    qe_issue = issue if qe_issue_date is None else _epoch(qe_issue_date)
    qe_expiry = expiry if qe_next_update is None else _epoch(qe_next_update)
    crl_this = issue if crl_this_update is None else _epoch(crl_this_update)
    crl_next = expiry if crl_next_update is None else _epoch(crl_next_update)

    levels = tcb_levels if tcb_levels is not None else tcb_levels_for(platform, tee_tcb_svn, status, advisory_ids)
    tcb_info = compact(tcb_info_json(
        platform, levels, issue_date=issue, next_update=expiry, fmspc=fmspc,
        module_identities=module_identities_for(tee_tcb_svn, module_status, module_advisory_ids, module_mrsigner),
        tcb_evaluation_data_number=tcb_evaluation_data_number, module_mrsigner=module_mrsigner))
    qe_identity = compact(qe_identity_json(qe, issue_date=qe_issue, next_update=qe_expiry, status=qe_status,
                                           advisory_ids=qe_advisory_ids,
                                           tcb_evaluation_data_number=tcb_evaluation_data_number))
    signer = pki.tcb_signing.key
    return Collateral(
        pck_crl_issuer_chain=pki.pck_crl_issuer_chain_pem(platform.ca),
        root_ca_crl=pki.root_crl_der(revoked=revoked_ca, this_update=crl_this, next_update=crl_next),
        pck_crl=pki.pck_crl_der(platform.ca, revoked=revoked_pck, this_update=crl_this, next_update=crl_next),
        tcb_info_issuer_chain=pki.tcb_issuer_chain_pem(),
        tcb_info=tcb_info,
        tcb_info_signature=sign_raw(signer, tcb_info.encode()),
        qe_identity_issuer_chain=pki.tcb_issuer_chain_pem(),
        qe_identity=qe_identity,
        qe_identity_signature=sign_raw(signer, qe_identity.encode()),
        meta={"fmspc": (fmspc or platform.fmspc).upper(), "ca": platform.ca, "status": status,
              "issue_date": iso(issue), "next_update": iso(expiry)},
    )
