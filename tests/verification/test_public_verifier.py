"""A verifier that needs only public things: the chain's node, the public deployment record and
an IPFS endpoint. Its data folder holds nothing but `deployments/<chain id>.json`; organizations'
names, product and batch documents and the proof trees come from IPFS by the CIDs on chain, each
checked, and what cannot be had is said in the verdict, never taken as genuine.

The seeded demo world is the operator's: its documents folder (documents and proof trees) is
published to the operator's IPFS node, and the clean verifier reads through a second node that
fetches from the first (tests/fixtures/ipfs.py).
"""

import shutil
from pathlib import Path

import pytest

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.demo.labels import demo_code_serial, unit_label
from dapp.documents.store import FolderStore, IpfsStore, publish_documents
from dapp.verification.proofs import ProofStore, tree_document, tree_of_document
from dapp.verification.verdicts import Reason, Verifier, batch_id
from tests.fixtures.ipfs import closed_port, ipfs_nodes  # noqa: F401 - a fixture
from tests.scripts.test_verify_cli import EXPECTED

GENUINE = next(code for code in demo.DEMO_CODES if code.case == "genuine")


def code_text(code: demo.DemoCode) -> str:
    """The Digital Link printed on the demo label of `code`."""
    return unit_label(None, code.gtin, code.lot, demo_code_serial(code)).uri


def scanner_of(demo_chain, code: demo.DemoCode) -> str | None:
    return demo_chain.accounts[demo.organization(code.scanner).account_index] if code.scanner else None


@pytest.fixture(scope="module")
def published(demo_chain, ipfs_nodes):
    """The operator's documents (and proof trees) on the operator's IPFS node only."""
    return publish_documents(FolderStore(demo_chain.data / "documents"), ipfs_nodes.operator())


@pytest.fixture(scope="module")
def operator(demo_chain):
    """The operator's verifier: its own data folder (proof store, documents folder)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
        patch.delenv("MEDCHAIN_IPFS_API", raising=False)
        deployment = deployment_at(demo_chain.url)
    return Verifier(ProofStore(demo_chain.data / "proofs"), ChainReader(deployment, demo_chain.url),
                    FolderStore(demo_chain.data / "documents"))


@pytest.fixture
def clean(demo_chain, tmp_path, monkeypatch):
    """A clean verifier's data folder, holding only the public deployment record, set as MEDCHAIN_DATA."""
    folder = tmp_path / "clean"
    (folder / "deployments").mkdir(parents=True)
    for record in (demo_chain.data / "deployments").glob("*.json"):
        shutil.copy(record, folder / "deployments" / record.name)
    monkeypatch.setenv("MEDCHAIN_DATA", str(folder))
    monkeypatch.delenv("MEDCHAIN_IPFS_API", raising=False)
    monkeypatch.delenv("MEDCHAIN_IPFS_GATEWAY", raising=False)
    return folder


def clean_verifier(demo_chain, documents) -> Verifier:
    return Verifier.at(demo_chain.url, documents=documents)


def tree_file(folder: Path, code: demo.DemoCode) -> Path:
    return folder / "proofs" / f"{batch_id(int(code.gtin), code.lot).hex()}.tree"


@pytest.mark.parametrize("code", demo.DEMO_CODES, ids=lambda code: code.case)
def test_clean_verifier__every_demo_label__the_operators_verdict(demo_chain, published, operator, ipfs_nodes, clean,
                                                                  code):
    scanner = scanner_of(demo_chain, code)

    verdict = clean_verifier(demo_chain, ipfs_nodes.verifier()).verify_text(code_text(code), scanner)

    expected = operator.verify_text(code_text(code), scanner)
    assert verdict.to_dict() == expected.to_dict()
    assert [reason.value for reason in verdict.reasons] == EXPECTED[code.case]
    assert all(document.status == "verified" for document in verdict.documents)


def test_clean_verifier__genuine__names_documents_tree_and_proof_from_ipfs(demo_chain, published, ipfs_nodes, clean):
    verdict = clean_verifier(demo_chain, ipfs_nodes.verifier()).verify_text(code_text(GENUINE))

    assert verdict.status == "GENUINE"
    assert verdict.manufacturer["name"] == demo.organization("volga").name
    assert verdict.manufacturer["metadata_status"] == "verified"
    assert {document.label: document.status for document in verdict.documents} == {
        "product characteristics": "verified", "registration certificate": "verified",
        "batch quality documents": "verified"}
    assert verdict.proof_tree_cid in published
    assert verdict.proof and all(node.startswith("0x") and len(node) == 66 for node in verdict.proof)
    assert "by АО «Волжская фармацевтическая компания»" in verdict.history[0].description
    # The tree is in the clean verifier's cache now, as the operator's tree is.
    assert tree_file(clean, GENUINE).read_bytes() == tree_file(demo_chain.data, GENUINE).read_bytes()


def test_clean_verifier__configured_by_environment__node_or_gateway(demo_chain, published, ipfs_nodes, clean,
                                                                    monkeypatch):
    monkeypatch.setenv("MEDCHAIN_IPFS_API", ipfs_nodes.verifier_api)
    assert Verifier.at(demo_chain.url).verify_text(code_text(GENUINE)).status == "GENUINE"

    shutil.rmtree(clean / "proofs")
    monkeypatch.delenv("MEDCHAIN_IPFS_API")
    monkeypatch.setenv("MEDCHAIN_IPFS_GATEWAY", ipfs_nodes.verifier_gateway)
    verdict = Verifier.at(demo_chain.url).verify_text(code_text(GENUINE))
    assert verdict.status == "GENUINE" and tree_file(clean, GENUINE).exists()
    assert all(document.status == "verified" for document in verdict.documents)


def test_clean_verifier__ipfs_stopped__unverifiable_not_genuine(demo_chain, published, clean):
    stopped = IpfsStore(f"/ip4/127.0.0.1/tcp/{closed_port()}/http", fetch_timeout=1, connect_timeout=1)

    verdict = clean_verifier(demo_chain, stopped).verify_text(code_text(GENUINE))

    assert verdict.status == "SUSPECT"
    assert verdict.reasons == [Reason.SERIAL_UNVERIFIABLE]
    message = verdict.findings[0].message
    assert f"proof tree {verdict.proof_tree_cid} unreachable" in message and "does not answer" in message
    assert {document.status for document in verdict.documents} == {"unreachable"}
    assert verdict.manufacturer["metadata_status"] == "unreachable" and "name" not in verdict.manufacturer
    assert verdict.proof == []
    assert not tree_file(clean, GENUINE).exists()


def test_clean_verifier__tree_on_no_node__unverifiable(demo_chain, clean, tmp_path):
    nowhere = FolderStore(tmp_path / "empty")

    verdict = clean_verifier(demo_chain, nowhere).verify_text(code_text(GENUINE))

    assert verdict.reasons == [Reason.SERIAL_UNVERIFIABLE]
    assert f"proof tree {verdict.proof_tree_cid} unreachable" in verdict.findings[0].message
    assert {document.status for document in verdict.documents} == {"missing"}


def test_clean_verifier__altered_tree__refused(demo_chain, clean, tmp_path):
    """A store giving other bytes under the tree's CID (an altered copy) is refused: not cached,
    the serial unverifiable."""
    store = FolderStore(tmp_path / "tampered")
    shutil.copytree(demo_chain.data / "documents", store.folder)
    cid = Verifier.at(demo_chain.url, documents=store).verify_text(code_text(GENUINE)).proof_tree_cid
    shutil.rmtree(clean / "proofs")
    leaves = bytearray((store.folder / cid).read_bytes())
    leaves[-1] ^= 1
    (store.folder / cid).write_bytes(bytes(leaves))

    verdict = clean_verifier(demo_chain, store).verify_text(code_text(GENUINE))

    assert verdict.reasons == [Reason.SERIAL_UNVERIFIABLE]
    assert f"proof tree {cid} refused" in verdict.findings[0].message and "altered" in verdict.findings[0].message
    assert not tree_file(clean, GENUINE).exists()


def test_clean_verifier__altered_document_and_metadata__refused(demo_chain, clean, tmp_path):
    store = FolderStore(tmp_path / "tampered")
    shutil.copytree(demo_chain.data / "documents", store.folder)
    genuine = Verifier.at(demo_chain.url, documents=store).verify_text(code_text(GENUINE))
    characteristics = genuine.product["characteristics_cid"]
    (store.folder / characteristics).write_bytes(b'{"forged": true}')
    (store.folder / genuine.manufacturer["metadata_cid"]).write_bytes(b'{"name": "Someone else"}')

    verdict = clean_verifier(demo_chain, store).verify_text(code_text(GENUINE))

    statuses = {document.cid: document.status for document in verdict.documents}
    assert statuses.pop(characteristics) == "altered" and set(statuses.values()) == {"verified"}
    assert verdict.manufacturer["metadata_status"] == "altered" and "name" not in verdict.manufacturer
    # Documents do not decide the verdict: the chain and the proof do.
    assert verdict.status == "GENUINE"


def test_published_tree__the_operators_leaves_and_root(demo_chain, published, operator):
    verdict = operator.verify_text(code_text(GENUINE))
    data = FolderStore(demo_chain.data / "documents").get(verdict.proof_tree_cid)
    kept = ProofStore(demo_chain.data / "proofs")
    identifier = batch_id(int(GENUINE.gtin), GENUINE.lot)

    tree = tree_of_document(data)
    assert tree.root == kept.root(identifier)
    assert tree_document(tree) == data and len(data) == 32 * len(tree)
    assert verdict.proof_tree_cid in published
