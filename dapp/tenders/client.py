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

Each step is first prepared (`prepare_create`, `prepare_commit`, ...: a `PreparedAction`, see
dapp.chain.actions) and then carried out by a signer: the step's method takes an Ape account or
any `Signer` (a browser wallet), and the dApp can take the prepared action to the wallet itself.
A sealed bid's salt is kept in the file store, or derived from the bidder's own signature
(`salt_from_wallet=True`), so a reveal needs nothing but the wallet and the price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum

from dapp.actions.custody import ShipmentRecord, shipment_record
from dapp.actions.payment_token import approve_call
from dapp.chain.actions import ContractCall, PreparedAction, SignatureRequest, action, address_of, call_at
from dapp.chain.signers import as_signer, carry_out
from dapp.errors import PlatformError
from dapp.formats import moment, rubles
from dapp.roles import BatchStatus, ShipmentStatus
from dapp.tenders.sealed_bids import BidKey, SealedBid, SealedBidStore, wallet_salt
from dapp.tenders.typed_data import bid_commitment, bid_typed_data, permit_typed_data
from dapp.i18n import _

DAY = 24 * 60 * 60
HOUR = 60 * 60
# Tenders.MIN_BIDDING_PERIOD and MIN_REVEAL_PERIOD (44-FZ's seven days of bidding; two to reveal).
MIN_BIDDING_PERIOD = 7 * DAY
MIN_REVEAL_PERIOD = 2 * DAY
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
            raise TenderError(_("name the product: either a GTIN, or a specification document with the GTINs it accepts"))
        if self.gtin and self.accepted_gtins:
            raise TenderError(_("accepted GTINs go with a specification; a tender for one GTIN lists none"))
        if self.specification_cid and not 1 <= len(self.accepted_gtins) <= 16:
            raise TenderError(_("a specification needs 1 to 16 accepted GTINs, not {accepted_gtins}").format(accepted_gtins=len(self.accepted_gtins)))
        if self.quantity <= 0 or self.max_price <= 0:
            raise TenderError(_("the quantity and the maximum price must be more than zero"))
        if not now < self.bid_deadline < self.reveal_deadline < self.delivery_deadline:
            raise TenderError(
                _("the deadlines must follow each other after now ({now}): bids ({bid_deadline}) < reveals "
                  "({reveal_deadline}) < delivery ({delivery_deadline})").format(now=moment(now), bid_deadline=moment(self.bid_deadline), reveal_deadline=moment(self.reveal_deadline), delivery_deadline=moment(self.delivery_deadline)))
        if self.bid_deadline < now + MIN_BIDDING_PERIOD:
            raise TenderError(_("suppliers must have at least {min_bidding_period} days to bid (44-FZ): make the bid "
                                "deadline {now} or later").format(min_bidding_period=MIN_BIDDING_PERIOD // DAY, now=moment(now + MIN_BIDDING_PERIOD)))
        if self.reveal_deadline < self.bid_deadline + MIN_REVEAL_PERIOD:
            raise TenderError(_("bidders must have at least {min_reveal_period} days to reveal: make the reveal deadline "
                                "{bid_deadline} or later").format(min_reveal_period=MIN_REVEAL_PERIOD // DAY, bid_deadline=moment(self.bid_deadline + MIN_REVEAL_PERIOD)))
        if not 50 <= self.bid_security_bps <= 500:
            raise TenderError(_("the bid security must be {range} of the maximum price, not {bid_security_bps:g} %").format(
                range=_("0.5 % to 5 %"), bid_security_bps=self.bid_security_bps / 100))
        if self.max_price * self.bid_security_bps // 10_000 == 0:
            raise TenderError(_("the bid security rounds to nothing at this maximum price: raise the maximum price or "
                                "the bid security rate (free bids would let anyone flood the tender)"))
        if not 0 <= self.performance_security_bps <= 3000:
            raise TenderError(_("the performance security must be {range} of the price, not {performance_security_bps:g} %").format(
                range=_("0 to 30 %"), performance_security_bps=self.performance_security_bps / 100))
        if self.security_window < HOUR:
            raise TenderError(_("give the winner at least one hour to post its performance security"))
        if self.reveal_deadline + award_window + self.security_window >= self.delivery_deadline:
            raise TenderError(
                _("the delivery deadline must leave time after the reveals, the award and the security "
                  "window: make it later than {reveal_deadline}").format(reveal_deadline=moment(self.reveal_deadline + award_window + self.security_window)))

    def as_params(self) -> tuple:
        """The `TenderParams` tuple, in the ABI's field order."""
        return (int(self.gtin), self.specification_cid, [int(g) for g in self.accepted_gtins], int(self.quantity),
                int(self.max_price), int(self.bid_deadline), int(self.reveal_deadline), int(self.delivery_deadline),
                int(self.bid_security_bps), int(self.performance_security_bps), int(self.min_residual_shelf_life),
                int(self.security_window))


@dataclass(frozen=True)
class Unsecured:
    """What `failUnsecured` did: the tender failed (`to_hospital`: the escrow and the winner's
    bid security), or the contract passed to the runner-up `new_winner` (`to_hospital`: the
    failed winner's bid security)."""

    failed: bool
    to_hospital: int
    new_winner: str | None = None


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
    runner_up: str | None = None  # the second-lowest revealed bidder, while the award may pass to it
    concluded_at: int = 0

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
            raise TenderError(_("not a signed bid ({error}); ask the supplier for the file `ape run tenders bid ... "
                                "--sign-only FILE` wrote").format(error=error)) from None


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
    return address_of(account)


def permit_tuple(deadline: int, signature: bytes) -> tuple[int, int, bytes, bytes]:
    """An EIP-2612 signature (r, s, v) as the `...WithPermit` functions take it: (deadline, v, r, s)."""
    signature = bytes(signature)
    return int(deadline), signature[64], signature[:32], signature[32:64]


class TenderClient:
    """The tender steps on the connected chain. `store` keeps the suppliers' sealed bids."""

    def __init__(self, tenders, token, custody, resources, first_block: int = 0,
                 store: SealedBidStore | None = None, chain=None):
        self.tenders = tenders
        self.token = token
        self.custody = custody
        self.resources = resources
        self.first_block = first_block
        self.store = store or SealedBidStore()
        self._chain = chain  # None: Ape's connected chain

    @classmethod
    def over_rpc(cls, deployment, reader, store: SealedBidStore | None = None) -> TenderClient:
        """The client of `deployment` read through `reader` (a ChainReader: JSON-RPC, no Ape),
        as the dApp's server uses it: its steps are prepared, never sent from here."""
        from dapp.tenders.rpc_contracts import contracts_over_rpc

        if reader.deployment is not deployment and reader.deployment != deployment:
            raise TenderError(_("the reader is for another deployment than the one asked for"))
        return cls(store=store, **contracts_over_rpc(reader))

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
        if self._chain is not None:
            return self._chain
        from ape import chain

        return chain

    def termination_delay(self) -> int:
        """How long after the delivery deadline the hospital must wait to terminate: the
        consignee's receipt period (`Custody.RECEIPT_PERIOD`), then the winner's time to count
        what was shipped in time (`Tenders.ACCEPTANCE_GRACE`)."""
        return int(self.custody.RECEIPT_PERIOD()) + int(self.tenders.ACCEPTANCE_GRACE())

    def award_window(self) -> int:
        """The contract's `AWARD_WINDOW`: how long after the reveals only the hospital may award."""
        return int(self.tenders.AWARD_WINDOW())

    def now(self) -> int:
        """The time the next block will carry at the earliest."""
        return int(self.chain.pending_timestamp)

    def _call(self, contract: str, function: str, arguments: list, description: str, *,
              after_previous: bool = False) -> ContractCall:
        target = {"Tenders": self.tenders, "PaymentToken": self.token, "Custody": self.custody}[contract]
        return call_at(target.address, contract, function, arguments, description, after_previous=after_previous)

    def _logs(self, event, **topics) -> list:
        head = self.chain.blocks.head.number
        return list(event.range(self.first_block, head + 1, search_topics=topics or None))

    def bid_key(self, tender_id: int, bidder) -> BidKey:
        if self._chain is not None:
            genesis = self._chain.genesis_hash
        else:
            from dapp.chain.connection import genesis_hash

            genesis = genesis_hash()
        return BidKey(self.chain.chain_id, genesis, self.tenders.address, int(tender_id), _address(bidder))

    # --- money in: approvals and permits -------------------------------------------------

    def _check_funds(self, owner, amount: int, purpose: str) -> None:
        balance = int(self.token.balanceOf(_address(owner)))
        if balance < amount:
            raise TenderError(_("{owner} holds {balance} of the payment token; {purpose} needs {amount}. Top the account "
                                "up first").format(owner=_address(owner), balance=rubles(balance), purpose=purpose, amount=rubles(amount)))

    def _allowance_calls(self, owner, amount: int) -> list[ContractCall]:
        """The approval the tender contract needs to take `amount`, unless it may already."""
        if int(self.token.allowance(_address(owner), self.tenders.address)) >= amount:
            return []
        return [approve_call(self.token.address, self.tenders.address, amount, _("the tender contract"))]

    def permit_request(self, owner, value: int, deadline: int) -> SignatureRequest:
        """The EIP-2612 permit `owner` signs to let the tender contract take `value`."""
        nonce = int(self.token.nonces(_address(owner)))
        typed = permit_typed_data(self.chain.chain_id, self.token, _address(owner), self.tenders, value, nonce, deadline)
        return SignatureRequest(typed, _("let the tender contract take {amount} of the payment token").format(
            amount=rubles(value)))

    def permit(self, owner, value: int, deadline: int | None = None) -> tuple[int, int, bytes, bytes]:
        """An EIP-2612 permit by `owner` (an Ape account or a Signer) letting the tender contract
        take `value`: (deadline, v, r, s), as the `...WithPermit` functions take it."""
        deadline = deadline if deadline is not None else self.now() + DAY
        signature = as_signer(owner).sign_typed_data(self.permit_request(owner, value, deadline).typed_data)
        return permit_tuple(deadline, signature)

    def _with_permit(self, owner, amount: int, description: str, build) -> PreparedAction:
        """An action whose one call carries a permit of `amount`: the permit is signed first."""
        deadline = self.now() + DAY
        return PreparedAction(
            sender=_address(owner), description=description, to_sign=(self.permit_request(owner, amount, deadline),),
            complete=lambda signatures: build(permit_tuple(deadline, signatures[0])))

    # --- publishing ----------------------------------------------------------------------

    def prepare_create(self, hospital, need: TenderNeed, *, funding: str = "approve") -> PreparedAction:
        """Publish `need` and fund its escrow with the maximum price; its outcome is the tender id."""
        need.check(self.now(), self.award_window())
        self._check_funds(hospital, need.max_price, _("the escrow of the maximum price"))
        description = _("publish a tender for {quantity} units at most {max_price}").format(
            quantity=need.quantity, max_price=rubles(need.max_price))

        def created(receipts) -> int:
            return int(receipts[-1].event("TenderCreated").tenderId)

        if funding == "permit":
            return self._with_permit(hospital, need.max_price, description, lambda permit: action(
                hospital, description, self._call("Tenders", "createTenderWithPermit", [need.as_params(), permit],
                                                  description), outcome=created))
        if funding == "approve":
            allowance = self._allowance_calls(hospital, need.max_price)
            return action(hospital, description, *allowance,
                          self._call("Tenders", "createTender", [need.as_params()], description,
                                     after_previous=bool(allowance)), outcome=created)
        raise TenderError(_("funding is 'approve' or 'permit', not {funding!r}").format(funding=funding))

    def create(self, hospital, need: TenderNeed, *, funding: str = "approve") -> int:
        return carry_out(self.prepare_create(hospital, need, funding=funding), as_signer(hospital))

    def prepare_cancel(self, hospital, tender_id: int) -> PreparedAction:
        """Cancel before the bid deadline; the outcome is the escrow owed back to the hospital."""
        description = _("cancel tender {tender_id}").format(tender_id=tender_id)
        return action(hospital, description,
                      self._call("Tenders", "cancel", [tender_id], description),
                      outcome=lambda receipts: int(receipts[-1].event("TenderCancelled").refund))

    def cancel(self, hospital, tender_id: int) -> int:
        return carry_out(self.prepare_cancel(hospital, tender_id), as_signer(hospital))

    # --- bidding -------------------------------------------------------------------------

    def _check_bid(self, supplier, tender_id: int, price: int) -> TenderState:
        state = self.state(tender_id)
        if state.stage != TenderStage.BIDDING:
            raise TenderError(_("tender {tender_id} takes no bids: it is {stage} (bids closed at {bid_deadline})").format(tender_id=tender_id, stage=state.stage.name.lower(), bid_deadline=moment(state.bid_deadline)))
        if not 0 < price <= state.max_price:
            raise TenderError(_("a price must be more than zero and at most the maximum price {max_price}; a bid of "
                                "{price} could never be revealed and its security would be lost").format(max_price=rubles(state.max_price), price=rubles(price)))
        if self.tenders.bid(tender_id, _address(supplier)).sequence != 0:
            raise TenderError(_("{supplier} has already bid on tender {tender_id} (one bid per supplier)").format(supplier=_address(supplier), tender_id=tender_id))
        self._check_funds(supplier, state.bid_security, _("the bid security"))
        return state

    def seal(self, supplier, tender_id: int, price: int, *, salt_from_wallet: bool = False) -> SealedBid:
        """The sealed bid of `price`: its salt derived from the supplier's signature when asked
        and the wallet signs deterministically (nothing is kept then), else a random salt kept in
        the file store before anything is sent."""
        key = self.bid_key(tender_id, supplier)
        if salt_from_wallet:
            salt = wallet_salt(as_signer(supplier), key)
            if salt is not None:
                return SealedBid(key, int(price), salt, bid_commitment(key.chain_id, key.tenders, tender_id, key.bidder, price, salt))
        return self.store.seal(key, price)

    def prepare_commit(self, supplier, tender_id: int, sealed: SealedBid, *,
                       checked: TenderState | None = None) -> PreparedAction:
        """Commit the sealed bid from the supplier's wallet, its bid security by approval.
        `checked`: the tender's state when the bid was already checked (by `commit`)."""
        state = checked or self._check_bid(supplier, tender_id, sealed.price)
        allowance = self._allowance_calls(supplier, state.bid_security)
        description = _("bid on tender {tender_id}").format(tender_id=tender_id)
        return action(supplier, description, *allowance,
                      self._call("Tenders", "commitBid", [tender_id, sealed.commitment], description,
                                 after_previous=bool(allowance)))

    def commit(self, supplier, tender_id: int, price: int, *, salt_from_wallet: bool = False) -> SealedBid:
        """Bid `price` for the whole quantity from the supplier's wallet. The salt is kept (or
        derived from the wallet) before the commitment is sent."""
        state = self._check_bid(supplier, tender_id, price)
        sealed = self.seal(supplier, tender_id, price, salt_from_wallet=salt_from_wallet)
        carry_out(self.prepare_commit(supplier, tender_id, sealed, checked=state), as_signer(supplier))
        return sealed

    def sign_bid(self, supplier, tender_id: int, price: int, valid_for: int = DAY) -> SignedBid:
        """The supplier's bid as a signature anyone may relay (no gas for the supplier), its bid
        security by permit. The salt is kept before the signature leaves this function."""
        state = self._check_bid(supplier, tender_id, price)
        signer = as_signer(supplier)
        sealed = self.store.seal(self.bid_key(tender_id, supplier), price)
        deadline = self.now() + valid_for
        typed = bid_typed_data(self.chain.chain_id, self.tenders, tender_id, signer.address, sealed.commitment, deadline)
        signature = signer.sign_typed_data(typed)
        return SignedBid(int(tender_id), signer.address, sealed.commitment, deadline, signature,
                         self.permit(signer, state.bid_security, deadline))

    def prepare_relay(self, relayer, signed: SignedBid) -> PreparedAction:
        description = _("relay the bid of {bidder} on tender {tender_id}").format(
            bidder=signed.bidder, tender_id=signed.tender_id)
        return action(relayer, description, self._call(
            "Tenders", "commitBidBySig", [signed.tender_id, signed.bidder, signed.commitment, signed.deadline,
                                          signed.signature, signed.permit], description))

    def relay(self, relayer, signed: SignedBid):
        """Send a supplier's signed bid; the relayer pays the gas."""
        return carry_out(self.prepare_relay(relayer, signed), as_signer(relayer))[-1]

    def prepare_reveal(self, sender, tender_id: int, bidder=None, *, sealed: SealedBid | None = None) -> PreparedAction:
        """Open the bid of `bidder` (the sender by default) with `sealed` (by default the kept
        bid that opens it); the outcome is (price, whether it now leads)."""
        bidder = _address(bidder or sender)
        view = self.tenders.bid(tender_id, bidder)
        if view.sequence == 0:
            raise TenderError(_("{bidder} has no bid on tender {tender_id}").format(bidder=bidder, tender_id=tender_id))
        if view.revealed:
            raise TenderError(_("the bid of {bidder} on tender {tender_id} is already revealed ({price})").format(bidder=bidder, tender_id=tender_id, price=rubles(view.price)))
        if sealed is None:
            sealed = self.store.find(self.bid_key(tender_id, bidder), bytes(view.commitment))
        elif not sealed.opens(bytes(view.commitment)):
            raise TenderError(_("the price {price} with this salt does not open the bid of {bidder} on tender "
                                "{tender_id}; give the price you bid").format(price=rubles(sealed.price), bidder=bidder, tender_id=tender_id))
        description = _("reveal the bid of {bidder} on tender {tender_id}").format(bidder=bidder, tender_id=tender_id)

        def revealed(receipts) -> tuple[int, bool]:
            event = receipts[-1].event("BidRevealed")
            return int(event.price), bool(event.leading)

        return action(sender, description,
                      self._call("Tenders", "revealBid", [tender_id, bidder, sealed.price, sealed.salt], description),
                      outcome=revealed)

    def reveal(self, sender, tender_id: int, bidder=None, *, price: int | None = None,
               salt_from_wallet: bool = False) -> tuple[int, bool]:
        """Open the bid of `bidder` (the sender by default) with its kept price and salt, or with
        `price` and the salt the sender's wallet derives; returns (price, whether it now leads)."""
        sealed = None
        if salt_from_wallet:
            if price is None:
                raise TenderError(_("give the price you bid: with a salt from the wallet, nothing else is kept"))
            key = self.bid_key(tender_id, bidder or sender)
            salt = wallet_salt(as_signer(sender), key)
            if salt is not None:
                sealed = SealedBid(key, int(price), salt, bid_commitment(key.chain_id, key.tenders, tender_id, key.bidder, price, salt))
        return carry_out(self.prepare_reveal(sender, tender_id, bidder, sealed=sealed), as_signer(sender))

    # --- award and contract --------------------------------------------------------------

    def prepare_award(self, sender, tender_id: int) -> PreparedAction:
        """Award to the lowest revealed bid; with none, the tender fails. The hospital awards;
        anyone may once the award window after the reveals is over."""

        def awarded(receipts) -> Award:
            receipt = receipts[-1]
            found = receipt.events("TenderAwarded")
            if found:
                event = found[0]
                return Award(event.winner, int(event.price), int(event.performanceSecurity),
                             int(event.securityDeadline), int(event.refund) + int(event.forfeited))
            return Award(None, 0, 0, 0, int(receipt.event("TenderFailed").toHospital))

        description = _("award tender {tender_id}").format(tender_id=tender_id)
        return action(sender, description,
                      self._call("Tenders", "award", [tender_id], description), outcome=awarded)

    def award(self, sender, tender_id: int) -> Award:
        return carry_out(self.prepare_award(sender, tender_id), as_signer(sender))

    def prepare_post_security(self, winner, tender_id: int, *, funding: str = "approve") -> PreparedAction:
        """The winner posts its performance security (the contract is then concluded); the
        outcome is the amount."""
        amount = int(self.tenders.tender(tender_id).performanceSecurity)
        self._check_funds(winner, amount, _("the performance security"))
        description = _("post the performance security of tender {tender_id}").format(tender_id=tender_id)
        if funding == "permit":
            return self._with_permit(winner, amount, description, lambda permit: action(
                winner, description, self._call("Tenders", "postPerformanceSecurityWithPermit", [tender_id, permit],
                                                description), outcome=lambda receipts: amount))
        if funding == "approve":
            allowance = self._allowance_calls(winner, amount)
            return action(winner, description, *allowance,
                          self._call("Tenders", "postPerformanceSecurity", [tender_id], description,
                                     after_previous=bool(allowance)), outcome=lambda receipts: amount)
        raise TenderError(_("funding is 'approve' or 'permit', not {funding!r}").format(funding=funding))

    def post_security(self, winner, tender_id: int, *, funding: str = "approve") -> int:
        return carry_out(self.prepare_post_security(winner, tender_id, funding=funding), as_signer(winner))

    def prepare_fail_unsecured(self, sender, tender_id: int) -> PreparedAction:
        """After the security deadline without security: the winner's bid security goes to the
        hospital and the contract passes to the runner-up, or, with none, the tender fails. The
        outcome (`Unsecured`) says which."""
        description = _("close the award of tender {tender_id} for want of performance security").format(
            tender_id=tender_id)

        def closed(receipts) -> Unsecured:
            failed = receipts[-1].events("TenderFailed")
            if failed:
                return Unsecured(failed=True, to_hospital=int(failed[0].toHospital))
            passed = receipts[-1].event("AwardPassedToRunnerUp")
            return Unsecured(failed=False, to_hospital=int(passed.forfeited), new_winner=passed.runnerUp)

        return action(sender, description, self._call("Tenders", "failUnsecured", [tender_id], description),
                      outcome=closed)

    def fail_unsecured(self, sender, tender_id: int) -> Unsecured:
        return carry_out(self.prepare_fail_unsecured(sender, tender_id), as_signer(sender))

    # --- delivery ------------------------------------------------------------------------

    def prepare_deliver(self, winner, tender_id: int, gtin: int, lot: str, quantity: int,
                        waybill_cid: str) -> PreparedAction:
        """The winner ships `quantity` units of its batch (`gtin`, `lot`) to the hospital
        through Custody, tagged with the tender. Refused here when the units could not count:
        a product the tender does not accept, a batch recalled or too close to its expiry."""
        state = self.state(tender_id)
        if state.status != TenderStatus.CONTRACTED:
            raise TenderError(_("tender {tender_id} is {status}: deliveries count only once the winner has posted its "
                                "performance security").format(tender_id=tender_id, status=state.status.name.lower()))
        if _address(winner).lower() != (state.leader or "").lower():
            raise TenderError(_("{winner} is not the winner of tender {tender_id}; only it delivers").format(winner=_address(winner), tender_id=tender_id))
        due = state.quantity - state.delivered
        if not 0 < quantity <= due:
            raise TenderError(_("tender {tender_id} still needs {due} units; ship 1 to {due}, not {quantity}").format(tender_id=tender_id, due=due, quantity=quantity))
        if not self.tenders.isAccepted(tender_id, gtin):
            raise TenderError(_("tender {tender_id} does not accept GTIN {gtin:014d}").format(tender_id=tender_id, gtin=int(gtin)))
        batch = self.resources.batch(gtin, lot)
        if batch.status != BatchStatus.ACTIVE:
            raise TenderError(_("batch {gtin:014d}/{lot} is {status}: it cannot be delivered").format(gtin=int(gtin), lot=lot, status=BatchStatus(batch.status).name.lower()))
        if batch.expires < self.now() + state.min_residual_shelf_life:
            raise TenderError(_("batch {gtin:014d}/{lot} expires at {expires}; tender {tender_id} needs "
                                "{min_residual_shelf_life} days of shelf life left when delivered").format(gtin=int(gtin), lot=lot, expires=moment(batch.expires), tender_id=tender_id, min_residual_shelf_life=state.min_residual_shelf_life // DAY))
        batch_id = bytes(self.resources.batch_id(gtin, lot))
        description = _("ship {quantity} units of {gtin:014d}/{lot} for tender {tender_id}").format(
            quantity=quantity, gtin=int(gtin), lot=lot, tender_id=tender_id)

        def delivered(receipts) -> Delivery:
            shipped = receipts[-1].event("Shipped")
            return Delivery(int(shipped.shipmentId), shipment_record(shipped))

        return action(winner, description, self._call(
            "Custody", "shipForTender", [batch_id, state.hospital, quantity, self.tenders.address, tender_id, waybill_cid],
            description), outcome=delivered)

    def deliver(self, winner, tender_id: int, gtin: int, lot: str, quantity: int, waybill_cid: str) -> Delivery:
        return carry_out(self.prepare_deliver(winner, tender_id, gtin, lot, quantity, waybill_cid), as_signer(winner))

    def shipment(self, shipment_id: int) -> ShipmentRecord:
        """The terms of a shipment, from its `Shipped` log."""
        logs = self._logs(self.custody.Shipped, shipmentId=int(shipment_id))
        if not logs:
            raise TenderError(_("there is no shipment {shipment_id}").format(shipment_id=shipment_id))
        return shipment_record(logs[0])

    def prepare_accept(self, sender, tender_id: int, shipment_id: int) -> PreparedAction:
        """Count a delivery toward the tender, receiving it into Custody first when the sender is
        the hospital and it is still in transit. The outcome is (units counted, units delivered in
        all); the last delivery completes the tender and pays the supplier."""
        record = self.shipment(shipment_id)
        if record[5] != tender_id or record[4].lower() != self.tenders.address.lower():
            if record[5]:
                raise TenderError(_("shipment {shipment_id} is not a delivery for tender {tender_id} of this tender "
                                    "contract but for tender {other_tender} of {other_contract}").format(
                    shipment_id=shipment_id, tender_id=tender_id, other_tender=record[5], other_contract=record[4]))
            raise TenderError(_("shipment {shipment_id} is not a delivery for tender {tender_id} of this tender "
                                "contract").format(shipment_id=shipment_id, tender_id=tender_id))
        state = self.state(tender_id)
        if record[6] < state.concluded_at:
            raise TenderError(_("shipment {shipment_id} was shipped before the contract of tender {tender_id} was "
                                "concluded ({concluded_at}): only later deliveries count").format(shipment_id=shipment_id, tender_id=tender_id, concluded_at=moment(state.concluded_at)))
        status = ShipmentStatus(self.custody.shipmentStatus(shipment_id, record))
        calls = []
        unanswered = self.now() > record[6] + int(self.custody.RECEIPT_PERIOD())
        if status == ShipmentStatus.IN_TRANSIT and not unanswered:
            if _address(sender).lower() != record[2].lower():
                raise TenderError(_("shipment {shipment_id} is still in transit: {consignee} must receive it first").format(shipment_id=shipment_id, consignee=record[2]))
            calls.append(self._call("Custody", "receiveShipment", [shipment_id, record],
                                    _("receive shipment {shipment_id}").format(shipment_id=shipment_id)))
        elif status in (ShipmentStatus.REJECTED, ShipmentStatus.RECLAIMED):
            raise TenderError(_("shipment {shipment_id} was {name}; it cannot count toward tender {tender_id}").format(shipment_id=shipment_id, name=status.name.lower(), tender_id=tender_id))
        description = _("accept shipment {shipment_id} for tender {tender_id}").format(
            shipment_id=shipment_id, tender_id=tender_id)
        calls.append(self._call("Tenders", "acceptDelivery", [tender_id, shipment_id, record], description,
                                after_previous=bool(calls)))

        def accepted(receipts) -> tuple[int, int]:
            event = receipts[-1].event("DeliveryAccepted")
            return int(event.counted), int(event.delivered)

        return action(sender, description, *calls, outcome=accepted)

    def accept(self, sender, tender_id: int, shipment_id: int) -> tuple[int, int]:
        return carry_out(self.prepare_accept(sender, tender_id, shipment_id), as_signer(sender))

    def prepare_settle(self, sender, shipment_id: int) -> PreparedAction:
        """Settle a delivery nobody answered within `Custody.RECEIPT_PERIOD` (anyone may): a
        counted one goes to the hospital, any other back to the shipper. The outcome is
        "received" or "reclaimed"."""
        record = self.shipment(shipment_id)
        until = record[6] + int(self.custody.RECEIPT_PERIOD())
        if self.now() <= until:
            raise TenderError(_("the consignee may answer shipment {shipment_id} until {until}; settle it after").format(shipment_id=shipment_id, until=moment(until)))
        description = _("settle unanswered shipment {shipment_id}").format(shipment_id=shipment_id)

        def settled(receipts) -> str:
            return "received" if receipts[-1].events("Received") else "reclaimed"

        return action(sender, description,
                      self._call("Custody", "settleUnanswered", [shipment_id, record], description), outcome=settled)

    def settle(self, sender, shipment_id: int) -> str:
        return carry_out(self.prepare_settle(sender, shipment_id), as_signer(sender))

    def prepare_terminate(self, sender, tender_id: int) -> PreparedAction:
        """End a contract not delivered in time (the hospital, or the winner giving up): the
        outcome is (paid to the supplier pro rata, back to the hospital with the performance
        security)."""

        def terminated(receipts) -> tuple[int, int]:
            event = receipts[-1].event("TenderTerminated")
            return int(event.paidToSupplier), int(event.toHospital)

        description = _("terminate tender {tender_id}").format(tender_id=tender_id)
        return action(sender, description,
                      self._call("Tenders", "terminate", [tender_id], description),
                      outcome=terminated)

    def terminate(self, sender, tender_id: int) -> tuple[int, int]:
        return carry_out(self.prepare_terminate(sender, tender_id), as_signer(sender))

    # --- money out -----------------------------------------------------------------------

    def prepare_claim_bid_security(self, bidder, tender_id: int) -> PreparedAction:
        description = _("take back the bid security of tender {tender_id}").format(tender_id=tender_id)
        return action(bidder, description, self._call("Tenders", "claimBidSecurity", [tender_id], description),
                      outcome=lambda receipts: int(receipts[-1].event("BidSecurityClaimed").amount))

    def claim_bid_security(self, bidder, tender_id: int) -> int:
        return carry_out(self.prepare_claim_bid_security(bidder, tender_id), as_signer(bidder))

    def prepare_withdraw(self, account) -> PreparedAction:
        """Send the account everything the tender contract owes it; the outcome is the amount."""
        description = _("withdraw what is owed to {account}").format(account=_address(account))
        return action(account, description, self._call("Tenders", "withdraw", [], description),
                      outcome=lambda receipts: int(receipts[-1].event("Withdrawn").amount))

    def withdraw(self, account) -> int:
        return carry_out(self.prepare_withdraw(account), as_signer(account))

    # --- reads ---------------------------------------------------------------------------

    def tender_ids(self) -> range:
        return range(1, int(self.tenders.tenderCount()) + 1)

    def state(self, tender_id: int) -> TenderState:
        view = self.tenders.tender(tender_id)
        status = TenderStatus(view.status)
        if status == TenderStatus.NONE:
            raise TenderError(_("there is no tender {tender_id} (tenders so far: {tenders})").format(tender_id=tender_id, tenders=self.tenders.tenderCount()))
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
            runner_up=None if view.runnerUp == ZERO_ADDRESS else view.runnerUp, concluded_at=int(view.concludedAt),
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
        winner, runner_up = (state.winner or "").lower(), (state.runner_up or "").lower()
        parties = [Position(state.hospital, "hospital", int(self.tenders.owed(state.hospital)), 0)]
        for bid in self.bids(tender_id, state):
            role = ("winner" if bid.bidder.lower() == winner
                    else "runner-up" if bid.bidder.lower() == runner_up and state.status == TenderStatus.AWARDED
                    else "bidder")
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
    if state.status == TenderStatus.AWARDED and bidder.lower() == (state.runner_up or "").lower():
        return False  # the runner-up's offer stands until the contract is concluded
    return bool(view.revealed) and bidder.lower() != (state.leader or "").lower()
