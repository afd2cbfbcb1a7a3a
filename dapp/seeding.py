"""Writing the demo world (dapp.demo) onto a local chain, step by step and idempotently.

Each step looks at the chain first and acts only when its effect is missing, so running
the seed again, or after an interruption, is harmless.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from dapp import demo
from dapp.chain import contract, current_deployment
from dapp.documents import save_document
from dapp.merkle import SerialTree
from dapp.paths import serials_dir
from dapp.roles import BatchStatus, Status

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


def seed_demo(regulator_account, log: Callable[[str], None] = print) -> SeedReport:
    """Write the demo organizations, products and batches; return what was done."""
    from ape import accounts, chain

    if chain.chain_id != DEV_CHAIN_ID:
        raise RuntimeError(
            f"the demo seed uses the development chain's well-known keys and runs only on a local "
            f"development chain (chain id {DEV_CHAIN_ID}); this chain's id is {chain.chain_id}"
        )
    deployment = current_deployment()
    participants = contract("Participants", deployment)
    resources = contract("Resources", deployment)
    report = SeedReport()
    dev_accounts = accounts.test_accounts

    def account_of(organization: demo.Organization):
        if organization.key == demo.REGULATOR.key:
            return regulator_account
        return dev_accounts[organization.account_index]

    if not participants.is_active(regulator_account, int(demo.Role.REGULATOR)):
        raise RuntimeError(f"{regulator_account.address} is not an active regulator of this deployment; "
                           "seed with the account that deployed the platform (its first regulator)")

    # 1. Organizations apply, and the regulator approves them.
    for organization in demo.ORGANIZATIONS:
        if organization.key == demo.REGULATOR.key:
            continue
        account = account_of(organization)
        if chain.provider.get_balance(account.address) == 0:
            regulator_account.transfer(account, FUNDING_WEI)
        status = Status(participants.organization(account).status)
        if status == Status.NONE:
            cid = save_document(json.dumps(organization.metadata(), ensure_ascii=False, sort_keys=True).encode())
            participants.apply(cid, sender=account)
            status = Status.APPLIED
            report.did(f"{organization.name} applied ({account.address})", log)
        if status == Status.APPLIED and organization.approved:
            participants.approve(account, int(organization.roles), sender=regulator_account)
            report.did(f"{organization.name} approved as {organization.roles.name}", log)
        else:
            report.skipped += 1

    # 2. Products and their batches, by their manufacturers.
    now = chain.blocks.head.timestamp
    for product in demo.PRODUCTS:
        manufacturer = account_of(demo.organization(product.manufacturer))
        gtin = int(product.gtin)
        if resources.product(gtin).manufacturer == _ZERO_ADDRESS:
            characteristics = save_document(json.dumps(product.characteristics(), ensure_ascii=False).encode())
            certificate = save_document(json.dumps(
                {"registration_certificate": product.certificate, "gtin": product.gtin, "name": product.name},
                ensure_ascii=False).encode())
            resources.register_product(gtin, int(product.category), product.name, product.dosage_form,
                                       characteristics, certificate, sender=manufacturer)
            report.did(f"product {product.gtin} {product.name} registered", log)
        for batch in product.batches:
            _seed_batch(resources, product, batch, manufacturer, regulator_account, now, report, log)

    # 3. Suspensions come last: a suspended manufacturer cannot commission.
    for organization in demo.ORGANIZATIONS:
        if organization.suspended:
            account = account_of(organization)
            if Status(participants.organization(account).status) == Status.ACTIVE:
                reason = save_document(json.dumps(
                    {"decision": "suspension", "organization": organization.name,
                     "reason": "licence inspection found GMP violations"}, ensure_ascii=False).encode())
                participants.suspend(account, reason, sender=regulator_account)
                report.did(f"{organization.name} suspended", log)
    return report


def _seed_batch(resources, product, batch, manufacturer, regulator_account, now, report, log):
    gtin = int(product.gtin)
    serials = demo.serials(product.gtin, batch.lot, batch.quantity)
    path = serial_list_path(product.gtin, batch.lot)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(serials) + "\n")
    on_chain = resources.batch(gtin, batch.lot)
    if on_chain.status == BatchStatus.NONE:
        tree = SerialTree.of(gtin, serials)
        manufactured = _day_start(now) - batch.manufactured_days_ago * demo.DAY
        expires = manufactured + batch.shelf_life_days * demo.DAY + demo.DAY - 1  # the end of the last day
        documents = save_document(json.dumps(
            {"quality_certificate": f"{product.certificate}/{batch.lot}", "gtin": product.gtin, "lot": batch.lot,
             "quantity": batch.quantity}, ensure_ascii=False).encode())
        resources.commission_batch(gtin, batch.lot, manufactured, expires, batch.quantity, tree.root, documents,
                                   sender=manufacturer)
        report.did(f"batch {product.gtin}/{batch.lot}: {batch.quantity} units commissioned", log)
    else:
        report.skipped += 1
    if batch.retired and resources.batch(gtin, batch.lot).status == BatchStatus.ACTIVE:
        sender = manufacturer if batch.retired_by == "manufacturer" else regulator_account
        reason = save_document(json.dumps(
            {"decision": batch.retired, "gtin": product.gtin, "lot": batch.lot, "reason_code": batch.reason_code},
            ensure_ascii=False).encode())
        retire = resources.recall_batch if batch.retired == "recalled" else resources.withdraw_batch
        retire(gtin, batch.lot, batch.reason_code, reason, sender=sender)
        report.did(f"batch {product.gtin}/{batch.lot} {batch.retired}", log)
