"""The serial tree in Python against OpenZeppelin's JavaScript library (no chain needed)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapp.errors import InvalidCodeError
from dapp.verification.merkle import SerialTree, leaf_hash, verify
from tests.verification.oz import oz_tree
from tests.budget import examples

GTIN = 4607001120018
serial_text = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 100, 1001])
def test_root_and_proofs__match_openzeppelin_merkle_tree(count):
    serials = [f"S{i:05d}x" for i in range(count)]
    tree = SerialTree.of(GTIN, serials)
    oz_root, oz_proofs = oz_tree(GTIN, serials, proofs=50)
    assert tree.root == oz_root
    assert len(oz_proofs) == min(count, 50)
    for serial, oz_proof in oz_proofs.items():
        assert tree.proof_for(GTIN, serial) == oz_proof


def test_root__parallel_hashing_of_a_large_batch__matches_openzeppelin():
    serials = [f"{i:013d}" for i in range(60_000)]  # above the size hashed on several cores
    assert SerialTree.of(GTIN, serials).root == oz_tree(GTIN, serials)[0]


def test_leaf__utf8_and_long_serials__match_openzeppelin():
    serials = ["Ж1", "a" * 33, "!\"%&'()*+,-./:;<=>?_"]
    assert SerialTree.of(GTIN, serials).root == oz_tree(GTIN, serials)[0]


def test_of__empty_list__raises():
    with pytest.raises(InvalidCodeError, match="at least one serial"):
        SerialTree.of(GTIN, [])


def test_of__duplicate_serial__raises():
    with pytest.raises(InvalidCodeError, match="same unit twice"):
        SerialTree.of(GTIN, ["A", "B", "A"])


def test_proof__unit_not_in_batch__raises():
    tree = SerialTree.of(GTIN, ["A", "B"])
    with pytest.raises(InvalidCodeError, match="not in this batch"):
        tree.proof_for(GTIN, "C")


def test_tree__holds_hashes_not_serials():
    tree = SerialTree.of(GTIN, ["SECRET1", "SECRET2"])
    assert len(tree) == 2
    assert sorted(tree.leaves) == sorted([leaf_hash(GTIN, "SECRET1"), leaf_hash(GTIN, "SECRET2")])
    assert leaf_hash(GTIN, "SECRET1") in tree
    assert leaf_hash(GTIN + 1, "SECRET1") not in tree  # the GTIN is part of the leaf


@settings(max_examples=examples(60), deadline=None)
@given(serials=st.lists(serial_text, min_size=1, max_size=40, unique=True), data=st.data())
def test_verify__every_unit_of_the_batch__true(serials, data):
    tree = SerialTree.of(GTIN, serials)
    serial = data.draw(st.sampled_from(serials))
    assert verify(tree.proof_for(GTIN, serial), tree.root, leaf_hash(GTIN, serial))


@settings(max_examples=examples(60), deadline=None)
@given(batch=st.lists(serial_text, min_size=1, max_size=40, unique=True), other=serial_text)
def test_verify__unit_of_another_batch__false(batch, other):
    tree = SerialTree.of(GTIN, batch)
    proof = tree.proof_for(GTIN, batch[0])
    if other != batch[0]:
        assert not verify(proof, tree.root, leaf_hash(GTIN, other))


def test_from_leaves__same_tree_as_from_serials():
    serials = [f"S{i}" for i in range(11)]
    tree = SerialTree.of(GTIN, serials)
    rebuilt = SerialTree.from_leaves(tree.leaves)
    assert rebuilt.root == tree.root
    assert rebuilt.proof(leaf_hash(GTIN, "S3")) == tree.proof_for(GTIN, "S3")
