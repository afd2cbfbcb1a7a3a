import pytest

from dapp.cid import RAW_BLOCK_LIMIT, raw_cid
from dapp.documents import load_document, save_document
from dapp.errors import PlatformError


@pytest.mark.parametrize(
    ("data", "cid"),
    [
        # Values IPFS gives with `ipfs add --cid-version=1` (raw leaves).
        (b"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
        (b"hello", "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"),
    ],
)
def test_raw_cid__known_values(data, cid):
    assert raw_cid(data) == cid


def test_raw_cid__over_one_block__refused_with_reason():
    with pytest.raises(PlatformError, match="single-block limit"):
        raw_cid(b"x" * (RAW_BLOCK_LIMIT + 1))


def test_save_then_load__same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    cid = save_document(b'{"name": "test"}')
    assert load_document(cid) == b'{"name": "test"}'


def test_load__tampered_bytes__refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    cid = save_document(b"licence")
    (tmp_path / "documents" / cid).write_bytes(b"forged licence")
    with pytest.raises(PlatformError, match="altered"):
        load_document(cid)


def test_load__missing__refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    with pytest.raises(PlatformError, match="not in"):
        load_document(raw_cid(b"never saved"))
