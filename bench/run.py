"""Benchmarks of the registries and the serial tree: `make bench`.

Gas is measured on anvil (started by ape-foundry) from real transaction receipts; tree
building is timed on this machine, against a naive baseline run in the same process.
Writes bench/results.json (flat name -> number) and bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ape import accounts, chain, networks

from dapp.chain.connection import project
from dapp.actions.custody import shipment_record
from dapp.verification.merkle import SerialTree, leaf_of_unit_hash, unit_hash
from dapp.roles import Category, Role
from indexer_throughput import bench_indexer
from browser_commission import bench_browser_commission
from browser_tender_flow import bench_browser_tender_flow
from browser_live_scan import bench_browser_live_scan
from browser_verify import bench_browser_verify
from decode_hard import SECTION as HARD_PHOTOS_SECTION, bench_hard_decoding
from resolver_latency import bench_resolver
from tenders_gas import bench_tenders
from verify_clean import bench_verify_clean
from verify_latency import bench_verify

HERE = Path(__file__).resolve().parent
CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
GTIN = 4607001120018
DAY = 86400


def naive_tree_root(gtin: int, serials: list[str]) -> bytes:
    """The baseline: StandardMerkleTree as a first port would write it (eth-abi, eth-hash)."""
    from eth_abi import encode
    from eth_utils import keccak

    leaves = sorted(keccak(keccak(encode(["uint256", "string"], [gtin, s]))) for s in serials)
    nodes = [b""] * (len(leaves) - 1) + leaves[::-1]
    for i in range(len(leaves) - 2, -1, -1):
        a, b = sorted((nodes[2 * i + 1], nodes[2 * i + 2]))
        nodes[i] = keccak(a + b)
    return nodes[0]


def timed(function, *arguments):
    start = time.perf_counter()
    value = function(*arguments)
    return value, time.perf_counter() - start


def bench_trees(results: dict) -> None:
    serials = [f"{i:013d}" for i in range(1_000_000)]
    tree, seconds = timed(SerialTree.of, GTIN, serials)
    results["merkle_build_1000000_s"] = round(seconds, 3)
    sample = serials[:100_000]
    ours, ours_s = timed(SerialTree.of, GTIN, sample)
    naive, naive_s = timed(naive_tree_root, GTIN, sample)
    assert ours.root == naive, "the baseline and the platform disagree on the root"
    results["merkle_build_100000_s"] = round(ours_s, 3)
    results["merkle_build_100000_naive_s"] = round(naive_s, 3)
    results["merkle_speedup_vs_naive"] = round(naive_s / ours_s, 2)
    return tree


def bench_gas(results: dict, million_tree: SerialTree) -> None:
    regulator, manufacturer, applicant = accounts.test_accounts[0:3]
    participants = project().Participants.deploy(regulator, CID, sender=regulator)
    resources = project().Resources.deploy(participants, sender=regulator)

    results["gas_participants_apply"] = participants.apply(CID, sender=manufacturer).gas_used
    results["gas_participants_approve"] = participants.approve(manufacturer, int(Role.MANUFACTURER), sender=regulator).gas_used
    participants.apply(CID, sender=applicant)
    resources.assign_prefix(GTIN % 10**13 // 10**6, 7, manufacturer, sender=regulator)
    results["gas_register_product"] = resources.register_product(
        GTIN, int(Category.DRUG), "Метформин (Metformin)", "таблетки 500 мг № 60", CID, CID, sender=manufacturer
    ).gas_used
    now = chain.blocks.head.timestamp
    trees = {
        1: SerialTree.of(GTIN, ["0000000000001"]),
        1000: SerialTree.of(GTIN, [f"{i:013d}" for i in range(1000)]),
        1_000_000: million_tree,
    }
    for size, tree in trees.items():
        receipt = resources.commission_batch(
            GTIN, f"LOT{size}", now - 30 * DAY, now + 700 * DAY, size, tree.root, CID, CID, sender=manufacturer
        )
        results[f"gas_commission_batch_{size}"] = receipt.gas_used
    results["gas_commission_ratio_1000000_to_1"] = round(
        results["gas_commission_batch_1000000"] / results["gas_commission_batch_1"], 3
    )
    results["gas_recall_batch"] = resources.recall_batch(GTIN, "LOT1000", 1, CID, sender=manufacturer).gas_used
    bench_custody(results, participants, resources, million_tree)


def bench_custody(results: dict, participants, resources, million_tree: SerialTree) -> None:
    """Ship, receive and decommission (a proof of depth 20) on the million-unit batch; and
    serialization cost per unit, Merkle root against one ERC-721 token per unit."""
    regulator, manufacturer, _, distributor, pharmacy = accounts.test_accounts[0:5]
    custody = project().Custody.deploy(participants, resources, sender=regulator)
    resources.set_custody(custody, sender=regulator)
    for account, role in ((distributor, Role.DISTRIBUTOR), (pharmacy, Role.PHARMACY)):
        participants.apply(CID, sender=account)
        participants.approve(account, int(role), sender=regulator)
    commission = custody.commission(GTIN, "LOT1000000", sender=manufacturer)
    results["gas_custody_commission"] = commission.gas_used
    batch = bytes(resources.batch_id(GTIN, "LOT1000000"))
    shipped = custody.ship(batch, distributor, 1000, CID, sender=manufacturer)
    results["gas_ship"] = shipped.gas_used
    results["gas_receive"] = receive(custody, shipped, distributor).gas_used
    to_pharmacy = custody.ship(batch, pharmacy, 100, CID, sender=distributor)
    receive(custody, to_pharmacy, pharmacy)
    # The contract takes the unit hash and computes the leaf itself (no inner node passes as a unit).
    unit = unit_hash(GTIN, f"{12345:013d}")
    proof = million_tree.proof(leaf_of_unit_hash(unit))
    assert len(proof) == 20
    results["gas_decommission_depth20"] = custody.decommission(batch, unit, proof, 1, sender=pharmacy).gas_used
    results["gas_per_unit_merkle_1000000"] = round(
        (results["gas_commission_batch_1000000"] + results["gas_custody_commission"]) / 1_000_000, 3
    )
    baseline = project().UnitTokenBaseline.deploy(sender=regulator)
    mints = [baseline.mint(manufacturer, int.from_bytes(leaf, "big"), sender=regulator).gas_used
             for leaf in million_tree.leaves[:20]]
    results["gas_per_unit_erc721_mint"] = round(sum(mints) / len(mints))
    results["serialization_cost_ratio_erc721_to_merkle"] = round(
        results["gas_per_unit_erc721_mint"] / results["gas_per_unit_merkle_1000000"]
    )


def receive(custody, shipped, consignee):
    """The consignee receives the shipment that `shipped` logged."""
    log = shipped.decode_logs(custody.Shipped)[0]
    return custody.receiveShipment(log.shipmentId, shipment_record(log), sender=consignee)


def bench_decoding(results: dict) -> None:
    """Decode rate on 200 simulated phone photos of the project's labels (fixed seed)."""
    import sys

    sys.path.insert(0, str(HERE.parent))
    from dapp.errors import PlatformError
    from dapp.codes.qr import decode_codes
    from tests.codes.phone_photos import phone_photos

    photos = phone_photos(200, seed=4321)
    decoded = 0
    start = time.perf_counter()
    for uri, photo in photos:
        try:
            decoded += uri in [code.text for code in decode_codes(photo)]
        except PlatformError:
            pass
    results["qr_decode_rate_phone_like"] = round(decoded / len(photos), 3)
    results["qr_decode_mean_ms"] = round((time.perf_counter() - start) / len(photos) * 1000, 1)


def write_report(results: dict) -> None:
    (HERE / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    anvil = subprocess.run(["anvil", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    rows = "\n".join(f"| `{name}` | {value:,} |" for name, value in sorted(results.items()))
    hard_photos = HARD_PHOTOS_SECTION.read_text(encoding="utf-8") if HARD_PHOTOS_SECTION.exists() else ""
    (HERE / "RESULTS.md").write_text(f"""# Benchmark results

Run by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({cpu}),
Python {platform.python_version()}, {anvil}.

| name | value |
|---|---|
{rows}

How each figure is measured:
- `gas_*`: `gas_used` of the transaction's receipt on anvil (started by ape-foundry), fresh
  contracts, first write of each slot (the dearest case). Targets: commissioning any batch
  at most 150,000 gas whatever its size; `gas_commission_ratio_1000000_to_1` shows that a
  million-unit batch costs what a one-unit batch costs (only the 32-byte root is stored).
- `gas_tender_*`, `gas_bid_*`, `gas_award_*`: a tender for 100 units at most 10,000.00 rubles
  (1 % bid security, 10 % performance security) on fresh Participants, Resources, Custody,
  PaymentToken and Tenders, each transaction in its dearest honest case: every slot it writes
  written for the first time where a tender can make it so, no gas refund a tender need not get.
  `gas_tender_create`: the contract's first tender (its counter and token balance start at zero),
  for one GTIN, the hospital keeping a balance and a finite allowance; `gas_tender_create_spec`:
  a specification with the most accepted GTINs allowed (`MAX_ACCEPTED_GTINS`, 16), first tender
  of another fresh Tenders. `gas_bid_commit`: `commitBid` from the supplier's wallet with its bid
  security transfer, neither its balance nor its finite allowance emptied; `gas_bid_commit_by_sig`:
  the same bid signed as EIP-712 typed data with an EIP-2612 permit, sent by a relayer.
  `gas_bid_reveal`: the dearest of three reveals, each of which takes the lead.
  `gas_award_bids_1`, `gas_award_bids_10`, `gas_award_bids_1000`: the award of a tender on which
  1, 10 or 1,000 distinct active suppliers committed and revealed (the 1,000 built by raw JSON-RPC
  batches), the winning price 25 % or more below the maximum (the anti-dumping branch), the
  hospital owed nothing before; `gas_award_bids_10_one_unrevealed`: the same with one of 10 bids
  left sealed (its security forfeited to the hospital). `gas_tender_deliver`: the winner's
  `Custody.ship` of the 100 units tagged with the tender (part of its stock left);
  `gas_tender_receive`: the hospital receiving them (its first holding of the batch);
  `gas_tender_accept`: `acceptDelivery` of that shipment, which completes the tender and credits
  the winner, owed nothing until then. `gas_tender_withdraw`: a losing bidder's
  `claimBidSecurity`, its token balance empty before (it had bid all it had);
  `gas_tender_withdraw_owed`: the winner's `withdraw` of the bid security owed back to it once it
  posted performance security, its balance empty before. Targets: commit at most 80,000, reveal
  60,000, award 120,000 whatever the number of bids.
- `merkle_build_1000000_s`: wall time of `SerialTree.of` on 1,000,000 serials of 13 characters
  (leaf hashing spread over the cores, tree built in one array). Target: at most 10 s.
- `gas_ship`, `gas_receive`, `gas_decommission_depth20`: a shipment of 1,000 units of the
  million-unit batch, its receipt, and one unit dispensed with its 20-hash proof. Target:
  each at most 80,000 gas.
- `gas_per_unit_merkle_1000000`: (registering the 1,000,000-unit batch + placing it in custody)
  / 1,000,000, against `gas_per_unit_erc721_mint`: the mean gas of 20 OpenZeppelin ERC-721
  mints (one token per unit, fresh ids) in the same run; `serialization_cost_ratio_erc721_to_merkle`
  is their ratio.
- `qr_decode_rate_phone_like`: share of 200 simulated phone photos of project labels
  (rotation, perspective, blur, noise, uneven light, JPEG 25-85; seed 4321) whose code
  `dapp.codes.qr.decode_codes` reads back exactly; `qr_decode_mean_ms` the mean time per photo.
  Target: at least 0.95.
- `verify_p50_ms`, `verify_p95_ms`: scan-to-verdict time of 1,000 verifications, each from a
  640x480 JPEG camera frame of a label: QR decoding, code parsing, the chain read
  (at most three JSON-RPC batch round trips: the head block; `Custody.verdictData` with the
  logs of the blocks not seen yet; the organizations, block times and product not cached yet)
  and the verdict with its history. One scan in ten is of a pack already dispensed. The chain,
  on the same anvil: 1,000 batches of 1,000 serials (`verify_chain_units`,
  `verify_chain_batches`), each shipped manufacturer → distributor → four pharmacies and
  received, 500 units dispensed (`verify_chain_custody_events` custody events, in
  `verify_chain_blocks` blocks mined on demand, none left to mine while timing); built in
  `verify_chain_build_s`. `verify_decode_p50_ms` and
  `verify_chain_p50_ms` split the median between decoding and the rest. Target: p95 at most 50.
- `verify_clean_verifier_p50_ms`, `verify_clean_verifier_p95_ms`: a verifier that has only the
  chain's URL, the public deployment record and an IPFS node of its own, connected on loopback to
  the operator's node, which alone holds the documents and proof trees
  (`verify_clean_verifier_documents_published` of them): each of 60 verifications (the demo's
  labels, 5 rounds) is a new verifier with an empty proof cache, its node emptied (`repo gc`) in
  between, so the batch's proof tree (by the CID on chain, checked against it and the on-chain
  root), the organizations' metadata and the documents cross from the operator's node every time.
  Target: p95 at most 300. `bench/verify_clean.py` runs it alone.
- `resolver_json_p50_ms`, `resolver_json_p95_ms`: the dApp's server (`python -m dapp.ui.serve`,
  Streamlit's Starlette app under uvicorn, on loopback) answering `GET /01/<gtin>/10/<lot>/21/<serial>`
  with `Accept: application/json`: one client on one keep-alive connection, the 12 demo labels'
  Digital Links in turn (with `?scanner=` where the demo scans at an organization), 20 requests to
  warm up then 200 timed one after the other, against an anvil loaded with the seeded demo world.
  Each is a full verdict (the chain read at the head block, documents checked against their CIDs,
  the history) and its JSON. Target: p95 at most 30. `bench/resolver_latency.py` runs it alone.
- `browser_photo_to_verdict_p50_ms`, `browser_photo_to_verdict_p95_ms`: Debian's Chromium
  (Playwright) on the Verify page of the dApp's server on loopback, its fake camera playing a
  Y4M video of the printed genuine demo label (tests/fixtures/camera.py): from the click on
  "Take Photo" to the verdict banner on screen (the photo's upload, decoding on the server, the
  chain's reads, the page's rerun and rendering), then "Clear photo"; 5 scans to warm up, then
  50 timed. Target: p95 at most 1,000. `bench/browser_verify.py` runs it alone.
- `browser_live_scan_to_verdict_p50_ms`, `browser_live_scan_to_verdict_p95_ms`: the same browser
  and server, live scanning (the Verify page's default): the fake camera loops 1.5 s of bare desk
  and 1.5 s of the printed genuine demo label at 15 frames a second; the page decodes the frames
  (zxing-cpp as WebAssembly, served by the dApp) and sends the text read. From the first video
  frame showing the label (seen by a probe on a clone of the camera's track, on the page's own
  clock) to that read's verdict shown over the video (the scanner notes the moment);
  "Scan the next pack" pressed during the desk;
  3 scans to warm up, then 30 timed. `browser_live_scan_frame_decode_p50_ms`: the scanner's own
  time to decode the frame it read. Target: p95 at most 700. `bench/browser_live_scan.py` runs it alone.
- `qr_decode_rate_hard_*`, `datamatrix_decode_rate_hard_*`, `qr_decode_p95_ms`,
  `qr_decode_p50_ms_hard_set`: the hard phone photos, below. Targets: 0.95 for the QR and the
  DataMatrix photos of all tiers, 0.85 for the QR photos of the hardest tier, p95 at most 150 ms.
- `browser_commission_1000000_s`: Debian's Chromium on the Supplier's workspace (dev mode, acting
  as a demo manufacturer) uploading a text file of 1,000,000 serials: from the upload to the
  commissioning transactions sent and mined (the list read and checked against GS1's rules, the
  Merkle tree built, the proof tree and list stored, the dry run, both calls);
  `browser_commission_check_1000000_s` up to the checked list on screen. Target: at most 30.
  `bench/browser_commission.py` runs it alone.
- `browser_tender_flow_s`: Debian's Chromium on the dApp's pages (dev mode) against the seeded
  demo world: a tender from its publication to the winner's withdrawal (publish, a bid by
  transaction, a bid signed with an injected wallet and relayed from its file, both reveals from
  fresh browser profiles, award, security, delivery, the hospital scanning two packs to receive
  it, acceptance, withdrawal), each step in a fresh browser context with its sign-in. The
  browser's seconds only: the chain's clock moves and the indexer's catch-ups are not counted.
  `bench/browser_tender_flow.py` runs it alone.
- `indexer_events_per_s_sqlite`, `indexer_events_per_s_postgres`: events stored per second of
  `Indexer.catch_up` from the deployment block to the head of an anvil of the benchmark's own
  (`indexer_chain_events` events in `indexer_chain_blocks` blocks: a freshly deployed platform
  and 100,000 real `Shipped`/`Received` custody events, 250 a transaction through `BulkCaller`
  contracts), into a fresh SQLite file and into a fresh database of a PostgreSQL 15 on loopback
  (fsync on), projections and running balances included, each range in its own database
  transaction; the median of `indexer_runs` indexings from scratch of each, each timed in a
  Python process of its own as `ape run index` runs (not in this one, which holds the other
  benchmarks' heaps, a tree of a million serials among them). The indexer reads
  and decodes the next range in a child process while it writes the current one, so the two
  cores share the reading, anvil and the writing. `ape_query_events_per_s`: the same events
  read through Ape's `Contract.EventName.query` for every event of every platform contract,
  in the same run, against the same node; `indexer_speedup_vs_ape_query` is the SQLite rate
  over Ape's, `indexer_speedup_vs_ape_query_postgres` PostgreSQL's.
  Targets: at least 5,000 events/s, and 10 times Ape's query.
- `turnover_report_100x1000_s`: the quarterly turnover reports of 100 organizations × 1,000
  resources (a norm for every pair, 500,000 stock movements over the quarter and before it),
  computed from a SQLite file after the movements are in (the indexer fills the running
  balances as it writes each range; not timed here), in a Python process of its own as a
  report command would be. Target: at most 2 s.
- `merkle_build_100000_s` against `merkle_build_100000_naive_s`: the same 100,000 serials built by
  the platform and by a naive port of StandardMerkleTree (eth-abi encoding, eth-hash keccak,
  one core), in the same process; both give the same root. `merkle_speedup_vs_naive` is their ratio.

{hard_photos}""")


def bench_turnover(results: dict) -> None:
    """`turnover_report_100x1000_s`: every organization's quarterly report, on SQLite, in a
    process of its own as a report command runs: this one holds the benchmarks' large heaps,
    which the garbage collector walks while the report makes its 100,000 rows (2.1 s here
    against 1.4 s in a fresh process)."""
    from dapp.paths import data_dir

    output = subprocess.run(
        [sys.executable, str(HERE / "turnover_bench.py"), f"sqlite:///{data_dir() / 'bench-turnover.db'}"],
        check=True, capture_output=True, text=True, cwd=HERE.parent,
    ).stdout
    results["turnover_report_100x1000_s"] = float(output.rsplit("turnover_report_100x1000_s:", 1)[1].split()[0])


def main() -> None:
    results: dict = {}
    million_tree = bench_trees(results)
    bench_decoding(results)
    bench_hard_decoding(results)
    os.environ["MEDCHAIN_RPC_URL"] = "auto"
    with networks.parse_network_choice("ethereum:local:foundry"):
        bench_gas(results, million_tree)
        bench_verify(results, accounts.test_accounts[0])
        bench_tenders(results, accounts.test_accounts)
    bench_verify_clean(results)
    bench_indexer(results)
    bench_turnover(results)
    bench_resolver(results)
    bench_browser_verify(results)
    bench_browser_live_scan(results)
    bench_browser_commission(results)
    bench_browser_tender_flow(results)
    write_report(results)
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
