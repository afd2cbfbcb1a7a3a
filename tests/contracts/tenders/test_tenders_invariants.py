"""Tender money, as a hypothesis state machine: a hospital, three suppliers and an outsider
create, bid (right and wrong salts, second reveals), award, post security, fail (the contract
passing to the runner-up), deliver through Custody (the hospital receiving, or withholding
receipt), settle unanswered shipments, terminate, cancel, claim and withdraw at random while time
jumps. A model predicts which actions are valid and what each moves: a valid one must succeed,
any other must revert.

After every step: the contract's token balance == Σ owed + Σ held; `owed` and `held` are
what the model says; every account's token balance is its start, minus what it paid in, plus
what it was sent, and what it was sent never exceeds what it was ever entitled to (so nothing
is paid twice: a second claim, withdraw or reveal reverts). The run must have tried each of
those three. At the end, liveness: time runs past every deadline; every tender shipment still in
transit is settled, each ending either counted (with the hospital) or back with its shipper;
every contract still running is terminated by its hospital; and everyone owed something
withdraws it. Transactions go straight through web3 (`raw_calls`): hundreds of them."""

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dapp.tenders.typed_data import new_salt
from tests.conftest import DAY
from tests.contracts.tenders.conftest import ship_and_receive
from tests.contracts.tenders.helpers import (
    commitment_of,
    AWARD_WINDOW,
    FUNDS,
    HOUR,
    RECEIPT_PERIOD,
    TERMINATION_DELAY,
    as_tuple,
    performance_security,
)
from tests.contracts.tenders.raw_calls import (
    block_time,
    first_topic,
    send,
    transfers,
    word_reader,
)
from tests.budget import examples

# Predictions are skipped this close to a deadline: the block holding a transaction may be a
# few seconds later than the pending timestamp read before sending it.
MARGIN = 300
MAX_TENDERS = 4
STOCK = 400
GUIDED = st.sampled_from([True, True, True, False])
SALTS = [bytes([i]) * 32 for i in range(1, 6)]
# (maximum price, quantity, bid security rate, performance security rate)
TERMS = st.tuples(
    st.sampled_from([100_000, 1_000_000, 999_999]),
    st.integers(1, 40),
    st.sampled_from([50, 100, 500]),
    st.sampled_from([0, 1_000, 3_000]),
)


@dataclass
class BidModel:
    sequence: int
    price: int
    salt: bytes
    revealed: bool = False
    held: bool = True  # its bid security is still in the contract
    claimed: bool = False


@dataclass
class TenderModel:
    hospital: str
    bid_deadline: int
    reveal_deadline: int
    delivery_deadline: int
    max_price: int
    bid_security: int
    performance_bps: int
    quantity: int
    window: int
    status: str = "open"
    bids: dict = field(default_factory=dict)
    leader: str | None = None
    runner_up: str | None = None
    concluded_at: int = 0
    price: int = 0
    performance_security: int = 0
    security_deadline: int = 0
    delivered: int = 0
    counted: set = field(default_factory=set)
    # [shipment_id, record, state]: state "in_transit", "received" or "reclaimed", as Custody has it.
    shipments: list = field(default_factory=list)

    def reserve(self):
        """What the escrow keeps while awarded: the runner-up's price, else the winner's."""
        return self.bids[self.runner_up].price if self.runner_up else self.price

    def held(self):
        escrow = {"open": self.max_price, "awarded": self.reserve(), "contracted": self.price + self.performance_security}
        return escrow.get(self.status, 0) + self.bid_security * sum(bid.held for bid in self.bids.values())


@pytest.fixture
def machine_world(tenders, funded, products, suppliers, stock, active_hospital, outsider):
    """Everyone funded and approving generously; every supplier holds a batch in Custody."""
    hospital, _, _ = funded
    batches = {bidder.address: stock(bidder, lot=f"W{i}", quantity=STOCK) for i, bidder in enumerate(suppliers)}
    return {"hospital": hospital, "suppliers": suppliers, "outsider": outsider, "batches": batches}


def test_tenders__random_lifecycles__money_conserved(chain, tenders, token, custody, tender_params, machine_world):
    hospital, suppliers, outsider = machine_world["hospital"], machine_world["suppliers"], machine_world["outsider"]
    actors = [hospital, *suppliers, outsider]
    by_address = {a.address: a for a in actors}
    supplier_addresses = {s.address for s in suppliers}
    read_tenders = word_reader(chain, tenders, outsider)
    read_token = word_reader(chain, token, outsider)
    any_actor = st.sampled_from(actors)
    start = {a.address: read_token("balanceOf", a)[0] for a in actors}
    # The attempts to be paid twice the run made (each must revert): checked at the end.
    repeats = set()

    class TendersMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.tenders: dict[int, TenderModel] = {}
            self.owed = {a.address: 0 for a in actors}
            self.entitled = {a.address: 0 for a in actors}  # ever credited or sent to it
            self.paid_in = {a.address: 0 for a in actors}
            self.received = {a.address: 0 for a in actors}
            self.stock = {address: STOCK for address in supplier_addresses}
            # What the token's Transfer logs show moving out of / into the contract, per account.
            self.sent = {a.address: 0 for a in actors}
            self.pulled = {a.address: 0 for a in actors}
            self.withdrew = set()
            self.changed = True

        def teardown(self):
            try:
                self.liveness()
                for address in self.owed:
                    balance = read_token("balanceOf", address)[0]
                    assert balance == start[address] - self.pulled[address] + self.sent[address], address
            finally:
                chain.restore(self.snapshot)

        # --- helpers ---

        def credit(self, address, amount):
            self.owed[address] += amount
            self.entitled[address] += amount

        def near(self, *deadlines):
            now = chain.pending_timestamp
            return any(abs(now - d) < MARGIN for d in deadlines if d)

        def jump_into(self, data, start, end=None):
            """A guided move goes to the time it needs: into (start, end], or past start; time
            only moves forward, so this is a no-op once past."""
            # Drawn whatever the time: what is drawn must not depend on the clock.
            fraction = data.draw(st.integers(0, 100), label="jump to (%)")
            low = start + MARGIN
            high = low + 2 * DAY if end is None else end - MARGIN
            if chain.pending_timestamp < low < high:
                chain.mine(timestamp=low + (high - low) * fraction // 100)

        def pick_tender(self, data, statuses=None):
            """A tender id: guided among those in `statuses`, or any (including an unknown one)."""
            ids = sorted(i for i, t in self.tenders.items() if statuses is None or t.status in statuses)
            if ids and data.draw(GUIDED, label="guided"):
                return data.draw(st.sampled_from(ids), label="tender")
            return data.draw(st.integers(1, len(self.tenders) + 1), label="any tender")

        def attempt(self, name, valid, method, *args, sender):
            """Send `tenders.method(*args)`; a valid call must succeed (its token transfers are
            recorded; its receipt is returned), any other must revert."""
            event(f"{name} {'succeeds' if valid else 'reverts'}")
            receipt = send(chain, tenders, method, *args, sender=sender)
            if not valid:
                assert receipt["status"] == 0, f"{name} did not revert"
                return None
            assert receipt["status"] == 1, f"{name} reverted"
            self.changed = True
            for source, destination, value in transfers(receipt, token):
                if source == tenders.address:
                    self.sent[destination] += value
                if destination == tenders.address:
                    self.pulled[source] += value
            return receipt

        # --- rules ---

        def _drive(self, data, phase):
            """Publish a tender, bid on it, and drive it as far as `phase`. On the way, as the
            rules might not: a revealed bid is revealed again, and after the award a revealed
            loser claims its security twice and the hospital withdraws twice (the second of
            each must revert)."""
            terms = data.draw(TERMS, label="terms")
            tender_id = self._create(hospital, *terms)
            t = self.tenders[tender_id]
            bidders = data.draw(st.lists(st.sampled_from(suppliers), unique=True, min_size=2), label="bidders")
            for bidder in bidders:
                self._commit(data, tender_id, bidder, data.draw(st.sampled_from(SALTS), label="salt"))
            if phase == "bidding":
                return
            self.jump_into(data, t.bid_deadline, t.reveal_deadline)
            for address, bid in sorted(t.bids.items()):
                if data.draw(st.sampled_from([True, True, True, False]), label="reveal it"):
                    self._reveal(tender_id, address, bid.price, bid.salt, hospital)
            revealed = [address for address, bid in sorted(t.bids.items()) if bid.revealed]
            if revealed:
                # Still inside the reveal window: only the second reveal itself is wrong.
                address = data.draw(st.sampled_from(revealed), label="bidder")
                bid = t.bids[address]
                self._reveal(tender_id, address, bid.price, bid.salt, by_address[address])
            if phase == "revealing":
                return
            self.jump_into(data, t.reveal_deadline)
            self._award(tender_id, hospital)
            losers = [address for address in revealed if address != t.leader]
            if t.status == "awarded" and losers:
                loser = by_address[data.draw(st.sampled_from(losers), label="loser")]
                self._claim(tender_id, loser)
                self._claim(tender_id, loser)
            self._withdraw(hospital)
            self._withdraw(hospital)
            if phase == "contracted" and t.leader:
                self._post_security(tender_id, by_address[t.leader])

        @initialize(data=st.data(), phase=st.sampled_from(["bidding", "revealing", "awarded", "contracted"]))
        def first_tender(self, data, phase):
            """Every run starts with two tenders with bids, each driven to a drawn stage (one
            most often under contract), so that even short runs reach every stage."""
            self._drive(data, phase)

        @initialize(data=st.data(), phase=st.sampled_from(["contracted", "contracted", "awarded", "revealing"]))
        def second_tender(self, data, phase):
            self._drive(data, phase)

        @precondition(lambda self: len(self.tenders) < MAX_TENDERS)
        @rule(data=st.data(), terms=TERMS)
        def create(self, data, terms):
            sender = hospital if data.draw(GUIDED, label="guided") else data.draw(any_actor, label="sender")
            self._create(sender, *terms)

        def _create(self, sender, max_price, quantity, bid_bps, performance_bps):
            now = chain.pending_timestamp
            params = tender_params(
                maxPrice=max_price,
                quantity=quantity,
                bidSecurityBps=bid_bps,
                performanceSecurityBps=performance_bps,
                bidDeadline=now + 8 * DAY,
                revealDeadline=now + 11 * DAY,
                deliveryDeadline=now + 25 * DAY,
                securityWindow=2 * DAY,
                minResidualShelfLife=30 * DAY,
            )
            receipt = self.attempt("create", sender == hospital, "createTender", as_tuple(params), sender=sender)
            if receipt:
                tender_id = first_topic(receipt, tenders)  # TenderCreated's tenderId
                assert tender_id == len(self.tenders) + 1
                self.tenders[tender_id] = TenderModel(
                    hospital=hospital.address,
                    bid_deadline=params["bidDeadline"],
                    reveal_deadline=params["revealDeadline"],
                    delivery_deadline=params["deliveryDeadline"],
                    max_price=max_price,
                    bid_security=max_price * bid_bps // 10_000,
                    performance_bps=performance_bps,
                    quantity=quantity,
                    window=2 * DAY,
                )
                self.paid_in[hospital.address] += max_price
                return tender_id

        @rule(data=st.data(), salt=st.sampled_from(SALTS))
        def commit(self, data, salt):
            tender_id = self.pick_tender(data, {"open"})
            bidder = data.draw(st.sampled_from([*suppliers, outsider]), label="bidder")
            self._commit(data, tender_id, bidder, salt)

        def _commit(self, data, tender_id, bidder, salt):
            t = self.tenders.get(tender_id)
            top = t.max_price if t else 1_000_000
            # Mostly a valid price; sometimes 0 or above the maximum (revealing it must fail).
            valid_price = data.draw(st.sampled_from([True, True, True, True, False]), label="valid price")
            price = data.draw(st.integers(1, top) if valid_price else st.sampled_from([0, top + 1]), label="price")
            if t and self.near(t.bid_deadline):
                return
            valid = (
                t is not None
                and t.status == "open"
                and chain.pending_timestamp <= t.bid_deadline
                and bidder.address in supplier_addresses
                and bidder.address not in t.bids
            )
            commitment = commitment_of(tenders, tender_id, bidder, price, salt)
            if self.attempt("commit", valid, "commitBid", tender_id, commitment, sender=bidder):
                t.bids[bidder.address] = BidModel(sequence=len(t.bids) + 1, price=price, salt=salt)
                self.paid_in[bidder.address] += t.bid_security

        @rule(data=st.data())
        def reveal(self, data):
            sealed = sorted((i, a) for i, t in self.tenders.items() if t.status == "open" for a in t.bids)
            if sealed and data.draw(GUIDED, label="guided"):
                tender_id, address = data.draw(st.sampled_from(sealed), label="bid")
                t = self.tenders[tender_id]
                bid = t.bids[address]
                self.jump_into(data, t.bid_deadline, t.reveal_deadline)
                # Mostly the right terms (a second reveal when already revealed), else a wrong salt.
                right = data.draw(st.sampled_from([True, True, False]), label="right salt")
                price, salt = bid.price, bid.salt if right else SALTS[0] if bid.salt != SALTS[0] else SALTS[1]
            else:
                tender_id = data.draw(st.integers(1, len(self.tenders) + 1), label="any tender")
                t = self.tenders.get(tender_id)
                address = data.draw(any_actor, label="bidder").address
                price, salt = 1, SALTS[0]
            self._reveal(tender_id, address, price, salt, data.draw(any_actor, label="caller"))

        def _reveal(self, tender_id, address, price, salt, caller):
            t = self.tenders.get(tender_id)
            if t and self.near(t.bid_deadline, t.reveal_deadline):
                return
            bid = t.bids.get(address) if t else None
            now = chain.pending_timestamp
            valid = (
                t is not None
                and t.status == "open"
                and t.bid_deadline < now <= t.reveal_deadline
                and bid is not None
                and not bid.revealed
                and (price, salt) == (bid.price, bid.salt)
                and 0 < price <= t.max_price
            )
            if bid and bid.revealed and t.status == "open" and t.bid_deadline < now <= t.reveal_deadline:
                repeats.add("second reveal")
            if self.attempt("reveal", valid, "revealBid", tender_id, address, price, salt, sender=caller):
                bid.revealed = True
                leader = t.bids.get(t.leader)
                runner_up = t.bids.get(t.runner_up)
                if leader is None or (price, bid.sequence) < (leader.price, leader.sequence):
                    if leader is not None:
                        t.runner_up = t.leader
                    t.leader, t.price = address, price
                elif runner_up is None or (price, bid.sequence) < (runner_up.price, runner_up.sequence):
                    t.runner_up = address

        @rule(data=st.data())
        def award(self, data):
            tender_id = self.pick_tender(data, {"open"})
            guided = data.draw(GUIDED, label="guided")
            caller = hospital if guided else data.draw(any_actor, label="caller")
            t = self.tenders.get(tender_id)
            if t and guided:
                self.jump_into(data, t.reveal_deadline)
            elif t and data.draw(st.sampled_from([False, True]), label="after the award window"):
                self.jump_into(data, t.reveal_deadline + AWARD_WINDOW)
            self._award(tender_id, caller)

        def _award(self, tender_id, caller):
            t = self.tenders.get(tender_id)
            if t and self.near(t.reveal_deadline, t.reveal_deadline + AWARD_WINDOW):
                return
            now = chain.pending_timestamp
            valid = (
                t is not None
                and t.status == "open"
                and now > t.reveal_deadline
                and (caller.address == t.hospital or now > t.reveal_deadline + AWARD_WINDOW)
            )
            receipt = self.attempt("award", valid, "award", tender_id, sender=caller)
            if not receipt:
                return
            unrevealed = [bid for bid in t.bids.values() if not bid.revealed]
            forfeited = t.bid_security * len(unrevealed)
            for bid in unrevealed:
                bid.held = False
            if t.leader is None:
                t.status = "failed"
                self.credit(t.hospital, t.max_price + forfeited)
                return
            t.status = "awarded"
            t.performance_security = performance_security(t.price, t.max_price, t.performance_bps)
            awarded_at = block_time(chain, receipt)
            t.security_deadline = awarded_at + t.window
            # A late award moves the delivery deadline by its delay.
            t.delivery_deadline += max(0, awarded_at - (t.reveal_deadline + AWARD_WINDOW))
            self.credit(t.hospital, t.max_price - t.reserve() + forfeited)

        @rule(data=st.data())
        def post_security(self, data):
            tender_id = self.pick_tender(data, {"awarded"})
            t = self.tenders.get(tender_id)
            guided = t is not None and t.leader and data.draw(GUIDED, label="guided")
            caller = by_address[t.leader] if guided else data.draw(any_actor, label="caller")
            self._post_security(tender_id, caller)

        def _post_security(self, tender_id, caller):
            t = self.tenders.get(tender_id)
            if t and self.near(t.security_deadline):
                return
            valid = (
                t is not None
                and t.status == "awarded"
                and caller.address == t.leader
                and chain.pending_timestamp <= t.security_deadline
            )
            receipt = self.attempt("post security", valid, "postPerformanceSecurity", tender_id, sender=caller)
            if receipt:
                if t.reserve() != t.price:
                    self.credit(t.hospital, t.reserve() - t.price)
                t.status = "contracted"
                t.concluded_at = block_time(chain, receipt)
                t.bids[t.leader].held = False
                self.credit(t.leader, t.bid_security)
                self.paid_in[t.leader] += t.performance_security

        @rule(data=st.data())
        def fail_unsecured(self, data):
            tender_id = self.pick_tender(data, {"awarded"})
            caller = data.draw(any_actor, label="caller")
            t = self.tenders.get(tender_id)
            if t and t.security_deadline and data.draw(st.sampled_from([False, True]), label="wait"):
                self.jump_into(data, t.security_deadline)
            if t and self.near(t.security_deadline):
                return
            valid = t is not None and t.status == "awarded" and chain.pending_timestamp > t.security_deadline
            receipt = self.attempt("fail unsecured", valid, "failUnsecured", tender_id, sender=caller)
            if receipt:
                t.bids[t.leader].held = False  # forfeited to the hospital
                if t.runner_up:
                    self.credit(t.hospital, t.bid_security)
                    t.leader, t.runner_up = t.runner_up, None
                    t.price = t.bids[t.leader].price
                    t.performance_security = performance_security(t.price, t.max_price, t.performance_bps)
                    new_deadline = block_time(chain, receipt) + t.window
                    t.delivery_deadline += new_deadline - t.security_deadline
                    t.security_deadline = new_deadline
                else:
                    t.status = "failed"
                    self.credit(t.hospital, t.price + t.bid_security)

        @rule(data=st.data())
        def deliver(self, data):
            """The winner (or another supplier) ships some units to the hospital for a tender, the
            hospital receives them in Custody, and someone asks for the delivery to be
            counted; or a delivery already counted is presented again."""
            tender_id = self.pick_tender(data, {"contracted"})
            t = self.tenders.get(tender_id)
            if t is None:
                return
            if t.shipments and data.draw(st.sampled_from([False, False, True]), label="again"):
                shipment = data.draw(st.sampled_from(t.shipments), label="shipment")
            else:
                guided = t.leader and data.draw(GUIDED, label="guided")
                shipper = t.leader if guided else data.draw(st.sampled_from(sorted(supplier_addresses)), label="shipper")
                quantity = data.draw(st.integers(1, max(1, t.quantity)), label="quantity")
                if self.stock[shipper] < quantity:
                    return
                # A hostile hospital may withhold receipt.
                receive = data.draw(st.sampled_from([True, True, False]), label="hospital receives")
                shipment_id, record = ship_and_receive(
                    custody, machine_world["batches"][shipper], by_address[shipper], hospital, quantity, tender_id,
                    receive=receive, tenders=tenders,
                )
                self.stock[shipper] -= quantity
                shipment = [shipment_id, record, "received" if receive else "in_transit"]
                t.shipments.append(shipment)
            shipment_id, record, state = shipment
            unanswered_until = record[6] + RECEIPT_PERIOD
            if state == "in_transit" and self.near(unanswered_until):
                return
            if t.leader and data.draw(GUIDED, label="guided caller"):
                caller = data.draw(st.sampled_from([hospital, by_address[t.leader]]), label="caller")
            else:
                caller = data.draw(any_actor, label="caller")
            valid = (
                t.status == "contracted"
                and caller.address in (t.hospital, t.leader)
                and record[1] == t.leader
                and record[6] >= t.concluded_at
                and (state == "received" or (state == "in_transit" and chain.pending_timestamp > unanswered_until))
                and shipment_id not in t.counted
            )
            if self.attempt("accept delivery", valid, "acceptDelivery", tender_id, shipment_id, record, sender=caller):
                t.counted.add(shipment_id)
                t.delivered += min(record[3], t.quantity - t.delivered)
                if t.delivered == t.quantity:
                    t.status = "completed"
                    self.credit(t.leader, t.price + t.performance_security)

        @rule(data=st.data())
        def terminate(self, data):
            tender_id = self.pick_tender(data, {"contracted"})
            guided = data.draw(GUIDED, label="guided")
            t = self.tenders.get(tender_id)
            if guided and t and t.leader:
                # The hospital, or a winner that gives up.
                caller = data.draw(st.sampled_from([hospital, by_address[t.leader]]), label="caller")
            else:
                caller = data.draw(any_actor, label="caller")
            if t and guided:
                self.jump_into(data, t.delivery_deadline + (TERMINATION_DELAY if caller == hospital else 0))
            if t and self.near(t.delivery_deadline, t.delivery_deadline + TERMINATION_DELAY):
                return
            # The hospital only once deliveries shipped in time could be counted; the winner
            # giving up, after the deadline.
            now = chain.pending_timestamp
            valid = (
                t is not None
                and t.status == "contracted"
                and (
                    (caller.address == t.hospital and now > t.delivery_deadline + TERMINATION_DELAY)
                    or (caller.address == t.leader and now > t.delivery_deadline)
                )
            )
            if self.attempt("terminate", valid, "terminate", tender_id, sender=caller):
                t.status = "terminated"
                paid = t.price * t.delivered // t.quantity
                self.credit(t.leader, paid)
                self.credit(t.hospital, t.price - paid + t.performance_security)

        @rule(data=st.data())
        def cancel(self, data):
            tender_id = self.pick_tender(data, {"open"})
            caller = hospital if data.draw(GUIDED, label="guided") else data.draw(any_actor, label="caller")
            t = self.tenders.get(tender_id)
            if t and self.near(t.bid_deadline):
                return
            valid = (
                t is not None
                and t.status == "open"
                and caller.address == t.hospital
                and chain.pending_timestamp <= t.bid_deadline
            )
            if self.attempt("cancel", valid, "cancel", tender_id, sender=caller):
                t.status = "cancelled"
                self.credit(t.hospital, t.max_price)

        @rule(data=st.data())
        def claim(self, data):
            # Guided: the bids whose security may come back (or came back already).
            bids = sorted(
                (i, a)
                for i, t in self.tenders.items()
                for a, bid in t.bids.items()
                if t.status == "cancelled" or (t.status != "open" and bid.revealed and a != t.leader and bid.held)
            )
            if bids and data.draw(GUIDED, label="guided"):
                tender_id, address = data.draw(st.sampled_from(bids), label="bid")
                caller = by_address[address]
            else:
                tender_id = data.draw(st.integers(1, len(self.tenders) + 1), label="any tender")
                caller = data.draw(any_actor, label="caller")
            if self._claim(tender_id, caller) and data.draw(st.booleans(), label="claim again"):
                self._claim(tender_id, caller)

        def _claim(self, tender_id, caller):
            t = self.tenders.get(tender_id)
            bid = t.bids.get(caller.address) if t else None
            valid = (
                bid is not None
                and bid.held
                and (
                    t.status == "cancelled"
                    or (
                        t.status not in ("open", "cancelled")
                        and bid.revealed
                        and caller.address != t.leader
                        and (t.status != "awarded" or caller.address != t.runner_up)
                    )
                )
            )
            if bid and bid.claimed:
                repeats.add("second claim")
            if self.attempt("claim", valid, "claimBidSecurity", tender_id, sender=caller):
                bid.held = False
                bid.claimed = True
                self.entitled[caller.address] += t.bid_security
                self.received[caller.address] += t.bid_security
                return True
            return False

        @rule(data=st.data())
        def withdraw(self, data):
            owing = sorted(a for a, amount in self.owed.items() if amount)
            if owing and data.draw(GUIDED, label="guided"):
                caller = by_address[data.draw(st.sampled_from(owing), label="caller")]
            else:
                caller = data.draw(any_actor, label="caller")
            if self._withdraw(caller) and data.draw(st.booleans(), label="withdraw again"):
                self._withdraw(caller)

        def _withdraw(self, caller):
            amount = self.owed[caller.address]
            if caller.address in self.withdrew and not amount:
                repeats.add("second withdrawal")
            if self.attempt("withdraw", amount > 0, "withdraw", sender=caller):
                self.received[caller.address] += amount
                self.owed[caller.address] = 0
                self.withdrew.add(caller.address)
                return True
            return False

        @rule(data=st.data())
        def settle(self, data):
            """Anyone settles a tender shipment nobody answered: a counted one goes to the
            hospital, any other back to its shipper."""
            waiting = [(i, s) for i, t in sorted(self.tenders.items()) for s in t.shipments if s[2] == "in_transit"]
            if not waiting:
                return
            tender_id, shipment = data.draw(st.sampled_from(waiting), label="shipment")
            if data.draw(GUIDED, label="wait for it"):
                self.jump_into(data, shipment[1][6] + RECEIPT_PERIOD)
            self._settle(self.tenders[tender_id], shipment, data.draw(any_actor, label="caller"))

        def _settle(self, t, shipment, caller):
            shipment_id, record, _ = shipment
            if self.near(record[6] + RECEIPT_PERIOD):
                return
            valid = chain.pending_timestamp > record[6] + RECEIPT_PERIOD
            event(f"settle {'succeeds' if valid else 'reverts'}")
            receipt = send(chain, custody, "settleUnanswered", shipment_id, record, sender=caller)
            assert receipt["status"] == (1 if valid else 0), "settle"
            if valid:
                counted = shipment_id in t.counted
                shipment[2] = "received" if counted else "reclaimed"
                if not counted:
                    self.stock[record[1]] += record[3]
                assert custody.balanceOf(record[0], record[1]) == self.stock[record[1]]

        def liveness(self):
            """Past every deadline: every tender shipment ends counted (with the hospital) or
            back with its shipper; every running contract can be terminated by its hospital;
            everyone owed something can withdraw it."""
            latest = max([t.delivery_deadline + TERMINATION_DELAY for t in self.tenders.values()]
                         + [s[1][6] + RECEIPT_PERIOD for t in self.tenders.values() for s in t.shipments] + [0])
            chain.mine(timestamp=max(chain.pending_timestamp, latest + MARGIN))
            for t in self.tenders.values():
                for shipment in t.shipments:
                    if shipment[2] == "in_transit":
                        self._settle(t, shipment, outsider)
                    # A counted delivery is the hospital's; an uncounted one unanswered went back.
                    assert shipment[2] == "received" or shipment[0] not in t.counted
            for tender_id, t in sorted(self.tenders.items()):
                if t.status == "contracted":
                    receipt = send(chain, tenders, "terminate", tender_id, sender=hospital)
                    assert receipt["status"] == 1, "a running contract could not be terminated"
                    t.status = "terminated"
                    paid = t.price * t.delivered // t.quantity
                    self.credit(t.leader, paid)
                    self.credit(t.hospital, t.price - paid + t.performance_security)
            for address, amount in sorted(self.owed.items()):
                if amount:
                    assert self._withdraw(by_address[address]), f"{address} could not withdraw what it is owed"
            assert read_token("balanceOf", tenders)[0] == sum(t.held() for t in self.tenders.values())

        @rule(data=st.data())
        def advance_time(self, data):
            seconds = data.draw(st.sampled_from([6 * HOUR, DAY + HOUR, 2 * DAY, 5 * DAY]), label="seconds")
            chain.mine(timestamp=chain.pending_timestamp + seconds)

        # --- invariants ---

        @invariant()
        def money_conserved_and_as_modelled(self):
            # A step whose transactions all reverted changed nothing: the reads would repeat.
            if not self.changed:
                return
            self.changed = False
            owed = {a: read_tenders("owed", a)[0] for a in self.owed}
            held = {i: read_tenders("held", i)[0] for i in self.tenders}
            balance = read_token("balanceOf", tenders)[0]
            assert balance == sum(owed.values()) + sum(held.values())
            assert owed == self.owed
            assert held == {i: t.held() for i, t in self.tenders.items()}
            for address in self.owed:
                assert self.received[address] + self.owed[address] == self.entitled[address]
                assert self.pulled[address] == self.paid_in[address], address
                assert self.sent[address] == self.received[address] <= self.entitled[address], address
            assert start[hospital.address] == FUNDS

    run_state_machine_as_test(
        TendersMachine,
        settings=settings(
            max_examples=examples(20),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # A second reveal, claim and withdrawal by the same bidder were tried (and reverted).
    assert repeats == {"second reveal", "second claim", "second withdrawal"}
