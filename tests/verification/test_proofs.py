import pytest

from dapp.errors import PlatformError
from dapp.verification.merkle import SerialTree, leaf_hash, verify
from dapp.verification.proofs import ProofStore

GTIN = 4607001120018
BATCH = bytes.fromhex("ab" * 32)


@pytest.mark.parametrize("count", [1, 2, 3, 8, 101])
def test_proof__every_unit__same_as_tree_and_verifies(tmp_path, count):
    serials = [f"U{i:05d}" for i in range(count)]
    tree = SerialTree.of(GTIN, serials)
    store = ProofStore(tmp_path)
    store.save(BATCH, tree)
    assert store.root(BATCH) == tree.root
    for serial in serials:
        leaf = leaf_hash(GTIN, serial)
        proof = store.proof(BATCH, leaf)
        assert proof == tree.proof(leaf)
        assert verify(proof, tree.root, leaf)


def test_proof__unit_not_in_batch__none(tmp_path):
    store = ProofStore(tmp_path)
    store.save(BATCH, SerialTree.of(GTIN, ["A", "B", "C"]))
    assert store.proof(BATCH, leaf_hash(GTIN, "D")) is None
    assert store.proof(BATCH, b"\xff" * 32) is None and store.proof(BATCH, b"\x00" * 32) is None


def test_store__holds_no_serial_in_clear(tmp_path):
    store = ProofStore(tmp_path)
    path = store.save(BATCH, SerialTree.of(GTIN, ["SECRETSERIAL1", "SECRETSERIAL2"]))
    assert b"SECRETSERIAL" not in path.read_bytes()


def test_proof__unknown_batch__says_where_it_looked(tmp_path):
    with pytest.raises(PlatformError, match="no tree for batch 0x" + "cd" * 32):
        ProofStore(tmp_path).proof(bytes.fromhex("cd" * 32), b"\x00" * 32)


def test_proof__damaged_file__refused(tmp_path):
    store = ProofStore(tmp_path)
    path = store.save(BATCH, SerialTree.of(GTIN, ["A", "B"]))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(PlatformError, match="damaged"):
        store.proof(BATCH, leaf_hash(GTIN, "A"))
    assert not store.has(bytes(32)) and store.has(BATCH)
