"""Writing the demo tenders (dapp.demo.world.TENDERS) onto the local chain, one left in each state.

Some states lie past deadlines, so the chain's clock is moved forward (anvil's
`evm_increaseTime`, then `evm_mine`) in three steps: past the bid deadline (reveals), past the
reveal deadline (awards, contracts, deliveries), and past the time the hospital may terminate
the terminated tender: its delivery deadline (at least the award window, `Tenders.AWARD_WINDOW`,
after its reveals) plus the receipt period and the acceptance grace (`TenderClient.
termination_delay`, 30 days). With 44-FZ's minimum periods (7 days of bidding, 2 of reveals)
that is about seven weeks. All in all `time_ahead()`: the seed dates the batches from the time
the chain will show when it is done, so that "expires in 20 days" stays true (and no batch of
the demo world may be younger than the jump: it would be manufactured in the future). The cancelled and the open
tenders are created last, with deadlines counted from then.

Like the rest of the seed, each step looks at the chain first: a demo tender is found again by
its creation log (hospital, product or specification, quantity, maximum price), a bid by the
bidder, a delivery by its waybill's CID. A second run changes nothing and moves no clock.
"""

from __future__ import annotations

import json

from dapp.demo import world as demo
from dapp.actions.payment_token import mint
from dapp.chain.connection import event_logs
from dapp.documents.default_store import save_document
from dapp.codes.gs1 import gtin_to_int
from dapp.formats import moment, rubles
from dapp.tenders.client import (
    DAY,
    HOUR,
    MIN_BIDDING_PERIOD,
    MIN_REVEAL_PERIOD,
    TenderClient,
    TenderNeed,
    TenderStage,
    TenderStatus,
)

# Tenders whose state needs the chain's clock moved, and those created at the end.
TIMED = ("completed", "delivering", "terminated", "awarded", "failed", "reveal")
LAST = ("cancelled", "open")
# What the seed mints for a demo organization short of the payment token: a year's budget for a
# hospital's tenders, working capital for a supplier's securities.
BUDGET = 5_000_000 * demo.RUBLE
# The clock is moved to a second past a deadline; leave some slack for the seed's own run.
SLACK = 60


class TenderSeeder:
    """The tender part of one seeding run (`seeder` is dapp.demo.seeding's: accounts, log, report)."""

    def __init__(self, seeder):
        self.seeder = seeder
        self.chain = seeder.chain
        self.deployment = seeder.deployment
        self.client = TenderClient.connected(self.deployment)
        self.tenders = self.client.tenders
        self.token = self.client.token
        self.custody = seeder.custody
        self.resources = seeder.resources
        self.award_window = self.client.award_window()
        self._ids: dict[str, int] | None = None

    # --- time -----------------------------------------------------------------------------

    def time_ahead(self) -> int:
        """How far the demo tenders will move the chain's clock: nothing once they exist."""
        if any(state in self.existing() for state in TIMED):
            return 0
        return self._schedule(0)["terminated"][2] + self.client.termination_delay() + SLACK

    def _schedule(self, start: int) -> dict[str, tuple[int, int, int, int]]:
        """(bid deadline, reveal deadline, delivery deadline, security window) of each timed
        tender created at `start`. Most are revealed an hour after their creation and awarded
        an hour later; the terminated one's delivery is due as soon as the contract allows; the
        awarded winner and the revealing bidder keep weeks after the seed."""
        # The shortest bidding and reveal periods the contract allows (an hour of slack for the
        # seed's own blocks); the hospital terminates only `termination_delay` after the delivery
        # deadline, so the tenders that must outlive the seed leave that much more.
        bids = start + MIN_BIDDING_PERIOD + HOUR
        reveals, window, later = bids + MIN_REVEAL_PERIOD, self.award_window, self.client.termination_delay()
        schedule = {}
        for state in TIMED:
            security = {"awarded": window + 14 * DAY + later, "failed": HOUR, "terminated": HOUR}.get(state, 3 * DAY)
            reveal = start + window + 14 * DAY + later if state == "reveal" else reveals
            delivery = reveal + window + security + (HOUR if state == "terminated" else 60 * DAY)
            schedule[state] = (bids, reveal, delivery, security)
        return schedule

    def _advance_past(self, deadline: int, why: str) -> None:
        head = self.chain.blocks.head.timestamp
        if head > deadline:
            return
        self.chain.provider.make_request("evm_increaseTime", [deadline + 1 - head])
        self.chain.provider.make_request("evm_mine", [])
        hours = (deadline + 1 - head) / HOUR
        self.seeder.did(f"chain clock moved {hours:.1f} hours forward, to {moment(self.chain.blocks.head.timestamp)} "
                        f"({why})")

    # --- finding the demo tenders ---------------------------------------------------------

    def _specification_cid(self, tender: demo.DemoTender) -> str:
        if not tender.specification:
            return ""
        return save_document(json.dumps(tender.specification_document(), ensure_ascii=False, sort_keys=True).encode())

    def _signature(self, tender: demo.DemoTender) -> tuple:
        return (self.seeder.account(tender.hospital).address, gtin_to_int(tender.gtin) if tender.gtin else 0,
                self._specification_cid(tender), tender.quantity, tender.max_price)

    def existing(self) -> dict[str, int]:
        """The demo tenders on the chain: state name -> tender id."""
        if self._ids is None:
            wanted = {self._signature(t): t.state for t in demo.TENDERS}
            self._ids = {}
            for log in event_logs(self.tenders.TenderCreated, self.deployment):
                key = (log.hospital, int(log.gtin), log.specificationCid, int(log.quantity), int(log.maxPrice))
                if key in wanted and wanted[key] not in self._ids:
                    self._ids[wanted[key]] = int(log.tenderId)
        return self._ids

    # --- the run --------------------------------------------------------------------------

    def run(self) -> None:
        self._check_minter()
        schedule = self._schedule(self.client.now())
        for state in TIMED:
            self._create(demo.tender(state), *schedule[state])
        for state in TIMED:
            self._commit_bids(state)

        to_reveal = [s for s in TIMED if self._needs_reveals(s)]
        if to_reveal:
            self._advance_past(max(self._state(s).bid_deadline for s in to_reveal), "the demo tenders' bid deadlines")
        for state in TIMED:
            self._reveal_bids(state)

        to_award = [s for s in TIMED if s != "reveal" and self._state(s).status == TenderStatus.OPEN]
        if to_award:
            self._advance_past(max(self._state(s).reveal_deadline for s in to_award), "their reveal deadlines")
        for state in to_award:
            self._award(state)
        for state in ("completed", "delivering", "terminated"):
            self._post_security(state)
            self._deliver(state)

        self._finish()
        for state in LAST:
            now = self.client.now()
            self._create(demo.tender(state), now + 14 * DAY, now + 17 * DAY,
                         now + 17 * DAY + self.award_window + 60 * DAY, 3 * DAY)
            self._commit_bids(state)
        self._cancel()

    def _finish(self) -> None:
        """The terminated tender past its delivery deadline, the failed one past its security
        deadline."""
        terminated, failed = self._state("terminated"), self._state("failed")
        due = []
        if terminated.status == TenderStatus.CONTRACTED:
            due.append(terminated.delivery_deadline + self.client.termination_delay())
        if failed.status == TenderStatus.AWARDED:
            due.append(failed.security_deadline)
        if not due:
            self.seeder.report.skipped += 1
            return
        self._advance_past(max(due), "the terminated tender's delivery deadline")
        hospital = self.seeder.account(demo.tender("terminated").hospital)
        if self._state("terminated").status == TenderStatus.CONTRACTED:
            paid, back = self.client.terminate(hospital, self.existing()["terminated"])
            self.seeder.did(f"tender {self.existing()['terminated']} terminated: {rubles(paid)} to the supplier for "
                            f"what it delivered, {rubles(back)} back to the hospital")
        if self._state("failed").status == TenderStatus.AWARDED:
            tender_id = self.existing()["failed"]
            back = self.client.fail_unsecured(self.seeder.account(demo.tender("failed").hospital), tender_id).to_hospital
            self.seeder.did(f"tender {tender_id} failed: the winner posted no performance security; "
                            f"{rubles(back)} back to the hospital")

    # --- steps ----------------------------------------------------------------------------

    def _state(self, state: str):
        return self.client.state(self.existing()[state])

    def _check_minter(self) -> None:
        owner = self.token.owner()
        if owner != self.seeder.regulator.address:
            raise RuntimeError(f"the payment token's minter is {owner}, not the seeding account "
                               f"{self.seeder.regulator.address}: seed with the account that deployed the platform")

    def _fund(self, key: str, amount: int) -> None:
        account = self.seeder.account(key)
        if int(self.token.balanceOf(account)) >= amount:
            return
        self.seeder.carry_out(mint(self.deployment, self.seeder.regulator, account, max(BUDGET, amount)),
                              self.seeder.regulator)
        self.seeder.did(f"{demo.organization(key).name} received {rubles(max(BUDGET, amount))} of the payment token")

    def _create(self, tender: demo.DemoTender, bids: int, reveals: int, delivery: int, security: int) -> None:
        if tender.state in self.existing():
            self.seeder.report.skipped += 1
            return
        need = TenderNeed(
            gtin=gtin_to_int(tender.gtin) if tender.gtin else 0, specification_cid=self._specification_cid(tender),
            accepted_gtins=tuple(gtin_to_int(g) for g in tender.accepted), quantity=tender.quantity,
            max_price=tender.max_price, bid_deadline=bids, reveal_deadline=reveals, delivery_deadline=delivery,
            bid_security_bps=tender.bid_security_bps, performance_security_bps=tender.performance_security_bps,
            min_residual_shelf_life=tender.min_shelf_life_days * DAY, security_window=security)
        self._fund(tender.hospital, tender.max_price)
        tender_id = self.client.create(self.seeder.account(tender.hospital), need, funding=tender.funding)
        self.existing()[tender.state] = tender_id
        self.seeder.did(f"tender {tender_id} published by {demo.organization(tender.hospital).name}: {tender.title}, "
                        f"{tender.quantity} units, at most {rubles(tender.max_price)}")

    def _commit_bids(self, state: str) -> None:
        tender_id = self.existing()[state]
        stage = TenderStage(self.tenders.stage(tender_id))
        for bid in demo.tender(state).bids:
            supplier = self.seeder.account(bid.supplier)
            if stage != TenderStage.BIDDING or self.tenders.bid(tender_id, supplier).sequence != 0:
                self.seeder.report.skipped += 1
                continue
            self._fund(bid.supplier, int(self.tenders.tender(tender_id).bidSecurity))
            if bid.signed:
                self.client.relay(self.seeder.regulator, self.client.sign_bid(supplier, tender_id, bid.price))
                how = "signed by the supplier, relayed by the platform"
            else:
                self.client.commit(supplier, tender_id, bid.price)
                how = "from its wallet"
            self.seeder.did(f"tender {tender_id}: sealed bid of {demo.organization(bid.supplier).name} ({how})")

    def _needs_reveals(self, state: str) -> bool:
        tender_id = self.existing()[state]
        if TenderStage(self.tenders.stage(tender_id)) != TenderStage.BIDDING:
            return False
        return any(b.revealed for b in demo.tender(state).bids)

    def _reveal_bids(self, state: str) -> None:
        tender_id = self.existing()[state]
        if TenderStage(self.tenders.stage(tender_id)) != TenderStage.REVEALING:
            self.seeder.report.skipped += 1
            return
        for bid in demo.tender(state).bids:
            supplier = self.seeder.account(bid.supplier)
            view = self.tenders.bid(tender_id, supplier)
            if not bid.revealed or view.sequence == 0 or view.revealed:
                continue
            price, _ = self.client.reveal(supplier, tender_id)
            self.seeder.did(f"tender {tender_id}: {demo.organization(bid.supplier).name} revealed {rubles(price)}")

    def _award(self, state: str) -> None:
        tender_id = self.existing()[state]
        if TenderStage(self.tenders.stage(tender_id)) != TenderStage.AWAITING_AWARD:
            return
        award = self.client.award(self.seeder.account(demo.tender(state).hospital), tender_id)
        winner = demo.organization(self._key_of(award.winner)).name
        self.seeder.did(f"tender {tender_id} awarded to {winner} at {rubles(award.price)}, performance security "
                        f"{rubles(award.performance_security)}")

    def _post_security(self, state: str) -> None:
        tender_id = self.existing()[state]
        view = self.tenders.tender(tender_id)
        if TenderStatus(view.status) != TenderStatus.AWARDED:
            return
        winner = self._key_of(view.winner)
        self._fund(winner, int(view.performanceSecurity))
        amount = self.client.post_security(self.seeder.account(winner), tender_id)
        self.seeder.did(f"tender {tender_id}: {demo.organization(winner).name} posted {rubles(amount)} performance "
                        "security; contract concluded")

    def _deliver(self, state: str) -> None:
        """Each delivery shipped by the winner through Custody, received and accepted by the
        hospital; found again by its waybill."""
        tender = demo.tender(state)
        tender_id = self.existing()[state]
        shipped = {log.documentCid: log for log in
                   event_logs(self.custody.Shipped, self.deployment, tenderId=tender_id)}
        hospital = self.seeder.account(tender.hospital)
        for number, delivery in enumerate(tender.deliveries, start=1):
            gtin = tender.gtin or tender.accepted[0]
            waybill = save_document(json.dumps(
                {"waybill": f"TENDER-{tender_id:04d}-{number}", "tender": tender_id, "gtin": gtin, "lot": delivery.lot,
                 "quantity": delivery.quantity, "to": tender.hospital}, ensure_ascii=False, sort_keys=True).encode())
            view = self.tenders.tender(tender_id)
            if TenderStatus(view.status) != TenderStatus.CONTRACTED:
                self.seeder.report.skipped += 1
                continue
            if waybill in shipped:
                shipment_id = int(shipped[waybill].shipmentId)
            else:
                winner = self.seeder.account(self._key_of(view.winner))
                shipment_id = self.client.deliver(winner, tender_id, gtin_to_int(gtin), delivery.lot, delivery.quantity,
                                                  waybill).shipment_id
                self.seeder.did(f"tender {tender_id}: {delivery.quantity} × {gtin}/{delivery.lot} shipped "
                                f"(shipment {shipment_id})")
            if self.tenders.isDeliveryCounted(tender_id, shipment_id):
                self.seeder.report.skipped += 1
                continue
            _, delivered = self.client.accept(hospital, tender_id, shipment_id)
            self.seeder.did(f"tender {tender_id}: shipment {shipment_id} received and accepted, {delivered} of "
                            f"{tender.quantity} delivered")

    def _key_of(self, address: str) -> str:
        """The demo organization at `address`."""
        return next(o.key for o in demo.ORGANIZATIONS if self.seeder.account(o.key).address == address)

    def _cancel(self) -> None:
        tender_id = self.existing()["cancelled"]
        if TenderStatus(self.tenders.tender(tender_id).status) != TenderStatus.OPEN:
            self.seeder.report.skipped += 1
            return
        refund = self.client.cancel(self.seeder.account(demo.tender("cancelled").hospital), tender_id)
        self.seeder.did(f"tender {tender_id} cancelled by its hospital (the need was revised): {rubles(refund)} back")


def keep_clock(chain, log) -> None:
    """anvil forgets how far its clock was moved when it restarts from its saved state: its next
    block would be dated before the last one. Move the clock up to the last block, so that the
    chain's time never runs backwards (no block is mined; nothing when the clock is right)."""
    pending = chain.provider.make_request("eth_getBlockByNumber", ["pending", False])["timestamp"]
    behind = chain.blocks.head.timestamp - (int(pending, 16) if isinstance(pending, str) else int(pending))
    if behind > 0:
        chain.provider.make_request("evm_increaseTime", [behind + 1])
        log(f"chain clock moved {(behind + 1) / HOUR:.1f} hours forward, back to where the chain left it")
