"""tools/tdx_pki held to an outside truth: dcap-qvl 0.7.0 and Intel's real certificates.

dcap-qvl (a Rust implementation of Intel's QVL) must accept every quote
the test PKI signs, with the status and advisories the collateral gives,
decode the fields back, and refuse each broken variant for its own reason.
The PKI's certificates are compared with the PCK leaf of a real quote.
As a command (python -m tdx_pki): tests/processes/test_tdx_pki_command.py.
"""

import datetime
import json
import struct

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

import tdx_pki
from tdx_pki import Platform, TdBody, TestPki, build_case, build_collateral, build_quote

from ...tdx_samples import QUOTE_V5, read_sample

dcap_qvl = pytest.importorskip("dcap_qvl", reason="dcap-qvl is the judge of the test PKI (pip install dcap-qvl)")

UTC = datetime.timezone.utc
NOW = int(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp())
DAY = 86400
# A platform without the cloud flags, which dcap-qvl's strict policy accepts.
BARE_METAL = Platform(dynamic_platform=False, cached_keys=False, smt_enabled=False)


def verify(case, root_der=None, now=None):
    return dcap_qvl.verify_with_root_ca(case.quote, case.collateral.to_dcap_qvl(), root_der or case.root_der,
                                        case.now if now is None else now)


def refusal(case, root_der=None, now=None):
    with pytest.raises(ValueError) as raised:
        verify(case, root_der, now)
    return str(raised.value)


def claims(case, policy):
    verifier = dcap_qvl.QuoteVerifier(case.root_der)
    return json.loads(verifier.verify_with_policy(case.quote, case.collateral.to_dcap_qvl(), case.now,
                                                  policy).to_json())


# -- accepted, with the status the collateral gives --------------------------------


@pytest.mark.parametrize("status", ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                                    "ConfigurationAndSWHardeningNeeded", "OutOfDate",
                                    "OutOfDateConfigurationNeeded"])
def test_dcap_qvl_reports_each_platform_status_with_its_advisories(status):
    report = verify(build_case(status, now=NOW))
    assert report.status == status
    assert report.advisory_ids == tdx_pki.TEST_ADVISORIES[status]


@pytest.mark.parametrize("version, tdx15", [(4, False), (5, False), (5, True)])
def test_quote_versions_and_bodies_verify(version, tdx15):
    assert verify(build_case(now=NOW, version=version, tdx15=tdx15)).status == "UpToDate"


def test_strict_policy_accepts_a_bare_metal_platform_and_names_each_cloud_flag():
    case = build_case(platform=BARE_METAL, now=NOW)
    result = claims(case, dcap_qvl.QuotePolicy.strict(case.now))
    assert result["tcb"]["status"] == "UpToDate"
    assert result["platform"]["pck"]["dynamic_platform"] == "False"

    cloud = build_case(now=NOW)  # dynamic platform, cached keys, SMT: as a Google Cloud C3 host says
    policy = dcap_qvl.QuotePolicy.strict(cloud.now)
    messages = []
    for allow in ("allow_dynamic_platform", "allow_cached_keys", "allow_smt"):
        with pytest.raises(ValueError) as raised:
            claims(cloud, policy)
        messages.append(str(raised.value))
        policy = getattr(policy, allow)(True)
    assert "Dynamic platform is not allowed" in messages[0]
    assert "Cached keys are not allowed" in messages[1]
    assert "SMT (hyperthreading) is not allowed" in messages[2]
    flags = claims(cloud, policy)["platform"]["pck"]
    assert (flags["dynamic_platform"], flags["cached_keys"], flags["smt_enabled"]) == ("True", "True", "True")


def test_policy_sees_status_and_advisories_and_can_refuse_them():
    case = build_case("SWHardeningNeeded", platform=BARE_METAL, now=NOW)
    with pytest.raises(ValueError, match="not acceptable by policy"):
        claims(case, dcap_qvl.QuotePolicy.strict(case.now))
    allowed = dcap_qvl.QuotePolicy.strict(case.now).allow_status("SWHardeningNeeded")
    result = claims(case, allowed)
    assert (result["tcb"]["status"], result["tcb"]["advisory_ids"]) == ("SWHardeningNeeded", ["INTEL-SA-09001"])
    with pytest.raises(ValueError, match="Advisory ID INTEL-SA-09001 is rejected"):
        claims(case, allowed.reject_advisory("INTEL-SA-09001"))


def test_out_of_date_platform_needs_a_grace_period_covering_its_tcb_date():
    case = build_case("OutOfDate", platform=BARE_METAL, now=NOW)
    policy = dcap_qvl.QuotePolicy.strict(case.now).allow_status("OutOfDate")
    with pytest.raises(ValueError, match="Platform TCB too old"):
        claims(case, policy)
    assert claims(case, policy.platform_grace_period(500 * DAY))["tcb"]["status"] == "OutOfDate"


def test_module_and_qe_statuses_converge_into_the_verdict():
    module = verify(build_case(now=NOW, module_status="OutOfDate"))
    assert (module.status, module.advisory_ids) == ("OutOfDate", tdx_pki.TEST_ADVISORIES["OutOfDate"])
    qe = verify(build_case(now=NOW, qe_status="OutOfDate"))
    assert qe.status == "OutOfDate"


def test_processor_ca_platform_verifies():
    case = build_case(platform=Platform(ca="processor"), now=NOW)
    assert verify(case).status == "UpToDate"
    assert dcap_qvl.parse_quote(case.quote).ca() == "processor"


def test_collateral_json_is_the_quote_collateral_v3_form():
    collateral = build_case(now=NOW).collateral
    text = dcap_qvl.QuoteCollateralV3.from_json(collateral.to_json()).to_json()
    assert {key: value for key, value in json.loads(text).items() if key in collateral.FIELDS} \
        == collateral.to_dict()
    info = json.loads(collateral.tcb_info)
    assert (info["id"], info["version"], info["fmspc"]) == ("TDX", 3, "B0C06F000000")
    identity = json.loads(collateral.qe_identity)
    assert (identity["id"], identity["version"]) == ("TD_QE", 2)
    assert info["issueDate"] == "2026-02-28T12:00:00Z" and info["nextUpdate"] == "2026-03-30T12:00:00Z"


def test_pcs_response_bodies_carry_the_signed_member_byte_for_byte():
    collateral = build_case(now=NOW).collateral
    body = collateral.tcb_info_response().decode()
    assert body.startswith('{"tcbInfo":' + collateral.tcb_info + ',"signature":"')
    assert json.loads(body)["signature"] == collateral.tcb_info_signature.hex()
    # Compact, as Intel serves it: dcap-qvl's PCCS client re-serialises the member compactly.
    assert json.dumps(json.loads(collateral.tcb_info), separators=(",", ":")) == collateral.tcb_info
    assert json.loads(collateral.qe_identity_response())["enclaveIdentity"] == json.loads(collateral.qe_identity)


# -- the fields come back ------------------------------------------------------------


def test_parse_quote_decodes_every_body_field_back():
    body = TdBody(td_attributes=tdx_pki.SEPT_VE_DISABLE | (1 << 30), xfam=0xE7,
                  mrtd="11" * 48, mrconfigid="22" * 48, mrowner="33" * 48, mrownerconfig="44" * 48,
                  rtmr0="55" * 48, rtmr1="66" * 48, rtmr2="77" * 48, rtmr3="88" * 48,
                  report_data=bytes(range(64)), tee_tcb_svn2=bytes([7, 1, 3] + [0] * 13), mrservicetd=bytes(48))
    for version, tdx15 in ((4, False), (5, False), (5, True)):
        quote = dcap_qvl.parse_quote(build_quote(body, version=version, tdx15=tdx15))
        report = quote.report
        assert quote.header.version == version and quote.header.tee_type == 0x81
        assert quote.header.attestation_key_type == 2
        assert quote.header.qe_vendor_id.hex() == "939a7233f79c4ca9940a0db3957f0607"
        assert report.td_attributes == body.td_attributes and report.xfam == body.xfam
        assert (report.mr_td, report.mr_config_id, report.mr_owner, report.mr_owner_config) == (
            body.mrtd, body.mrconfigid, body.mrowner, body.mrownerconfig)
        assert (report.rt_mr0, report.rt_mr1, report.rt_mr2, report.rt_mr3) == (
            body.rtmr0, body.rtmr1, body.rtmr2, body.rtmr3)
        assert (report.report_data, report.tee_tcb_svn, report.mr_seam) == (
            body.report_data, body.tee_tcb_svn, body.mrseam)
        assert (report.mr_signer_seam, report.seam_attributes) == (body.mrsignerseam, body.seam_attributes)
        assert hasattr(report, "tee_tcb_svn2") == tdx15
        if tdx15:
            assert report.tee_tcb_svn2 == body.tee_tcb_svn2
        assert quote.fmspc() == "B0C06F000000" and quote.ca() == "platform"


def test_v4_signature_data_sits_where_intel_puts_it():
    quote = build_quote()
    (length,) = struct.unpack_from("<I", quote, 632)
    assert len(quote) == 636 + length
    assert struct.unpack_from("<H", quote, 636 + 128)[0] == 6  # certification data type: QE report


def test_pck_extension_decodes_back_through_dcap_qvl():
    platform = Platform(fmspc="00806F050000", pce_id="0100", cpusvn=bytes([9, 8, 7, 255] + [1] * 12), pcesvn=300,
                        ppid=bytes(range(16)), sgx_type=2, platform_instance_id=bytes(range(100, 116)),
                        dynamic_platform=True, cached_keys=False, smt_enabled=True)
    pck = tdx_pki.default_pki().issue_pck(platform)
    extension = dcap_qvl.parse_pck_extension_from_pem(pck.chain_pem.encode())
    assert (extension.fmspc.hex().upper(), extension.pce_id.hex(), extension.cpu_svn, extension.pce_svn) == (
        "00806F050000", "0100", platform.cpusvn, 300)
    assert (extension.ppid, extension.sgx_type, extension.platform_instance_id) == (
        platform.ppid, 2, platform.platform_instance_id)
    base = tdx_pki.SGX_EXTENSION_OID
    assert extension.get_value(base + ".7.2") is not None
    for index, svn in enumerate(platform.cpusvn):
        assert int.from_bytes(extension.get_value("%s.2.%d" % (base, index + 1)), "big", signed=True) == svn


def _extension_shape(chain_pem):
    # Which of Intel's SGX extension OIDs are present, and how long each value is.
    extension = dcap_qvl.parse_pck_extension_from_pem(chain_pem)
    base = tdx_pki.SGX_EXTENSION_OID
    oids = [base + suffix for suffix in [".1", ".3", ".4", ".5", ".6", ".7.1", ".7.2", ".7.3", ".2.17", ".2.18"]]
    oids += ["%s.2.%d" % (base, index) for index in range(1, 17)]
    return {oid: (None if extension.get_value(oid) is None else len(extension.get_value(oid))) for oid in oids}


def _certificates(pem):
    return x509.load_pem_x509_certificates(pem.rstrip(b"\x00") if isinstance(pem, bytes) else pem.encode())


def test_pck_leaf_mirrors_the_leaf_of_a_real_quote():
    real_quote = dcap_qvl.parse_quote(read_sample(QUOTE_V5))
    real_chain = real_quote.cert_chain_pem_bytes()
    real_leaf, real_ca, real_root = _certificates(real_chain)
    ours = tdx_pki.TestPki.build(names=tdx_pki.INTEL_NAMES)
    leaf, ca, root = _certificates(ours.pck(Platform(fmspc=real_quote.fmspc())).chain_pem)
    for mine, real in ((leaf, real_leaf), (ca, real_ca), (root, real_root)):
        assert mine.subject == real.subject and mine.issuer == real.issuer
        assert [ext.oid for ext in mine.extensions] == [ext.oid for ext in real.extensions]
        assert [ext.critical for ext in mine.extensions] == [ext.critical for ext in real.extensions]
        for oid in (x509.oid.ExtensionOID.KEY_USAGE, x509.oid.ExtensionOID.BASIC_CONSTRAINTS,
                    x509.oid.ExtensionOID.CRL_DISTRIBUTION_POINTS):
            assert mine.extensions.get_extension_for_oid(oid).value == real.extensions.get_extension_for_oid(oid).value
        assert isinstance(mine.public_key(), ec.EllipticCurvePublicKey) and mine.public_key().curve.name == "secp256r1"
        assert mine.signature_algorithm_oid == real.signature_algorithm_oid
    # Same SGX extension members with the same sizes (integers may differ in size by value).
    mine_shape = _extension_shape(ours.pck(Platform(fmspc=real_quote.fmspc())).chain_pem.encode())
    real_shape = _extension_shape(real_chain)
    assert mine_shape.keys() == real_shape.keys()
    assert {oid for oid, size in mine_shape.items() if size is None} == \
        {oid for oid, size in real_shape.items() if size is None}
    for suffix in (".1", ".3", ".4", ".5", ".6", ".7.1", ".7.2", ".7.3", ".2.18"):
        oid = tdx_pki.SGX_EXTENSION_OID + suffix
        assert mine_shape[oid] == real_shape[oid], oid


def test_intel_names_are_copied_exactly_but_the_key_is_not():
    look_alike = TestPki.build(names=tdx_pki.INTEL_NAMES)
    real_root = _certificates(dcap_qvl.parse_quote(read_sample(QUOTE_V5)).cert_chain_pem_bytes())[-1]
    assert look_alike.root.cert.subject == real_root.subject
    assert look_alike.root.cert.public_key() != real_root.public_key()
    test = tdx_pki.default_pki()
    assert test.root.cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value \
        == "confidential.tdx Test SGX Root CA"


# -- refused, each for its own reason ------------------------------------------------


def test_look_alike_roots_are_refused():
    trusted = tdx_pki.default_pki()
    forged = build_case(pki=tdx_pki.look_alike_of(trusted), now=NOW)
    assert "Failed to parse root CA CRL" in refusal(forged, root_der=trusted.root_der)
    # A forger would rather ship the genuine root CRL (it is public): then the chains fail.
    forged.collateral.root_ca_crl = trusted.root_crl_der(this_update=NOW - DAY, next_update=NOW + DAY)
    assert "Failed to verify certificate chain" in refusal(forged, root_der=trusted.root_der)
    intel_like = build_case(pki=TestPki.build(names=tdx_pki.INTEL_NAMES), now=NOW)
    with pytest.raises(ValueError, match="root CA CRL"):  # dcap_qvl.verify pins Intel's real root
        dcap_qvl.verify(intel_like.quote, intel_like.collateral.to_dcap_qvl(), intel_like.now)
    assert verify(intel_like).status == "UpToDate"  # the same evidence, against its own root


def test_expired_or_not_yet_valid_pck_leaf_is_refused():
    pki = tdx_pki.default_pki()
    expired = pki.issue_pck(not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    assert "Failed to verify certificate chain" in refusal(build_case(pck=expired, now=NOW))
    future = pki.issue_pck(not_before=NOW + DAY, not_after=NOW + 400 * DAY)
    assert "Failed to verify certificate chain" in refusal(build_case(pck=future, now=NOW))
    assert verify(build_case(pck=expired, now=NOW - 2 * DAY)).status == "UpToDate"


def test_revoked_pck_leaf_and_revoked_platform_ca_are_refused():
    pki = tdx_pki.default_pki()
    leaf = pki.issue_pck()
    message = refusal(build_case(pck=leaf, now=NOW, revoked_pck=[leaf]))
    assert "Failed to verify certificate chain" in message
    assert verify(build_case(pck=leaf, now=NOW, revoked_pck=[leaf.serial + 1])).status == "UpToDate"
    assert "Failed to verify certificate chain" in refusal(build_case(pck=leaf, now=NOW, revoked_ca=[pki.platform_ca]))


def test_revoked_tcb_status_is_refused_by_dcap_qvl_itself():
    assert "TCB status is invalid: Revoked" in refusal(build_case("Revoked", now=NOW))
    assert "TCB status is invalid: Revoked" in refusal(build_case(now=NOW, module_status="Revoked"))


def test_expired_and_future_collateral_is_refused():
    assert "TCBInfo expired" in refusal(build_case(now=NOW, next_update=NOW - 1, crl_next_update=NOW + DAY,
                                                   issue_date=NOW - 30 * DAY))
    assert "TCBInfo issue date is in the future" in refusal(build_case(now=NOW, issue_date=NOW + DAY,
                                                                       crl_this_update=NOW - DAY))
    assert "QE Identity expired" in refusal(build_case(now=NOW, qe_next_update=NOW - 1))
    assert "CrlExpired" in refusal(build_case(now=NOW, crl_next_update=NOW - 1))
    case = build_case(now=NOW)
    assert "expired" in refusal(case, now=NOW + 31 * DAY).lower()  # CRLs and TCB info end together


def test_expired_tcb_signing_certificate_is_refused():
    pki = TestPki.build(tcb_signing_not_after=datetime.datetime.fromtimestamp(NOW - DAY, UTC))
    assert "Failed to verify certificate chain" in refusal(build_case(pki=pki, now=NOW))


def test_collateral_for_another_fmspc_is_refused():
    assert "Fmspc mismatch" in refusal(build_case(now=NOW, fmspc="00906ED50000"))
    other = Platform(fmspc="00906ED50000")
    case = build_case(now=NOW)
    case.collateral = build_collateral(platform=other, now=NOW)
    assert "Fmspc mismatch" in refusal(case)


def test_platform_below_every_tcb_level_is_refused():
    level = tdx_pki.TcbLevel(bytes([9] * 16), 13, bytes(16), "UpToDate")
    assert "No matching TCB level found" in refusal(build_case(now=NOW, tcb_levels=[level]))


def test_unbound_attestation_key_and_foreign_qe_report_signer_are_refused():
    assert "QE report hash mismatch" in refusal(build_case(now=NOW, quote_options={"unbind_attestation_key": True}))
    other = ec.generate_private_key(ec.SECP256R1())
    assert "Signature is invalid for qe_report" in refusal(build_case(now=NOW,
                                                                      quote_options={"qe_report_signer": other}))
    # Signed by another attestation key that the QE report does bind: accepted (the QE vouches for it).
    assert verify(build_case(now=NOW, quote_options={"attestation_key": other})).status == "UpToDate"


@pytest.mark.parametrize("attributes, reason", [
    (tdx_pki.SEPT_VE_DISABLE | tdx_pki.DEBUG, "Debug mode is enabled"),
    (tdx_pki.SEPT_VE_DISABLE | (1 << 4), "TD profiling is enabled"),
    (tdx_pki.SEPT_VE_DISABLE | (1 << 29), "TD migration is enabled"),
    (0, "SEPT_VE_DISABLE is not enabled"),
])
def test_td_attributes_dcap_qvl_refuses_by_itself(attributes, reason):
    assert reason in refusal(build_case(body=TdBody(td_attributes=attributes), now=NOW))


def test_a_td15_with_a_service_td_and_short_qe_auth_data_are_refused():
    body = TdBody(mrservicetd=b"\x01" * 48)
    assert "Invalid MR service TD" in refusal(build_case(body=body, version=5, tdx15=True, now=NOW))
    assert "Invalid QE auth data length" in refusal(build_case(now=NOW, quote_options={"qe_auth_data": bytes(16)}))


@pytest.mark.parametrize("where, offset, reason", [
    ("header", 30, "ISV enclave report signature is invalid"),       # user data
    ("body", 200, "ISV enclave report signature is invalid"),        # MRTD
    ("signature", 636 + 5, "ISV enclave report signature is invalid"),
    ("QE report", 636 + 134 + 64, "Signature is invalid for qe_report"),   # MRENCLAVE
    ("QE report signature", 636 + 518 + 3, "Signature is invalid for qe_report"),
    ("QE auth data", 636 + 584 + 1, "QE report hash mismatch"),
])
def test_a_flipped_bit_is_refused(where, offset, reason):
    case = build_case(now=NOW)
    flipped = bytearray(case.quote)
    flipped[offset] ^= 0x01
    case.quote = bytes(flipped)
    assert reason in refusal(case), where


def test_pki_saved_and_loaded_signs_quotes_with_the_same_chain(tmp_path):
    pki = TestPki.build()
    pki.save(str(tmp_path))
    loaded = TestPki.load(str(tmp_path))
    assert loaded.root_der == pki.root_der
    assert (tmp_path / "root.key").stat().st_mode & 0o077 == 0
    case = build_case(pki=loaded, now=NOW)
    assert case.pck.serial == pki.pck().serial
    assert verify(case, root_der=(tmp_path / "root.der").read_bytes()).status == "UpToDate"


def test_a_seed_makes_the_keys_reproducible():
    def public(pki):
        return [issued.cert.public_key() for issued in (pki.root, pki.platform_ca, pki.tcb_signing)]

    assert public(TestPki.build(seed="one")) == public(TestPki.build(seed="one"))
    assert public(TestPki.build(seed="one"))[0] != public(TestPki.build(seed="two"))[0]
    assert verify(build_case(pki=TestPki.build(seed="one"), now=NOW)).status == "UpToDate"
