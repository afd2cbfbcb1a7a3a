import pytest

from dapp.chain.connection import contract, current_deployment, genesis_hash
from dapp.chain.deployment import DeployedContract, Deployment, read_record, record_path, write_record
from dapp.errors import DeploymentError


def make_deployment(genesis="0xabc"):
    return Deployment(
        chain_id=31337,
        genesis_hash=genesis,
        network="local",
        deployer="0x" + "11" * 20,
        contracts={
            "Participants": DeployedContract("0x" + "22" * 20, 5, "0x" + "aa" * 32),
            "Resources": DeployedContract("0x" + "33" * 20, 6, "0x" + "bb" * 32),
        },
    )


def test_write_then_read__same_record(tmp_path):
    deployment = make_deployment()
    path = write_record(deployment, tmp_path)
    assert path == record_path(31337, tmp_path) == tmp_path / "31337.json"
    assert read_record(31337, "0xABC", tmp_path) == deployment
    assert not list(tmp_path.glob("*.tmp"))


def test_read_record__other_chain_same_id__none(tmp_path):
    write_record(make_deployment("0xabc"), tmp_path)
    assert read_record(31337, "0xdef", tmp_path) is None


def test_read_record__missing__none(tmp_path):
    assert read_record(1, "0xabc", tmp_path) is None


def test_read_record__unreadable__says_what_to_do(tmp_path):
    (tmp_path / "31337.json").write_text("{not json")
    with pytest.raises(DeploymentError, match="unreadable.*deploy again"):
        read_record(31337, "0xabc", tmp_path)


def test_first_block__earliest_deployment():
    assert make_deployment().first_block == 5


def test_address__contract_not_deployed__says_how_to_deploy():
    with pytest.raises(DeploymentError, match="PaymentToken is not in the deployment record.*ape run deploy"):
        make_deployment().address("PaymentToken")


def test_current_deployment__nothing_deployed__clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    with pytest.raises(DeploymentError, match="not deployed on this chain.*make run"):
        current_deployment()


def test_contract__by_name__instance_at_recorded_address(tmp_path, monkeypatch, participants, chain):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))
    receipt = participants.creation_metadata.receipt
    write_record(
        Deployment(
            chain_id=chain.chain_id,
            genesis_hash=genesis_hash(),
            network="local",
            deployer=receipt.sender,
            contracts={"Participants": DeployedContract(participants.address, receipt.block_number, receipt.txn_hash)},
        ),
        tmp_path / "deployments",
    )
    found = contract("Participants")
    assert found.address == participants.address
    assert found.active_regulators() == 1
