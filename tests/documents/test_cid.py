import pytest

from dapp.documents.cid import RAW_BLOCK_LIMIT, InvalidCidError, check_cid, file_cid, raw_cid
from dapp.documents.store import IPFS_API_VARIABLE
from dapp.documents.default_store import load_document, save_document
from dapp.errors import PlatformError
from tests.documents.samples import CHUNK, NODE_CIDS, sample, size_id


@pytest.fixture(autouse=True)
def folder_store(monkeypatch):
    """These tests look into the documents folder: the folder store, even when a node is configured."""
    monkeypatch.delenv(IPFS_API_VARIABLE, raising=False)


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


@pytest.mark.parametrize("size", sorted(NODE_CIDS), ids=size_id)
def test_file_cid__0_bytes_to_50mb__cid_js_ipfs_gave(size):
    # 0 B to 256 KiB: one raw block; above: a tree of one level, then of two past 174 chunks
    assert file_cid(sample(size)) == NODE_CIDS[size]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK], ids=size_id)
def test_file_cid__up_to_one_chunk__the_raw_cid(size):
    assert file_cid(sample(size)) == raw_cid(sample(size))


def test_file_cid__one_byte_changed__other_cid():
    data = bytearray(sample(CHUNK * 3))
    data[CHUNK * 2] ^= 1
    assert file_cid(bytes(data)) != file_cid(sample(CHUNK * 3))


@pytest.mark.parametrize("cid", [NODE_CIDS[0], NODE_CIDS[1_000_000]])
def test_check_cid__raw_and_dag_pb__accepted(cid):
    assert check_cid(cid) == cid


@pytest.mark.parametrize(
    "cid",
    [
        "",
        "../documents",
        "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",  # CIDv0: base58, another layout
        NODE_CIDS[1].upper(),
        NODE_CIDS[1][:-1],
        "bafyaaaa" + NODE_CIDS[1][8:],  # CIDv1 of dag-pb, but not a sha2-256 multihash
    ],
)
def test_check_cid__not_a_document_cid__refused_with_the_expected_form(cid):
    with pytest.raises(InvalidCidError, match="is not a document CID"):
        check_cid(cid)


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
