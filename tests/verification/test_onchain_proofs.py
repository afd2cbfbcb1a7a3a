"""Proofs built in Python, verified on-chain by OpenZeppelin's MerkleProof."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dapp.verification.merkle import SerialTree, leaf_hash
from tests.budget import examples

GTIN = 4607001120018
OTHER_GTIN = 5702123450018


@pytest.mark.parametrize("count", [1, 2, 3, 5, 9])
def test_verify__each_unit_of_batch__true(merkle_harness, count):
    serials = [f"UNIT{i:04d}" for i in range(count)]
    tree = SerialTree.of(GTIN, serials)
    for serial in serials:
        assert merkle_harness.verify(tree.proof_for(GTIN, serial), tree.root, leaf_hash(GTIN, serial))


def test_leaf__python_equals_solidity(merkle_harness):
    for serial in ["A", "4iiWB3e0ZyOoy", "x" * 20, "Ж"]:
        assert merkle_harness.leaf(GTIN, serial) == leaf_hash(GTIN, serial)


def test_verify__batch_of_one__empty_proof(merkle_harness):
    tree = SerialTree.of(GTIN, ["ONLY"])
    assert tree.proof_for(GTIN, "ONLY") == []
    assert tree.root == leaf_hash(GTIN, "ONLY")
    assert merkle_harness.verify([], tree.root, leaf_hash(GTIN, "ONLY"))
    assert not merkle_harness.verify([], tree.root, leaf_hash(GTIN, "OTHER"))


def test_verify__same_serial_other_gtin__false(merkle_harness):
    tree = SerialTree.of(GTIN, ["A", "B", "C"])
    assert not merkle_harness.verify(tree.proof_for(GTIN, "A"), tree.root, leaf_hash(OTHER_GTIN, "A"))


def test_verify__proof_of_another_batch__false(merkle_harness):
    batch = SerialTree.of(GTIN, ["A", "B", "C"])
    other = SerialTree.of(GTIN, ["D", "E", "F"])
    assert not merkle_harness.verify(other.proof_for(GTIN, "D"), batch.root, leaf_hash(GTIN, "D"))


serials_strategy = st.lists(
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", min_size=1, max_size=20),
    min_size=1,
    max_size=60,
    unique=True,
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(serials=serials_strategy, data=st.data())
def test_verify__random_subset_of_units__true(merkle_harness, serials, data):
    tree = SerialTree.of(GTIN, serials)
    subset = data.draw(st.lists(st.sampled_from(serials), min_size=1, max_size=5, unique=True))
    for serial in subset:
        assert merkle_harness.verify(tree.proof_for(GTIN, serial), tree.root, leaf_hash(GTIN, serial))


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=serials_strategy, other_batch=serials_strategy)
def test_verify__units_of_another_batch__never_true(merkle_harness, batch, other_batch):
    tree = SerialTree.of(GTIN, batch)
    other_tree = SerialTree.of(GTIN, other_batch)
    for serial in other_batch[:5]:
        if serial in batch:
            continue
        leaf = leaf_hash(GTIN, serial)
        # Neither its own proof nor any proof of this batch admits a unit of another batch.
        assert not merkle_harness.verify(other_tree.proof_for(GTIN, serial), tree.root, leaf)
        assert not merkle_harness.verify(tree.proof_for(GTIN, batch[0]), tree.root, leaf)
