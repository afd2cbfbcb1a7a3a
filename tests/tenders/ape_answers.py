"""What TenderClient reads over Ape of the demo chain, in a process of its own: the comparison
in test_rpc_contracts.py must not switch the test session's Ape provider (its chain isolation
would then snapshot and restore the wrong chain for the tests after it).

    python -m tests.tenders.ape_answers NODE_URL DATA_FOLDER BIDDER HOSPITAL  → pickled answers on stdout
"""

from __future__ import annotations

import pickle
import sys


def answers(url: str, data: str, bidder: str, hospital: str) -> dict:
    from pathlib import Path

    from ape import networks

    from dapp.chain.deployment import read_record
    from dapp.tenders.client import TenderClient, TenderStatus

    with networks.ethereum.local.use_provider("foundry", provider_settings={"host": url}) as provider:
        genesis = provider.web3.eth.get_block(0)["hash"].hex()
        deployment = read_record(provider.chain_id, genesis if genesis.startswith("0x") else "0x" + genesis,
                                 Path(data) / "deployments")
        client = TenderClient.connected(deployment)
        ids = list(client.tender_ids())
        states = {i: client.state(i) for i in ids}
        cancelled = next(i for i, s in states.items() if s.status == TenderStatus.CANCELLED)
        awarded = next(i for i, s in states.items() if s.status == TenderStatus.AWARDED)
        return {
            "ids": ids,
            "states": states,
            "bids": {i: client.bids(i) for i in ids},
            "positions": {i: client.positions(i) for i in ids},
            "award_window": client.award_window(),
            "termination_delay": client.termination_delay(),
            "bid_keys": {i: client.bid_key(i, bidder) for i in ids},
            "now": client.now(),
            "head": client.chain.blocks.head.number,
            "steps": {"awarded": awarded, "cancelled": cancelled,
                      "calls": [client.prepare_award(hospital, awarded).calls, client.prepare_withdraw(bidder).calls,
                                client.prepare_claim_bid_security(bidder, cancelled).calls]},
        }


if __name__ == "__main__":
    sys.stdout.buffer.write(pickle.dumps(answers(*sys.argv[1:5])))
