"""Scan-to-verdict latency on a chain the size of a region's year of serialized packs.

Builds, on the anvil the benchmark runs on: 10 manufacturers, 10 distributors, 20 pharmacies;
100 products; 1,000 batches of 1,000 serials (1,000,000 units, every tree in a proof store);
each batch commissioned into custody, shipped to a distributor and received, then shipped
on to four pharmacies and received (11,500 custody events with 500 units dispensed).
Transactions go as raw JSON-RPC batches from impersonated accounts, blocks mined on demand
(automine off: see `raw_chain.RawChain`), so that no verification is timed against a node
still busy mining.

Then times 1,000 verifications, each from a camera frame (a 640x480 JPEG of a label):
decode + parse + chain read + history, as `scripts/verify.py` does them.
"""

from __future__ import annotations

import io
import random
import statistics
import time

from eth_utils import to_checksum_address
from PIL import Image
from raw_chain import RawChain, calldata

from dapp.chain.deploy import deploy_platform
from dapp.codes.gs1 import digital_link, parse_code
from dapp.codes.labels import Label, label_png
from dapp.verification.merkle import SerialTree, leaf_hash, unit_hash
from dapp.verification.proofs import ProofStore
from dapp.codes.qr import decode_codes
from dapp.roles import Role
from dapp.verification.verdicts import Verifier, batch_id

CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
DAY = 86400
MANUFACTURERS, DISTRIBUTORS, PHARMACIES = 10, 10, 20
PRODUCTS_PER_MANUFACTURER, BATCHES_PER_PRODUCT, UNITS_PER_BATCH = 10, 10, 1000
PHARMACIES_PER_BATCH = 4
DISPENSED = 500
VERIFICATIONS = 1000


def gtin_with_check_digit(body: int) -> int:
    """A GTIN-14 from its 13-digit body (GS1 mod-10 check digit)."""
    from biip.checksums import gs1_standard_check_digit

    text = f"{body:013d}"
    return int(text + str(gs1_standard_check_digit(text)))


def build_chain(raw: RawChain, deployment, proofs: ProofStore, now: int) -> dict:
    """The chain described above; returns what the verifications draw from."""
    participants, resources, custody = (deployment.address(n) for n in ("Participants", "Resources", "Custody"))
    regulator = deployment.deployer
    org = lambda kind, i: to_checksum_address(f"0x{kind:02x}{i:038x}")  # noqa: E731
    manufacturers = [org(0xA1, i) for i in range(MANUFACTURERS)]
    distributors = [org(0xB2, i) for i in range(DISTRIBUTORS)]
    pharmacies = [org(0xC3, i) for i in range(PHARMACIES)]
    for account in manufacturers + distributors + pharmacies:
        raw.rpc("anvil_setBalance", account, hex(10**21))
    roles = [(manufacturers, Role.MANUFACTURER), (distributors, Role.DISTRIBUTOR), (pharmacies, Role.PHARMACY)]
    raw.send_all([(a, participants, calldata("Participants", "apply", CID)) for group, _ in roles for a in group])
    raw.send_all([(regulator, participants, calldata("Participants", "approve", a, int(role)))
                  for group, role in roles for a in group])

    batches = []  # (gtin, lot, manufacturer, tree, serials)
    products, registrations, commissions = [], [], []
    prefixes = []  # each manufacturer's GS1 company prefix (9 digits of the GTIN-13), assigned first
    for m, manufacturer in enumerate(manufacturers):
        first = gtin_with_check_digit(4_607_000_000_000 + m * 1000)
        prefixes.append((regulator, resources, calldata("Resources", "assign_prefix", first % 10**13 // 10**4, 9,
                                                        manufacturer)))
        for p in range(PRODUCTS_PER_MANUFACTURER):
            gtin = gtin_with_check_digit(4_607_000_000_000 + m * 1000 + p)
            products.append((manufacturer, resources, calldata(
                "Resources", "register_product", gtin, 1, f"Product {m}-{p} (Paracetamolum)", "tablets 500 mg", CID, CID)))
            for b in range(BATCHES_PER_PRODUCT):
                lot = f"L{m:02d}{p:02d}{b:03d}"
                serials = [f"S{m:02d}{p:02d}{b:03d}{i:06d}" for i in range(UNITS_PER_BATCH)]
                tree = SerialTree.of(gtin, serials)
                proofs.save(batch_id(gtin, lot), tree)
                batches.append((gtin, lot, manufacturer, tree, serials))
                registrations.append((manufacturer, resources, calldata(
                    "Resources", "commission_batch", gtin, lot, now - 30 * DAY, now + 700 * DAY, UNITS_PER_BATCH,
                    tree.root, CID, CID)))
                commissions.append((manufacturer, custody, calldata("Custody", "commission", gtin, lot)))
    raw.send_all(prefixes)
    raw.send_all(products)
    raw.send_all(registrations)
    raw.send_all(commissions)

    # Every batch to a distributor, then on to four pharmacies.
    ships, hops = [], []
    for n, (gtin, lot, manufacturer, _, _) in enumerate(batches):
        distributor = distributors[n % DISTRIBUTORS]
        ships.append((manufacturer, custody, calldata("Custody", "ship", batch_id(gtin, lot), distributor, 800, CID)))
        for k in range(PHARMACIES_PER_BATCH):
            pharmacy = pharmacies[(PHARMACIES_PER_BATCH * n + k) % PHARMACIES]
            hops.append((distributor, pharmacy, (gtin, lot)))
    raw.send_all(ships)
    receive_all(raw, custody, deployment)
    raw.send_all([(distributor, custody, calldata("Custody", "ship", batch_id(*key), pharmacy, 100, CID))
                  for distributor, pharmacy, key in hops])
    receive_all(raw, custody, deployment)

    # Dispenses by the pharmacies that received the batches.
    dispenses, dispensed = [], set()
    pharmacy_of = {}
    for _, pharmacy, key in hops:
        pharmacy_of.setdefault(key, pharmacy)
    rng = random.Random(11)
    for gtin, lot, _, tree, serials in rng.sample(batches, DISPENSED):
        serial = serials[rng.randrange(UNITS_PER_BATCH)]
        leaf = leaf_hash(gtin, serial)
        dispenses.append((pharmacy_of[(gtin, lot)], custody, calldata(
            "Custody", "decommission", batch_id(gtin, lot), unit_hash(gtin, serial), tree.proof(leaf), 1)))
        dispensed.add((gtin, lot, serial))
    raw.send_all(dispenses)
    return {"batches": batches, "dispensed": dispensed}


def receive_all(raw: RawChain, custody: str, deployment) -> None:
    """Every shipment still in transit, received by its consignee."""
    from dapp.chain.reader import ChainReader

    reader = ChainReader(deployment, raw.uri)
    logs = reader.one(reader.logs(["Custody"]))
    done = {log.args["shipmentId"] for log in logs if log.event in ("Received", "Rejected", "Reclaimed")}
    raw.send_all([
        (log.args["consignee"], custody, calldata(
            "Custody", "receiveShipment", log.args["shipmentId"],
            tuple(log.args[field] for field in ("batchId", "shipper", "consignee", "quantity", "tenders", "tenderId",
                                                "shippedAt"))))
        for log in logs if log.event == "Shipped" and log.args["shipmentId"] not in done
    ])


def camera_frame(uri: str, rng: random.Random) -> bytes:
    """A 640x480 JPEG of the label, as a phone's camera stream gives it."""
    label = Image.open(io.BytesIO(label_png(Label(uri=uri, lines=[uri])))).convert("L")
    label.thumbnail((360, 360))
    frame = Image.new("L", (640, 480), rng.randrange(170, 230))
    frame.paste(label, (rng.randrange(0, 640 - label.width), rng.randrange(0, 480 - label.height)))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=80)
    return out.getvalue()


def bench_verify(results: dict, account) -> None:
    """`verify_p50_ms`, `verify_p95_ms` (and the parts), on the chain `build_chain` makes."""
    from ape import chain

    deployment = deploy_platform(account, log=lambda _: None)
    raw = RawChain(chain.provider.uri)
    proofs = ProofStore()
    start = time.perf_counter()
    with raw:
        world = build_chain(raw, deployment, proofs, chain.blocks.head.timestamp)
    results["verify_chain_build_s"] = round(time.perf_counter() - start, 1)
    logs = raw.session.post(raw.uri, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [
        {"address": deployment.address("Custody"), "fromBlock": hex(deployment.first_block)}]}).json()["result"]
    results["verify_chain_custody_events"] = len(logs)
    results["verify_chain_blocks"] = int(raw.rpc("eth_blockNumber"), 16) - deployment.first_block + 1
    results["verify_chain_units"] = sum(len(b[4]) for b in world["batches"])
    results["verify_chain_batches"] = len(world["batches"])

    rng = random.Random(2026)
    dispensed = sorted(world["dispensed"])
    scans = []
    for n in range(VERIFICATIONS):
        if n % 10 == 0:  # one scan in ten is of a pack already dispensed: a cloned code
            gtin, lot, serial = dispensed[n % len(dispensed)]
        else:
            gtin, lot, _, _, serials = rng.choice(world["batches"])
            serial = rng.choice(serials)
        scans.append(camera_frame(digital_link(gtin, serial, lot), rng))

    verifier = Verifier(proofs)
    verifier.verify(parse_code(decode_codes(scans[0])[0].text))  # warm caches as a running service has them
    totals, decodes, verdicts = [], [], {"GENUINE": 0, "SUSPECT": 0}
    for frame in scans:
        begin = time.perf_counter()
        text = decode_codes(frame)[0].text
        decoded = time.perf_counter()
        verdict = verifier.verify(parse_code(text))
        end = time.perf_counter()
        totals.append((end - begin) * 1000)
        decodes.append((decoded - begin) * 1000)
        verdicts[verdict.status] += 1
    assert verdicts["SUSPECT"] >= VERIFICATIONS // 10, verdicts
    results["verify_p50_ms"] = round(statistics.median(totals), 1)
    results["verify_p95_ms"] = round(statistics.quantiles(totals, n=100)[94], 1)
    results["verify_decode_p50_ms"] = round(statistics.median(decodes), 1)
    results["verify_chain_p50_ms"] = round(statistics.median([t - d for t, d in zip(totals, decodes)]), 1)
    results["verify_suspect_share"] = round(verdicts["SUSPECT"] / VERIFICATIONS, 3)
