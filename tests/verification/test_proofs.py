import pytest

from dapp.documents.store import FolderStore
from dapp.errors import InvalidCodeError, PlatformError
from dapp.verification.merkle import SerialTree, leaf_hash, verify
from dapp.verification.proofs import ProofStore, ProofTreeUnavailable, publish_tree, tree_document, tree_of_document

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


# --- the published tree -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 5, 64])
def test_tree_document__sorted_leaves_only__rebuilds_the_tree(count):
    serials = [f"SECRET{i:04d}" for i in range(count)]
    tree = SerialTree.of(GTIN, serials)

    data = tree_document(tree)

    assert len(data) == 32 * count and b"SECRET" not in data
    leaves = [data[i:i + 32] for i in range(0, len(data), 32)]
    assert leaves == sorted(leaf_hash(GTIN, serial) for serial in serials)
    assert tree_of_document(data).to_bytes() == tree.to_bytes()


@pytest.mark.parametrize("data", [b"", b"\x01" * 31, b"\x02" * 32 + b"\x01" * 32, b"\x01" * 64],
                         ids=["empty", "not-32-byte-leaves", "unsorted", "twice"])
def test_tree_of_document__not_a_tree__refused(data):
    with pytest.raises(InvalidCodeError):
        tree_of_document(data)


def test_fetch__checked_then_kept(tmp_path):
    tree = SerialTree.of(GTIN, ["A", "B", "C"])
    documents = FolderStore(tmp_path / "documents")
    cid = publish_tree(tree, documents)
    store = ProofStore(tmp_path / "proofs")

    assert store.fetch(BATCH, cid, tree.root, documents).root == tree.root

    assert store.root(BATCH) == tree.root
    assert store.proof(BATCH, leaf_hash(GTIN, "B")) == tree.proof(leaf_hash(GTIN, "B"))


def test_fetch__another_batchs_tree__refused_not_kept(tmp_path):
    documents = FolderStore(tmp_path / "documents")
    cid = publish_tree(SerialTree.of(GTIN, ["A", "B", "C"]), documents)
    store = ProofStore(tmp_path / "proofs")

    with pytest.raises(ProofTreeUnavailable, match=f"proof tree {cid} refused: its root 0x.* is not the batch's"):
        store.fetch(BATCH, cid, SerialTree.of(GTIN, ["A", "B"]).root, documents)
    assert not store.has(BATCH)


def test_fetch__altered_missing_or_no_cid__refused_saying_why(tmp_path):
    tree = SerialTree.of(GTIN, ["A", "B", "C"])
    documents = FolderStore(tmp_path / "documents")
    cid = publish_tree(tree, documents)
    store = ProofStore(tmp_path / "proofs")
    (documents.folder / cid).write_bytes(tree_document(SerialTree.of(GTIN, ["A", "B", "D"])))

    with pytest.raises(ProofTreeUnavailable, match=f"proof tree {cid} refused: .*altered"):
        store.fetch(BATCH, cid, tree.root, documents)
    (documents.folder / cid).unlink()
    with pytest.raises(ProofTreeUnavailable, match=f"proof tree {cid} unreachable: .*is not in"):
        store.fetch(BATCH, cid, tree.root, documents)
    with pytest.raises(ProofTreeUnavailable, match="no published proof tree"):
        store.fetch(BATCH, "", tree.root, documents)
    assert not store.has(BATCH)


def test_fetch__not_a_tree_under_its_own_cid__refused(tmp_path):
    documents = FolderStore(tmp_path / "documents")
    cid = documents.add(b"a quality certificate, not a tree")

    with pytest.raises(ProofTreeUnavailable, match="not a proof tree"):
        ProofStore(tmp_path / "proofs").fetch(BATCH, cid, b"\x11" * 32, documents)
