"""dapp.tenders.rpc_contracts: TenderClient over a ChainReader (JSON-RPC, no Ape) gives the same
answers as TenderClient over Ape's contract objects, on the demo chain, whose tenders are in
every state (open, revealing, awarded, delivering, completed, failed, terminated, cancelled)."""

import pickle
import subprocess
import sys

import pytest

from dapp.chain.deployment import read_record
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.paths import PROJECT_ROOT
from dapp.tenders.client import TenderClient, TenderError, TenderStage, TenderStatus
from dapp.tenders.rpc_contracts import RpcContract
from tests.fixtures.demo_chain import demo_chain  # noqa: F401 - the fixture
from tests.ui.conftest import account_of


@pytest.fixture(scope="module")
def demo_deployment(demo_chain):  # noqa: F811
    found = read_record(int(demo_chain.rpc("eth_chainId"), 16),
                        demo_chain.rpc("eth_getBlockByNumber", "0x0", False)["hash"], demo_chain.data / "deployments")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def over_rpc(demo_chain, demo_deployment):  # noqa: F811
    return TenderClient.over_rpc(demo_deployment, ChainReader(demo_deployment, demo_chain.url))


@pytest.fixture(scope="module")
def answers_over_ape(demo_chain):  # noqa: F811
    """Everything the Ape path reads of every tender (state, bids, positions), its chain facts, and
    three steps it prepares: read by Ape connected to the demo chain in a process of its own
    (tests/tenders/ape_answers.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.tenders.ape_answers", demo_chain.url, str(demo_chain.data),
         account_of(demo_chain, "centrpharm"), account_of(demo_chain, "rkb")],
        cwd=PROJECT_ROOT, env=demo_chain.env, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return pickle.loads(done.stdout)


def test_states_bids_positions__same_as_over_ape(over_rpc, answers_over_ape):
    ape = answers_over_ape
    assert list(over_rpc.tender_ids()) == ape["ids"] and len(ape["ids"]) >= len(demo.TENDERS)
    for tender_id in ape["ids"]:
        assert over_rpc.state(tender_id) == ape["states"][tender_id]
        assert over_rpc.bids(tender_id) == ape["bids"][tender_id]
        assert over_rpc.positions(tender_id) == ape["positions"][tender_id]
    # every state of a tender's life is among them, so every field was compared with something in it
    stages = {state.stage for state in ape["states"].values()}
    assert {TenderStage.BIDDING, TenderStage.REVEALING, TenderStage.AWARDED, TenderStage.CONTRACTED,
            TenderStage.COMPLETED, TenderStage.FAILED, TenderStage.TERMINATED, TenderStage.CANCELLED} <= stages
    assert any(state.specification_cid and state.accepted_gtins for state in ape["states"].values())


def test_constants_keys_and_clock__same_as_over_ape(over_rpc, answers_over_ape, demo_chain):  # noqa: F811
    ape = answers_over_ape
    assert over_rpc.award_window() == ape["award_window"] > 0
    assert over_rpc.termination_delay() == ape["termination_delay"] > 0
    for tender_id, key in ape["bid_keys"].items():
        assert over_rpc.bid_key(tender_id, account_of(demo_chain, "centrpharm")) == key
    assert over_rpc.chain.blocks.head.number == ape["head"]
    latest = int(demo_chain.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    assert over_rpc.now() > latest  # the next block is later than the last one
    assert over_rpc.now() >= ape["now"] - 5


def test_shipment_logs_filtered_by_indexed_topics(over_rpc, answers_over_ape):
    delivering = next(i for i, s in answers_over_ape["states"].items() if s.status == TenderStatus.CONTRACTED)
    shipped = over_rpc._logs(over_rpc.custody.Shipped, tenderId=delivering)
    assert shipped and all(int(log.tenderId) == delivering for log in shipped)
    record = over_rpc.shipment(int(shipped[0].shipmentId))
    assert record[5] == delivering and record[2] == answers_over_ape["states"][delivering].hospital
    with pytest.raises(TenderError, match="there is no shipment 999999"):
        over_rpc.shipment(999_999)


def test_prepared_steps_are_the_same_calls_as_over_ape(over_rpc, demo_chain, answers_over_ape):  # noqa: F811
    """A step prepared over the reader is the very transaction the Ape path prepares."""
    hospital = account_of(demo_chain, "rkb")
    supplier = account_of(demo_chain, "centrpharm")
    steps = answers_over_ape["steps"]
    got = [over_rpc.prepare_award(hospital, steps["awarded"]).calls, over_rpc.prepare_withdraw(supplier).calls,
           over_rpc.prepare_claim_bid_security(supplier, steps["cancelled"]).calls]
    assert got == steps["calls"]


def test_unknown_names__attribute_errors(over_rpc):
    assert isinstance(over_rpc.tenders, RpcContract)
    with pytest.raises(AttributeError, match="no view function or event"):
        over_rpc.tenders.noSuchThing  # noqa: B018
    with pytest.raises(ValueError, match="no indexed argument"):
        over_rpc.tenders.TenderCreated.range(0, 10, search_topics={"nobody": 1})
