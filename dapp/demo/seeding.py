"""Writing the demo world (dapp.demo.world) onto a local chain, step by step and idempotently: its
organizations, products, batches and their movements, then its tenders (dapp.demo.tender_seeding).

Each step looks at the chain first and acts only when its effect is missing, so running
the seed again, or after an interruption, is harmless.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from dapp.demo import world as demo
from dapp.chain.connection import contract, current_deployment, event_logs
from dapp.demo.labels import write_demo_labels
from dapp.documents.default_store import save_document
from dapp.verification.merkle import SerialTree, leaf_hash, unit_hash
from dapp.paths import serials_dir
from dapp.verification.proofs import ProofStore, publish_tree
from dapp.actions import custody as custody_actions
from dapp.actions import participants as participant_actions
from dapp.actions import resources as resource_actions
from dapp.actions.custody import shipment_record
from dapp.chain.signers import ApeSigner, carry_out
from dapp.roles import BatchStatus, ShipmentStatus, Status
from dapp.demo.tender_seeding import TenderSeeder, keep_clock

# The chain id of anvil and other development chains, whose dev accounts the seed uses.
DEV_CHAIN_ID = 31337
# Enough ether for a demo organization's transactions, sent when its account has none.
FUNDING_WEI = 100 * 10**18
_ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@dataclass
class SeedReport:
    done: list[str] = field(default_factory=list)
    skipped: int = 0

    def did(self, line: str, log: Callable[[str], None]) -> None:
        self.done.append(line)
        log(line)


def _day_start(timestamp: int) -> int:
    return timestamp - timestamp % demo.DAY


def serial_list_path(gtin: str, lot: str):
    return serials_dir() / f"{gtin}-{lot}.txt"


class _Seeder:
    """One seeding run: the contracts, the accounts, and what was done."""

    def __init__(self, regulator_account, log: Callable[[str], None]):
        from ape import accounts, chain

        if chain.chain_id != DEV_CHAIN_ID:
            raise RuntimeError(
                f"the demo seed uses the development chain's well-known keys and runs only on a local "
                f"development chain (chain id {DEV_CHAIN_ID}); this chain's id is {chain.chain_id}"
            )
        self.chain = chain
        self.deployment = current_deployment()
        self.participants = contract("Participants", self.deployment)
        self.resources = contract("Resources", self.deployment)
        self.custody = contract("Custody", self.deployment)
        self.proofs = ProofStore()
        self.regulator = regulator_account
        self.dev_accounts = accounts.test_accounts
        self.report = SeedReport()
        self.log = log
        if not self.participants.is_active(regulator_account, int(demo.Role.REGULATOR)):
            raise RuntimeError(f"{regulator_account.address} is not an active regulator of this deployment; "
                               "seed with the account that deployed the platform (its first regulator)")

    def account(self, key: str):
        if key == demo.REGULATOR.key:
            return self.regulator
        return self.dev_accounts[demo.organization(key).account_index]

    def did(self, line: str) -> None:
        self.report.did(line, self.log)

    def carry_out(self, action, account):
        """The seam every action of the platform takes: prepared, dry-run, sent by the account."""
        return carry_out(action, ApeSigner(account))

    def run(self) -> SeedReport:
        keep_clock(self.chain, self.log)
        self.organizations()
        self.prefixes()
        tenders = TenderSeeder(self)
        # Batches are dated from the time the chain will show once the tenders have moved its clock.
        now = self.chain.blocks.head.timestamp + tenders.time_ahead()
        for product in demo.PRODUCTS:
            self.product(product)
            for batch in product.batches:
                self.batch(product, batch, now)
        self.shipments()
        self.decommissions()
        for product in demo.PRODUCTS:
            for batch in product.batches:
                self.retire(product, batch)
        self.suspensions()
        tenders.run()
        write_demo_labels()
        return self.report

    def organizations(self) -> None:
        """Organizations apply, and the regulator approves them."""
        for organization in demo.ORGANIZATIONS:
            if organization.key == demo.REGULATOR.key:
                continue
            account = self.account(organization.key)
            if self.chain.provider.get_balance(account.address) == 0:
                self.regulator.transfer(account, FUNDING_WEI)
            status = Status(self.participants.organization(account).status)
            if status == Status.NONE:
                cid = save_document(json.dumps(organization.metadata(), ensure_ascii=False, sort_keys=True).encode())
                self.carry_out(participant_actions.apply(self.deployment, account, cid), account)
                status = Status.APPLIED
                self.did(f"{organization.name} applied ({account.address})")
            if status == Status.APPLIED and organization.approved:
                self.carry_out(participant_actions.approve(self.deployment, self.regulator, account, organization.roles),
                               self.regulator)
                self.did(f"{organization.name} approved as {organization.roles.name}")
            else:
                self.report.skipped += 1

    def prefixes(self) -> None:
        """The regulator assigns each manufacturer its GS1 company prefix, before any product."""
        for key, prefix in demo.COMPANY_PREFIXES.items():
            account = self.account(key)
            if self.resources.prefix_owner(int(prefix), len(prefix)) == account.address:
                self.report.skipped += 1
                continue
            self.carry_out(resource_actions.assign_prefix(self.deployment, self.regulator, prefix, account),
                           self.regulator)
            self.did(f"company prefix {prefix} assigned to {key}")

    def product(self, product: demo.Product) -> None:
        """A product, registered by its manufacturer."""
        gtin = int(product.gtin)
        if self.resources.product(gtin).manufacturer != _ZERO_ADDRESS:
            self.report.skipped += 1
            return
        characteristics = save_document(json.dumps(product.characteristics(), ensure_ascii=False).encode())
        certificate = save_document(json.dumps(
            {"registration_certificate": product.certificate, "gtin": product.gtin, "name": product.name},
            ensure_ascii=False).encode())
        manufacturer = self.account(product.manufacturer)
        self.carry_out(resource_actions.register_product(self.deployment, manufacturer, gtin, product.category,
                                                         product.name, product.dosage_form, characteristics,
                                                         certificate), manufacturer)
        self.did(f"product {product.gtin} {product.name} registered")

    def batch(self, product: demo.Product, batch: demo.Batch, now: int) -> None:
        """A batch: serial list kept, registered with its root, tree in the proof store,
        quantity placed in custody with the manufacturer."""
        gtin = int(product.gtin)
        manufacturer = self.account(product.manufacturer)
        serials = demo.serials(product.gtin, batch.lot, batch.quantity)
        path = serial_list_path(product.gtin, batch.lot)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(serials) + "\n")
        identifier = bytes(self.resources.batch_id(gtin, batch.lot))
        tree = None
        if self.resources.batch(gtin, batch.lot).status == BatchStatus.NONE:
            tree = SerialTree.of(gtin, serials)
            manufactured = _day_start(now) - batch.manufactured_days_ago * demo.DAY
            expires = manufactured + batch.shelf_life_days * demo.DAY + demo.DAY - 1  # the end of the last day
            documents = save_document(json.dumps(
                {"quality_certificate": f"{product.certificate}/{batch.lot}", "gtin": product.gtin, "lot": batch.lot,
                 "quantity": batch.quantity}, ensure_ascii=False).encode())
            self.carry_out(resource_actions.commission_batch(self.deployment, manufacturer, gtin, batch.lot, manufactured,
                                                             expires, batch.quantity, tree.root, documents,
                                                             publish_tree(tree)),
                           manufacturer)
            self.did(f"batch {product.gtin}/{batch.lot}: {batch.quantity} units registered")
        else:
            self.report.skipped += 1
        if not self.proofs.has(identifier):
            self.proofs.save(identifier, tree or SerialTree.of(gtin, serials))
        active = self.resources.batch(gtin, batch.lot).status == BatchStatus.ACTIVE
        if self.custody.ledger(identifier).commissioned == 0 and active:
            self.carry_out(custody_actions.commission(self.deployment, manufacturer, gtin, batch.lot), manufacturer)
            self.did(f"batch {product.gtin}/{batch.lot}: {batch.quantity} units placed in custody")

    def shipments(self) -> None:
        """Shipments, each tagged by its waybill's CID so that a second run finds it."""
        shipped = {log.documentCid: log for log in event_logs(self.custody.Shipped, self.deployment)}
        for number, shipment in enumerate(demo.SHIPMENTS, start=1):
            waybill_number = f"DEMO-{number:04d}"
            waybill = save_document(json.dumps(
                {"waybill": waybill_number, "gtin": shipment.gtin, "lot": shipment.lot,
                 "quantity": shipment.quantity, "from": shipment.shipper, "to": shipment.consignee},
                ensure_ascii=False, sort_keys=True).encode())
            identifier = self.resources.batch_id(int(shipment.gtin), shipment.lot)
            consignee = self.account(shipment.consignee)
            log = shipped.get(waybill)
            if log is None:
                shipper = self.account(shipment.shipper)
                log = self.carry_out(custody_actions.ship(self.deployment, shipper, bytes(identifier), consignee,
                                                          shipment.quantity, waybill,
                                                          label=f"{shipment.gtin}/{shipment.lot}"), shipper)
                self.did(f"shipment {waybill_number}: {shipment.quantity} × {shipment.gtin}/{shipment.lot} "
                         f"{shipment.shipper} → {shipment.consignee}")
            record = shipment_record(log)
            status = self.custody.shipmentStatus(log.shipmentId, record)
            if status != ShipmentStatus.IN_TRANSIT or shipment.outcome == "in_transit":
                self.report.skipped += 1
            elif shipment.outcome == "received":
                self.carry_out(custody_actions.receive(self.deployment, consignee, log.shipmentId, record), consignee)
                self.did(f"shipment {waybill_number} received by {shipment.consignee}")
            else:
                reason = save_document(json.dumps({"rejection": waybill_number,
                                                   "reason": "cold chain broken in transit"}).encode())
                self.carry_out(custody_actions.reject(self.deployment, consignee, log.shipmentId, record, reason),
                               consignee)
                self.did(f"shipment {waybill_number} rejected by {shipment.consignee}")

    def decommissions(self) -> None:
        """Units leaving circulation: dispensed, destroyed, stolen."""
        for item in demo.DECOMMISSIONS:
            gtin = int(item.gtin)
            serial = demo.batch_serials(item.gtin, item.lot)[item.serial_index]
            leaf = leaf_hash(gtin, serial)
            identifier = bytes(self.resources.batch_id(gtin, item.lot))
            if self.custody.unit(identifier, leaf).reason != 0:
                self.report.skipped += 1
                continue
            proof = self.proofs.proof(identifier, leaf)
            holder = self.account(item.holder)
            self.carry_out(custody_actions.decommission(self.deployment, holder, identifier, unit_hash(gtin, serial),
                                                        proof, item.reason), holder)
            self.did(f"unit {item.gtin}/{item.lot}/{serial} decommissioned by {item.holder} (reason {item.reason})")

    def retire(self, product: demo.Product, batch: demo.Batch) -> None:
        """A recall or withdrawal, after the batch moved."""
        gtin = int(product.gtin)
        if not batch.retired or self.resources.batch(gtin, batch.lot).status != BatchStatus.ACTIVE:
            return
        sender = self.account(product.manufacturer) if batch.retired_by == "manufacturer" else self.regulator
        reason = save_document(json.dumps(
            {"decision": batch.retired, "gtin": product.gtin, "lot": batch.lot, "reason_code": batch.reason_code},
            ensure_ascii=False).encode())
        retire = resource_actions.recall_batch if batch.retired == "recalled" else resource_actions.withdraw_batch
        self.carry_out(retire(self.deployment, sender, gtin, batch.lot, batch.reason_code, reason), sender)
        self.did(f"batch {product.gtin}/{batch.lot} {batch.retired}")

    def suspensions(self) -> None:
        """Suspensions come last: a suspended manufacturer cannot commission or ship."""
        for organization in demo.ORGANIZATIONS:
            if not organization.suspended:
                continue
            account = self.account(organization.key)
            if Status(self.participants.organization(account).status) == Status.ACTIVE:
                reason = save_document(json.dumps(
                    {"decision": "suspension", "organization": organization.name,
                     "reason": "licence inspection found GMP violations"}, ensure_ascii=False).encode())
                self.carry_out(participant_actions.suspend(self.deployment, self.regulator, account, reason),
                               self.regulator)
                self.did(f"{organization.name} suspended")


def seed_demo(regulator_account, log: Callable[[str], None] = print) -> SeedReport:
    """Write the demo organizations, products, batches and their movements; return what was done."""
    return _Seeder(regulator_account, log).run()
