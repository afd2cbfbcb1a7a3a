"""The tender client: what a medical organization, a supplier or anyone does with the Tenders
contract, one method per step, with the checks only the client can make before a transaction.

    client = TenderClient.connected()
    tender_id = client.create(hospital, TenderNeed(gtin=..., quantity=60, max_price=1_920_000, ...))
    client.commit(supplier, tender_id, price=1_740_000)   # the salt is kept before it is sent
    client.reveal(supplier, tender_id)                     # ... and read back here
    client.award(hospital, tender_id)
    client.post_security(supplier, tender_id)
    delivery = client.deliver(supplier, tender_id, gtin, lot, 60, waybill_cid)
    client.accept(hospital, tender_id, delivery.shipment_id)
    client.withdraw(supplier)

Amounts are kopecks of the payment token, times unix seconds of the chain. The escrow, a bid
security and a performance security are paid by an ERC-20 approval (sent first when the
allowance is short) or by an EIP-2612 permit signed in the same step. A supplier may also sign
its bid (`sign_bid`) for anyone to `relay`: it then pays no gas, and its bid security comes by
permit. Refusals raise `TransactionRefused` with the contract's reason as a sentence; a request
the client can tell is wrong raises `TenderError` before anything is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum

from dapp.actions.custody import ShipmentRecord, shipment_record
from dapp.errors import PlatformError
from dapp.roles import BatchStatus, ShipmentStatus
from dapp.tenders.sealed_bids import BidKey, SealedBid, SealedBidStore
from dapp.chain.refusals import explaining, moment, rubles
from dapp.tenders.typed_data import bid_typed_data, permit_typed_data
from dapp.chain.transactions import send

DAY = 24 * 60 * 60
HOUR = 60 * 60
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class TenderStatus(IntEnum):
    """`ITenders.Status`."""

    NONE = 0
    OPEN = 1
    AWARDED = 2
    CONTRACTED = 3
    COMPLETED = 4
    FAILED = 5
    TERMINATED = 6
    CANCELLED = 7


class TenderStage(IntEnum):
    """`ITenders.Stage`: the status with OPEN split by time."""

    NONE = 0
    BIDDING = 1
    REVEALING = 2
    AWAITING_AWARD = 3
    AWARDED = 4
    CONTRACTED = 5
    COMPLETED = 6
    FAILED = 7
    TERMINATED = 8
    CANCELLED = 9


class TenderError(PlatformError):
    """A tender step that cannot succeed, caught before any transaction; the message says why
    and what to do."""


@dataclass(frozen=True)
class TenderNeed:
    """What a medical organization publishes (`ITenders.TenderParams`): a product by GTIN, or a
    specification (its document's CID) with the registered GTINs that meet it."""

    quantity: int
    max_price: int
    bid_deadline: int
    reveal_deadline: int
    delivery_deadline: int
    bid_security_bps: int = 100
    performance_security_bps: int = 500
    min_residual_shelf_life: int = 0
    security_window: int = 2 * DAY
    gtin: int = 0
    specification_cid: str = ""
    accepted_gtins: tuple[int, ...] = ()

    def check(self, now: int, award_window: int = 0) -> None:
        """The contract's rules for the terms, as errors that say what to change. `award_window`:
        the contract's `AWARD_WINDOW`, the time the hospital has to award after the reveals."""
        if bool(self.gtin) == bool(self.specification_cid):
            raise TenderError("name the product: either a GTIN, or a specification document with the GTINs it accepts")
        if self.gtin and self.accepted_gtins:
            raise TenderError("accepted GTINs go with a specification; a tender for one GTIN lists none")
        if self.specification_cid and not 1 <= len(self.accepted_gtins) <= 16:
            raise TenderError(f"a specification needs 1 to 16 accepted GTINs, not {len(self.accepted_gtins)}")
        if self.quantity <= 0 or self.max_price <= 0:
            raise TenderError("the quantity and the maximum price must be more than zero")
        if not now < self.bid_deadline < self.reveal_deadline < self.delivery_deadline:
            raise TenderError(
                f"the deadlines must follow each other after now ({moment(now)}): bids "
                f"({moment(self.bid_deadline)}) < reveals ({moment(self.reveal_deadline)}) < delivery "
                f"({moment(self.delivery_deadline)})")
        if not 50 <= self.bid_security_bps <= 500:
            raise TenderError(f"the bid security must be 0.5 % to 5 % of the maximum price, not "
                              f"{self.bid_security_bps / 100:g} %")
        if not 0 <= self.performance_security_bps <= 3000:
            raise TenderError(f"the performance security must be 0 to 30 % of the price, not "
                              f"{self.performance_security_bps / 100:g} %")
        if self.security_window < HOUR:
            raise TenderError("give the winner at least one hour to post its performance security")
        if self.reveal_deadline + award_window + self.security_window >= self.delivery_deadline:
            raise TenderError(
                "the delivery deadline must leave time after the reveals, the award and the security window: "
                f"make it later than {moment(self.reveal_deadline + award_window + self.security_window)}")

    def as_params(self) -> tuple:
        """The `TenderParams` tuple, in the ABI's field order."""
        return (int(self.gtin), self.specification_cid, [int(g) for g in self.accepted_gtins], int(self.quantity),
                int(self.max_price), int(self.bid_deadline), int(self.reveal_deadline), int(self.delivery_deadline),
                int(self.bid_security_bps), int(self.performance_security_bps), int(self.min_residual_shelf_life),
                int(self.security_window))


@dataclass(frozen=True)
class TenderState:
    """A tender as the chain has it now, with what its creation logged (specification,
    accepted GTINs) and what the contract holds for it."""

    tender_id: int
    status: TenderStatus
    stage: TenderStage
    hospital: str
    gtin: int
    specification_cid: str
    accepted_gtins: tuple[int, ...]
    quantity: int
    max_price: int
    bid_deadline: int
    reveal_deadline: int
    delivery_deadline: int
    bid_security: int
    performance_security_bps: int
    min_residual_shelf_life: int
    security_window: int
    commitments: int
    reveals: int
    leader: str | None  # the lowest revealed bidder so far; after the award, the winner
    price: int
    performance_security: int
    security_deadline: int
    delivered: int
    held: int

    @property
    def winner(self) -> str | None:
        awarded = self.status in (TenderStatus.AWARDED, TenderStatus.CONTRACTED, TenderStatus.COMPLETED,
                                  TenderStatus.TERMINATED)
        failed_unsecured = self.status == TenderStatus.FAILED and self.leader is not None
        return self.leader if awarded or failed_unsecured else None


@dataclass(frozen=True)
class BidState:
    bidder: str
    sequence: int
    revealed: bool
    price: int  # 0 until revealed
    security_released: bool
    claimable: bool  # the bidder may take its bid security back now


@dataclass(frozen=True)
class Position:
    """What a party of a tender may take out: `owed` (all tenders, by `withdraw`) and its bid
    security of this tender (by `claim_bid_security`)."""

    account: str
    role: str  # "hospital", "winner" or "bidder"
    owed: int
    claimable: int


@dataclass(frozen=True)
class SignedBid:
    """A bid signed by its supplier for anyone to relay: no salt or price in it, only the
    commitment, and the permit of its bid security."""

    tender_id: int
    bidder: str
    commitment: bytes
    deadline: int
    signature: bytes
    permit: tuple[int, int, bytes, bytes] = field(repr=False)

    def to_json(self) -> str:
        deadline, v, r, s = self.permit
        return json.dumps({
            "tender_id": self.tender_id, "bidder": self.bidder, "commitment": "0x" + self.commitment.hex(),
            "deadline": self.deadline, "signature": "0x" + self.signature.hex(),
            "permit": {"deadline": deadline, "v": v, "r": "0x" + r.hex(), "s": "0x" + s.hex()},
        }, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SignedBid:
        try:
            raw = json.loads(text)
            permit = raw["permit"]
            return cls(int(raw["tender_id"]), raw["bidder"], _bytes(raw["commitment"]), int(raw["deadline"]),
                       _bytes(raw["signature"]),
                       (int(permit["deadline"]), int(permit["v"]), _bytes(permit["r"]), _bytes(permit["s"])))
        except (ValueError, KeyError, TypeError) as error:
            raise TenderError(f"not a signed bid ({error}); ask the supplier for the file "
                              "`ape run tenders bid ... --sign-only FILE` wrote") from None


@dataclass(frozen=True)
class Delivery:
    shipment_id: int
    record: ShipmentRecord


@dataclass(frozen=True)
class Award:
    """The award's outcome: a winner, or a failure for want of a valid bid."""

    winner: str | None
    price: int
    performance_security: int
    security_deadline: int
    to_hospital: int  # the unneeded part of the maximum price and forfeited securities


def _bytes(text: str) -> bytes:
    return bytes.fromhex(str(text).removeprefix("0x"))


def _address(account) -> str:
    return getattr(account, "address", account)


class TenderClient:
    """The tender steps on the connected chain. `store` keeps the suppliers' sealed bids."""

    def __init__(self, tenders, token, custody, resources, first_block: int = 0,
                 store: SealedBidStore | None = None):
        self.tenders = tenders
        self.token = token
        self.custody = custody
        self.resources = resources
        self.first_block = first_block
        self.store = store or SealedBidStore()

    @classmethod
    def connected(cls, deployment=None, store: SealedBidStore | None = None) -> TenderClient:
        """The client of the connected chain's deployment."""
        from dapp.chain.connection import contract, current_deployment

        deployment = deployment or current_deployment()
        return cls(contract("Tenders", deployment), contract("PaymentToken", deployment),
                   contract("Custody", deployment), contract("Resources", deployment),
                   first_block=deployment.contracts["Tenders"].block, store=store)

    # --- chain ---------------------------------------------------------------------------

    @property
    def chain(self):
        from ape import chain

        return chain

    def award_window(self) -> int:
        """The contract's `AWARD_WINDOW`: how long after the reveals only the hospital may award."""
        return int(self.tenders.AWARD_WINDOW())

    def now(self) -> int:
        """The time the next block will carry at the earliest."""
        return int(self.chain.pending_timestamp)

    def _send(self, method, *arguments, sender, action: str):
        return send(explaining(method), *arguments, sender=sender, action=action)

    def _logs(self, event, **topics) -> list:
        head = self.chain.blocks.head.number
        return list(event.range(self.first_block, head + 1, search_topics=topics or None))

    def bid_key(self, tender_id: int, bidder) -> BidKey:
        from dapp.chain.connection import genesis_hash

        return BidKey(self.chain.chain_id, genesis_hash(), self.tenders.address, int(tender_id), _address(bidder))

    # --- money in: approvals and permits -------------------------------------------------

    def _check_funds(self, owner, amount: int, purpose: str) -> None:
        balance = int(self.token.balanceOf(owner))
        if balance < amount:
            raise TenderError(f"{_address(owner)} holds {rubles(balance)} of the payment token; {purpose} needs "
                              f"{rubles(amount)}. Top the account up first")

    def _allow(self, owner, amount: int) -> None:
        """Approve the tender contract for `amount` unless it may already take that much."""
        if int(self.token.allowance(owner, self.tenders)) < amount:
            self._send(self.token.approve, self.tenders, amount, sender=owner,
                       action=f"approve the tender contract for {rubles(amount)}")

    def _sign(self, account, typed_data: dict):
        from eth_account.messages import encode_typed_data

        signature = account.sign_message(encode_typed_data(full_message=typed_data))
        if signature is None:
            raise TenderError(f"{account.address} did not sign; nothing was sent")
        return signature

    def permit(self, owner, value: int, deadline: int | None = None) -> tuple[int, int, bytes, bytes]:
        """An EIP-2612 permit by `owner` letting the tender contract take `value`: (deadline, v,
        r, s), as the `...WithPermit` functions take it."""
        deadline = deadline if deadline is not None else self.now() + DAY
        nonce = int(self.token.nonces(owner))
        typed = permit_typed_data(self.chain.chain_id, self.token, owner, self.tenders, value, nonce, deadline)
        signature = self._sign(owner, typed)
        # Ape drops leading zero bytes of r and s; the ABI wants 32 each.
        return (deadline, signature.v, bytes(signature.r).rjust(32, b"\0"), bytes(signature.s).rjust(32, b"\0"))

    # --- publishing ----------------------------------------------------------------------

    def create(self, hospital, need: TenderNeed, *, funding: str = "approve") -> int:
        """Publish `need` and fund its escrow with the maximum price; returns the tender id."""
        need.check(self.now(), self.award_window())
        self._check_funds(hospital, need.max_price, "the escrow of the maximum price")
        action = f"publish a tender for {need.quantity} units at most {rubles(need.max_price)}"
        if funding == "permit":
            receipt = self._send(self.tenders.createTenderWithPermit, need.as_params(),
                                 self.permit(hospital, need.max_price), sender=hospital, action=action)
        elif funding == "approve":
            self._allow(hospital, need.max_price)
            receipt = self._send(self.tenders.createTender, need.as_params(), sender=hospital, action=action)
        else:
            raise TenderError(f"funding is 'approve' or 'permit', not {funding!r}")
        return int(receipt.decode_logs(self.tenders.TenderCreated)[0].tenderId)

    def cancel(self, hospital, tender_id: int) -> int:
        """Cancel before the bid deadline; returns the escrow owed back to the hospital."""
        receipt = self._send(self.tenders.cancel, tender_id, sender=hospital, action=f"cancel tender {tender_id}")
        return int(receipt.decode_logs(self.tenders.TenderCancelled)[0].refund)

    # --- bidding -------------------------------------------------------------------------

    def _check_bid(self, supplier, tender_id: int, price: int) -> TenderState:
        state = self.state(tender_id)
        if state.stage != TenderStage.BIDDING:
            raise TenderError(f"tender {tender_id} takes no bids: it is {state.stage.name.lower()} (bids closed at "
                              f"{moment(state.bid_deadline)})")
        if not 0 < price <= state.max_price:
            raise TenderError(f"a price must be more than zero and at most the maximum price {rubles(state.max_price)}; "
                              f"a bid of {rubles(price)} could never be revealed and its security would be lost")
        if self.tenders.bid(tender_id, supplier).sequence != 0:
            raise TenderError(f"{_address(supplier)} has already bid on tender {tender_id} (one bid per supplier)")
        self._check_funds(supplier, state.bid_security, "the bid security")
        return state

    def commit(self, supplier, tender_id: int, price: int) -> SealedBid:
        """Bid `price` for the whole quantity from the supplier's wallet. The salt is generated and
        kept (see dapp.tenders.sealed_bids) before the commitment is sent."""
        state = self._check_bid(supplier, tender_id, price)
        sealed = self.store.seal(self.bid_key(tender_id, supplier), price)
        self._allow(supplier, state.bid_security)
        self._send(self.tenders.commitBid, tender_id, sealed.commitment, sender=supplier,
                   action=f"bid on tender {tender_id}")
        return sealed

    def sign_bid(self, supplier, tender_id: int, price: int, valid_for: int = DAY) -> SignedBid:
        """The supplier's bid as a signature anyone may relay (no gas for the supplier), its bid
        security by permit. The salt is kept before the signature leaves this function."""
        state = self._check_bid(supplier, tender_id, price)
        sealed = self.store.seal(self.bid_key(tender_id, supplier), price)
        deadline = self.now() + valid_for
        typed = bid_typed_data(self.chain.chain_id, self.tenders, tender_id, supplier, sealed.commitment, deadline)
        signature = self._sign(supplier, typed)
        return SignedBid(int(tender_id), supplier.address, sealed.commitment, deadline,
                         bytes(signature.encode_rsv()), self.permit(supplier, state.bid_security, deadline))

    def relay(self, relayer, signed: SignedBid):
        """Send a supplier's signed bid; the relayer pays the gas."""
        return self._send(self.tenders.commitBidBySig, signed.tender_id, signed.bidder, signed.commitment,
                          signed.deadline, signed.signature, signed.permit, sender=relayer,
                          action=f"relay the bid of {signed.bidder} on tender {signed.tender_id}")

    def reveal(self, sender, tender_id: int, bidder=None) -> tuple[int, bool]:
        """Open the bid of `bidder` (the sender by default) with its kept price and salt; returns
        (price, whether it now leads)."""
        bidder = _address(bidder or sender)
        view = self.tenders.bid(tender_id, bidder)
        if view.sequence == 0:
            raise TenderError(f"{bidder} has no bid on tender {tender_id}")
        if view.revealed:
            raise TenderError(f"the bid of {bidder} on tender {tender_id} is already revealed ({rubles(view.price)})")
        sealed = self.store.find(self.bid_key(tender_id, bidder), bytes(view.commitment))
        receipt = self._send(self.tenders.revealBid, tender_id, bidder, sealed.price, sealed.salt, sender=sender,
                             action=f"reveal the bid of {bidder} on tender {tender_id}")
        event = receipt.decode_logs(self.tenders.BidRevealed)[0]
        return int(event.price), bool(event.leading)

    # --- award and contract --------------------------------------------------------------

    def award(self, sender, tender_id: int) -> Award:
        """Award to the lowest revealed bid; with none, the tender fails. The hospital awards;
        anyone may once the award window after the reveals is over."""
        receipt = self._send(self.tenders.award, tender_id, sender=sender, action=f"award tender {tender_id}")
        awarded = receipt.decode_logs(self.tenders.TenderAwarded)
        if awarded:
            event = awarded[0]
            return Award(event.winner, int(event.price), int(event.performanceSecurity), int(event.securityDeadline),
                         int(event.refund) + int(event.forfeited))
        failed = receipt.decode_logs(self.tenders.TenderFailed)[0]
        return Award(None, 0, 0, 0, int(failed.toHospital))

    def post_security(self, winner, tender_id: int, *, funding: str = "approve") -> int:
        """The winner posts its performance security (the contract is then concluded); returns it."""
        amount = int(self.tenders.tender(tender_id).performanceSecurity)
        self._check_funds(winner, amount, "the performance security")
        action = f"post the performance security of tender {tender_id}"
        if funding == "permit":
            self._send(self.tenders.postPerformanceSecurityWithPermit, tender_id, self.permit(winner, amount),
                       sender=winner, action=action)
        elif funding == "approve":
            self._allow(winner, amount)
            self._send(self.tenders.postPerformanceSecurity, tender_id, sender=winner, action=action)
        else:
            raise TenderError(f"funding is 'approve' or 'permit', not {funding!r}")
        return amount

    def fail_unsecured(self, sender, tender_id: int) -> int:
        """After the security deadline without security: the tender fails; returns what goes
        back to the hospital."""
        receipt = self._send(self.tenders.failUnsecured, tender_id, sender=sender,
                             action=f"close tender {tender_id} for want of performance security")
        return int(receipt.decode_logs(self.tenders.TenderFailed)[0].toHospital)

    # --- delivery ------------------------------------------------------------------------

    def deliver(self, winner, tender_id: int, gtin: int, lot: str, quantity: int, waybill_cid: str) -> Delivery:
        """The winner ships `quantity` units of its batch (`gtin`, `lot`) to the hospital
        through Custody, tagged with the tender. Refused here when the units could not count:
        a product the tender does not accept, a batch recalled or too close to its expiry."""
        state = self.state(tender_id)
        if state.status != TenderStatus.CONTRACTED:
            raise TenderError(f"tender {tender_id} is {state.status.name.lower()}: deliveries count only once the "
                              "winner has posted its performance security")
        if _address(winner).lower() != (state.leader or "").lower():
            raise TenderError(f"{_address(winner)} is not the winner of tender {tender_id}; only it delivers")
        due = state.quantity - state.delivered
        if not 0 < quantity <= due:
            raise TenderError(f"tender {tender_id} still needs {due} units; ship 1 to {due}, not {quantity}")
        if not self.tenders.isAccepted(tender_id, gtin):
            raise TenderError(f"tender {tender_id} does not accept GTIN {int(gtin):014d}")
        batch = self.resources.batch(gtin, lot)
        if batch.status != BatchStatus.ACTIVE:
            raise TenderError(f"batch {int(gtin):014d}/{lot} is {BatchStatus(batch.status).name.lower()}: "
                              "it cannot be delivered")
        if batch.expires < self.now() + state.min_residual_shelf_life:
            raise TenderError(f"batch {int(gtin):014d}/{lot} expires at {moment(batch.expires)}; tender {tender_id} "
                              f"needs {state.min_residual_shelf_life // DAY} days of shelf life left when delivered")
        batch_id = self.resources.batch_id(gtin, lot)
        receipt = self._send(self.custody.ship, batch_id, state.hospital, quantity, tender_id, waybill_cid,
                             sender=winner, action=f"ship {quantity} units of {int(gtin):014d}/{lot} for tender {tender_id}")
        shipped = receipt.decode_logs(self.custody.Shipped)[0]
        return Delivery(int(shipped.shipmentId), shipment_record(shipped))

    def shipment(self, shipment_id: int) -> ShipmentRecord:
        """The terms of a shipment, from its `Shipped` log."""
        logs = self._logs(self.custody.Shipped, shipmentId=int(shipment_id))
        if not logs:
            raise TenderError(f"there is no shipment {shipment_id}")
        return shipment_record(logs[0])

    def accept(self, sender, tender_id: int, shipment_id: int) -> tuple[int, int]:
        """Count a delivery toward the tender, receiving it into Custody first when the sender is
        the hospital and it is still in transit. Returns (units counted, units delivered in all);
        the last delivery completes the tender and pays the supplier."""
        record = self.shipment(shipment_id)
        if record[4] != tender_id:
            raise TenderError(f"shipment {shipment_id} is not tagged with tender {tender_id}"
                              + (f" but with tender {record[4]}" if record[4] else ""))
        status = ShipmentStatus(self.custody.shipmentStatus(shipment_id, record))
        if status == ShipmentStatus.IN_TRANSIT:
            if _address(sender).lower() != record[2].lower():
                raise TenderError(f"shipment {shipment_id} is still in transit: {record[2]} must receive it first")
            self._send(self.custody.receiveShipment, shipment_id, record, sender=sender,
                       action=f"receive shipment {shipment_id}")
        elif status == ShipmentStatus.REJECTED:
            raise TenderError(f"shipment {shipment_id} was rejected; it cannot count toward tender {tender_id}")
        receipt = self._send(self.tenders.acceptDelivery, tender_id, shipment_id, record, sender=sender,
                             action=f"accept shipment {shipment_id} for tender {tender_id}")
        event = receipt.decode_logs(self.tenders.DeliveryAccepted)[0]
        return int(event.counted), int(event.delivered)

    def terminate(self, sender, tender_id: int) -> tuple[int, int]:
        """End a contract not delivered in time (the hospital, or the winner giving up): returns
        (paid to the supplier pro rata, back to the hospital with the performance security)."""
        receipt = self._send(self.tenders.terminate, tender_id, sender=sender, action=f"terminate tender {tender_id}")
        event = receipt.decode_logs(self.tenders.TenderTerminated)[0]
        return int(event.paidToSupplier), int(event.toHospital)

    # --- money out -----------------------------------------------------------------------

    def claim_bid_security(self, bidder, tender_id: int) -> int:
        receipt = self._send(self.tenders.claimBidSecurity, tender_id, sender=bidder,
                             action=f"take back the bid security of tender {tender_id}")
        return int(receipt.decode_logs(self.tenders.BidSecurityClaimed)[0].amount)

    def withdraw(self, account) -> int:
        """Send the account everything the tender contract owes it; returns the amount."""
        receipt = self._send(self.tenders.withdraw, sender=account, action=f"withdraw what is owed to {_address(account)}")
        return int(receipt.decode_logs(self.tenders.Withdrawn)[0].amount)

    # --- reads ---------------------------------------------------------------------------

    def tender_ids(self) -> range:
        return range(1, int(self.tenders.tenderCount()) + 1)

    def state(self, tender_id: int) -> TenderState:
        view = self.tenders.tender(tender_id)
        status = TenderStatus(view.status)
        if status == TenderStatus.NONE:
            raise TenderError(f"there is no tender {tender_id} (tenders so far: {self.tenders.tenderCount()})")
        created = self._logs(self.tenders.TenderCreated, tenderId=int(tender_id))
        specification, accepted = ("", ()) if not created else (
            created[0].specificationCid, tuple(int(g) for g in created[0].acceptedGtins))
        return TenderState(
            tender_id=int(tender_id), status=status, stage=TenderStage(self.tenders.stage(tender_id)),
            hospital=view.hospital, gtin=int(view.gtin), specification_cid=specification, accepted_gtins=accepted,
            quantity=int(view.quantity), max_price=int(view.maxPrice), bid_deadline=int(view.bidDeadline),
            reveal_deadline=int(view.revealDeadline), delivery_deadline=int(view.deliveryDeadline),
            bid_security=int(view.bidSecurity), performance_security_bps=int(view.performanceSecurityBps),
            min_residual_shelf_life=int(view.minResidualShelfLife), security_window=int(view.securityWindow),
            commitments=int(view.commitments), reveals=int(view.reveals),
            leader=None if view.winner == ZERO_ADDRESS else view.winner, price=int(view.price),
            performance_security=int(view.performanceSecurity), security_deadline=int(view.securityDeadline),
            delivered=int(view.delivered), held=int(self.tenders.held(tender_id)),
        )

    def bids(self, tender_id: int, state: TenderState | None = None) -> list[BidState]:
        """Every bid on the tender, in commit order."""
        state = state or self.state(tender_id)
        bidders = [log.bidder for log in self._logs(self.tenders.BidCommitted, tenderId=int(tender_id))]
        result = []
        for bidder in bidders:
            view = self.tenders.bid(tender_id, bidder)
            result.append(BidState(bidder, int(view.sequence), bool(view.revealed), int(view.price),
                                   bool(view.securityReleased), _claimable(state, bidder, view)))
        return sorted(result, key=lambda b: b.sequence)

    def positions(self, tender_id: int) -> list[Position]:
        """Every party of the tender and what it may take out now."""
        state = self.state(tender_id)
        winner = (state.winner or "").lower()
        parties = [Position(state.hospital, "hospital", int(self.tenders.owed(state.hospital)), 0)]
        for bid in self.bids(tender_id, state):
            role = "winner" if bid.bidder.lower() == winner else "bidder"
            parties.append(Position(bid.bidder, role, int(self.tenders.owed(bid.bidder)),
                                    state.bid_security if bid.claimable else 0))
        return parties


def _claimable(state: TenderState, bidder: str, view) -> bool:
    """Whether `claimBidSecurity` would pay the bidder now (the contract's rule)."""
    if view.sequence == 0 or view.securityReleased:
        return False
    if state.status == TenderStatus.CANCELLED:
        return True
    if state.status == TenderStatus.OPEN:
        return False
    return bool(view.revealed) and bidder.lower() != (state.leader or "").lower()
