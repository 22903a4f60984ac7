import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import roots


def test_the_pinned_root_hashes_to_intels_published_digest():
    root = roots.intel_root()
    assert root.sha256 == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
    assert root.is_intel


def test_an_altered_copy_of_the_pinned_root_is_refused(monkeypatch):
    text = roots.INTEL_SGX_ROOT_CA_PEM.replace("MIICjzCCAjSgAwIBAgIU", "MIICjzCCAjSgAwIBAgIV")
    monkeypatch.setattr(roots, "INTEL_SGX_ROOT_CA_PEM", text)
    with pytest.raises(roots.RootError, match="was altered"):
        roots.intel_root()


def test_a_testing_root_loads_from_pem_or_der_and_says_it_is_not_intels(tmp_path):
    der = roots.intel_root().der
    (tmp_path / "root.der").write_bytes(der)
    (tmp_path / "root.pem").write_text(roots.INTEL_SGX_ROOT_CA_PEM)
    assert roots.load_root(str(tmp_path / "root.der")).is_intel
    assert roots.load_root(str(tmp_path / "root.pem")).sha256 == roots.INTEL_SGX_ROOT_CA_SHA256
    (tmp_path / "other.der").write_bytes(b"\x30" + der[1:-1] + b"\x00")
    assert not roots.load_root(str(tmp_path / "other.der")).is_intel


@pytest.mark.parametrize("content", [b"", b"hello", b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"])
def test_a_file_that_is_no_certificate_is_refused_in_one_line(content, tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(roots.RootError) as error:
        roots.load_root(str(path))
    assert "\n" not in str(error.value)


def test_a_missing_file_is_refused_with_its_path(tmp_path):
    with pytest.raises(roots.RootError, match="cannot read .*absent"):
        roots.load_root(str(tmp_path / "absent"))
