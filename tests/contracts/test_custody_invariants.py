"""Custody conservation, as a hypothesis state machine: random organizations ship, receive,
reject, decommission and undo at random, the regulator suspends and reinstates them, batches get
recalled (Resources reports it to Custody) and time passes. A model predicts which actions are
valid: those must succeed, the others must revert and change nothing. After every step, for
every batch, the chain must agree with the model, and the sum over holders of (balance +
units decommissioned) + in transit == commissioned.

Each action is either guided (drawn among the moves the model says are possible: a holder
ships part of its balance, a consignee closes its shipment with its terms, a dispenser undoes)
or wild (any account, any number, any shipment id, the terms of another shipment or terms with
one field altered), so that both successes and refusals are frequent."""

import copy
from dataclasses import dataclass, field

import ape
import pytest
from hexbytes import HexBytes
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from dapp.actions.custody import shipment_record
from dapp.verification.merkle import leaf_hash, unit_hash
from dapp.roles import BatchStatus, Role, ShipmentStatus
from tests.conftest import DAY, GTIN, REASON_CID, WAYBILL_CID
from tests.budget import examples
from tests.contracts.tree_nodes import inner_nodes

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

DISPENSED = 1
GRACE_PERIOD = 10 * DAY
STATUS = {"in_transit": ShipmentStatus.IN_TRANSIT, "received": ShipmentStatus.RECEIVED, "rejected": ShipmentStatus.REJECTED,
          "reclaimed": ShipmentStatus.RECLAIMED}
# Time-dependent predictions are skipped this close to a deadline: the block that will hold a
# transaction may be a few seconds later than the pending timestamp read before sending it.
MARGIN = 300
RECEIPT_PERIOD = 20 * DAY
QUANTITIES = {"A": 6, "B": 4}
# Four guided moves for one wild one.
GUIDED = st.sampled_from([True, True, True, True, False])
# Dispenses weigh most: they are the ones with a time limit and an undo.
REASONS = st.sampled_from([1, 1, 1, 2, 3, 4, 5])


@dataclass
class Model:
    """What the chain should hold."""

    balances: dict = field(default_factory=dict)  # (lot, address) -> units
    # id -> [(batch_id, shipper, consignee, quantity, tender_id), status], the terms as
    # `Shipped` logged them.
    shipments: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)  # (lot, serial) -> (reason, by, at)
    held: set = field(default_factory=set)  # (lot, address) that ever held the batch
    suspended: set = field(default_factory=set)
    recalled: set = field(default_factory=set)

    def in_transit(self, batch_id):
        return sum(
            record[3] for record, status in self.shipments.values() if record[0] == batch_id and status == "in_transit"
        )

    def decommissioned(self, lot, address):
        """Units of `lot` that `address` decommissioned (and did not undo)."""
        return sum(1 for (b, _), (_, by, _) in self.units.items() if b == lot and by == address)


def word_reader(chain, contract, caller):
    """A view call returning its result as 32-byte words: a raw eth_call, several times faster
    than through Ape's and web3's formatting layers, for the reads made after every step."""

    def read(method, *args):
        data = HexBytes(getattr(contract, method).encode_input(*args))
        call = {"from": caller.address, "to": contract.address, "data": data.to_0x_hex()}
        raw = HexBytes(chain.provider.make_request("eth_call", [call, "latest"]))
        return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw), 32)]

    return read


@pytest.fixture
def world(
    create_organization,
    custody,
    create_custody_batch,
    resources,
    manufacturer,
    distributor,
    hospital,
    pharmacy,
    supplier,
    second_regulator,
    stranger,
):
    """Five custodians and two outsiders; two batches already spread along the chain (so that
    even a short run has stock at several holders, a shipment in transit and a dispensed unit
    to undo), and the model of that starting point."""
    create_organization(distributor, Role.DISTRIBUTOR | Role.SUPPLIER)
    create_organization(hospital, Role.MEDICAL_ORGANIZATION)
    create_organization(pharmacy, Role.PHARMACY)
    create_organization(supplier, Role.SUPPLIER)
    create_organization(second_regulator, Role.REGULATOR)  # active, but may not hold custody
    batches = {}
    for lot, quantity in QUANTITIES.items():
        batch_id, tree, serials = create_custody_batch(lot=lot, quantity=quantity, expires_in=3650 * DAY)
        batches[lot] = (batch_id, tree, serials, resources.batch_by_id(batch_id).expires)

    model = Model()
    for lot in QUANTITIES:
        model.balances[(lot, manufacturer.address)] = QUANTITIES[lot]
        model.held.add((lot, manufacturer.address))

    def ship(lot, to, quantity, receive=True):
        tx = custody.ship(batches[lot][0], to, quantity, WAYBILL_CID, sender=manufacturer)
        shipped = tx.decode_logs(custody.Shipped)[0]
        record = shipment_record(shipped)
        model.balances[(lot, manufacturer.address)] -= quantity
        model.shipments[shipped.shipmentId] = [record, "in_transit"]
        if receive:
            custody.receiveShipment(shipped.shipmentId, record, sender=to)
            model.shipments[shipped.shipmentId][1] = "received"
            model.balances[(lot, to.address)] = model.balances.get((lot, to.address), 0) + quantity
            model.held.add((lot, to.address))

    ship("A", distributor, 2)
    ship("A", pharmacy, 1)
    ship("A", hospital, 1, receive=False)
    ship("B", distributor, 2)
    _, tree, serials, _ = batches["A"]
    leaf = leaf_hash(GTIN, serials[0])
    tx = custody.decommission(batches["A"][0], unit_hash(GTIN, serials[0]), tree.proof(leaf), DISPENSED, sender=pharmacy)
    model.balances[("A", pharmacy.address)] -= 1
    model.units[("A", serials[0])] = (DISPENSED, pharmacy.address, tx.timestamp)

    custodians = [manufacturer, distributor, hospital, pharmacy, supplier]
    return {
        "batches": batches,
        "custodians": custodians,
        "actors": custodians + [second_regulator, stranger],
        "model": model,
    }


def test_custody__random_operations__quantities_conserved(
    chain, custody, participants, resources, regulator, manufacturer, world
):
    batches = world["batches"]
    actors = world["actors"]
    by_address = {a.address: a for a in actors}
    custodian_addresses = {a.address for a in world["custodians"]}
    lots = sorted(batches)
    lot_of = {batches[lot][0]: lot for lot in lots}
    read = word_reader(chain, custody, regulator)
    any_actor = st.sampled_from(actors)

    class CustodyMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model = copy.deepcopy(world["model"])

        def teardown(self):
            try:
                self.check_outsiders_and_units()
            finally:
                chain.restore(self.snapshot)

        def check_outsiders_and_units(self):
            """Once per example (the reads are slow): organizations that may not hold custody
            never hold any, every unit's state is as modelled, and every shipment's status is,
            given its terms (and none given other terms)."""
            for lot in lots:
                for account in actors:
                    if account.address not in custodian_addresses:
                        holding = custody.holding(batches[lot][0], account)
                        assert (holding.balance, holding.decommissioned, holding.everHeld) == (0, 0, False)
            for (lot, serial), (reason, by, at) in self.model.units.items():
                state = custody.unit(batches[lot][0], leaf_hash(GTIN, serial))
                assert (state.reason, state.by, state.at) == (reason, by, at)
            for shipment_id, (record, status) in self.model.shipments.items():
                assert read("shipmentStatus", shipment_id, record) == [STATUS[status]], shipment_id
                other_terms = (*record[:3], record[3] + 1, *record[4:])
                assert read("shipmentStatus", shipment_id, other_terms) == [0]
            assert read("shipmentStatus", len(self.model.shipments) + 1, (b"\x00" * 32, regulator.address, regulator.address, 1, ZERO_ADDRESS, 0, 0)) == [0]

        # --- helpers ---

        def active(self, account):
            return account.address in custodian_addresses and account.address not in self.model.suspended

        def balance(self, lot, account):
            return self.model.balances.get((lot, account.address), 0)

        def add(self, lot, address, quantity):
            key = (lot, address)
            self.model.balances[key] = self.model.balances.get(key, 0) + quantity

        def holdings(self):
            """(lot, holder) pairs with units, in a stable order."""
            return sorted((lot, address) for (lot, address), units in self.model.balances.items() if units > 0)

        @staticmethod
        def attempt(name, valid, send):
            """Send the transaction; a valid one must succeed, another must revert."""
            event(f"{name} {'succeeds' if valid else 'reverts'}")
            if valid:
                return send()
            with ape.reverts():
                send()
            return None

        # --- rules ---

        @rule(data=st.data(), tender=st.sampled_from([0, 0, 9]))
        def ship(self, data, tender):
            holdings = self.holdings()
            if holdings and data.draw(GUIDED, label="guided"):
                lot, address = data.draw(st.sampled_from(holdings), label="holding")
                sender = by_address[address]
                quantity = data.draw(st.integers(1, self.balance(lot, sender)), label="quantity")
                to = data.draw(st.sampled_from([a for a in world["custodians"] if a != sender]), label="to")
            else:
                lot = data.draw(st.sampled_from(lots), label="lot")
                sender, to = data.draw(any_actor, label="sender"), data.draw(any_actor, label="to")
                quantity = data.draw(st.integers(0, 7), label="quantity")
            valid = (
                quantity > 0
                and to.address != sender.address
                and self.active(sender)
                and self.active(to)
                and self.balance(lot, sender) >= quantity
            )
            tx = self.attempt(
                "ship", valid,
                lambda: custody.shipForTender(batches[lot][0], to, quantity, custody, tender, WAYBILL_CID, sender=sender)
                if tender else custody.ship(batches[lot][0], to, quantity, WAYBILL_CID, sender=sender)
            )
            if tx:
                shipped = tx.decode_logs(custody.Shipped)[0]
                assert shipped.shipmentId == len(self.model.shipments) + 1
                tagged_for = custody.address if tender else ZERO_ADDRESS
                record = (batches[lot][0], sender.address, to.address, quantity, tagged_for, tender, tx.timestamp)
                assert shipment_record(shipped) == record
                self.model.shipments[shipped.shipmentId] = [record, "in_transit"]
                self.add(lot, sender.address, -quantity)

        def _pick_shipment(self, data):
            """A shipment id, the terms passed with it, the caller, and whether the close
            should succeed."""
            open_ids = sorted(i for i, (_, status) in self.model.shipments.items() if status == "in_transit")
            if open_ids and data.draw(GUIDED, label="guided"):
                shipment_id = data.draw(st.sampled_from(open_ids), label="shipment")
                terms = self.model.shipments[shipment_id][0]
                caller = by_address[terms[2]]
            else:
                if open_ids and data.draw(st.booleans(), label="open shipment"):
                    shipment_id = data.draw(st.sampled_from(open_ids), label="shipment")
                else:
                    shipment_id = data.draw(st.integers(0, len(self.model.shipments) + 1), label="shipment")
                terms = self._wild_terms(data, shipment_id)
                # Often the consignee the terms name, so that only the terms are wrong.
                named = by_address.get(terms[2])
                if named is not None and data.draw(st.booleans(), label="named consignee calls"):
                    caller = named
                else:
                    caller = data.draw(any_actor, label="caller")
            shipment = self.model.shipments.get(shipment_id)
            valid = (
                shipment is not None
                and terms == shipment[0]
                and terms[2] == caller.address
                and shipment[1] == "in_transit"
                and self.active(caller)
            )
            return shipment_id, terms, caller, valid

        def _wild_terms(self, data, shipment_id):
            """The shipment's own terms, another shipment's (the same, when they were shipped
            alike), or its terms with one field altered: another batch, shipper, consignee,
            quantity (high bits included), tender or shipping time."""
            ids = sorted(self.model.shipments)
            own = self.model.shipments[shipment_id][0] if shipment_id in self.model.shipments else None
            if not ids:
                actor = data.draw(any_actor, label="consignee")
                return (batches[lots[0]][0], manufacturer.address, actor.address, 1, ZERO_ADDRESS, 0, 0)
            kind = data.draw(st.sampled_from(["own", "own", "other", "altered"]), label="terms")
            if kind == "own" and own is not None:
                return own
            if kind == "other" or own is None:
                return self.model.shipments[data.draw(st.sampled_from(ids), label="other shipment")][0]
            field = data.draw(st.sampled_from(["batch", "shipper", "consignee", "quantity", "tender", "time"]),
                              label="altered")
            batch_id, shipper, consignee, quantity, tenders, tender, shipped_at = own
            if field == "batch":
                batch_id = batches[lots[1]][0] if batch_id == batches[lots[0]][0] else batches[lots[0]][0]
            elif field == "shipper":
                shipper = data.draw(any_actor.filter(lambda a: a.address != shipper), label="shipper").address
            elif field == "consignee":
                consignee = data.draw(any_actor.filter(lambda a: a.address != consignee), label="consignee").address
            elif field == "quantity":
                quantity += data.draw(st.sampled_from([1, -1, 2**64]), label="quantity change")
            elif field == "tender":
                tender += 1
            else:
                shipped_at -= 1
            return (batch_id, shipper, consignee, quantity, tenders, tender, shipped_at)

        @rule(data=st.data())
        def receive(self, data):
            shipment_id, terms, caller, valid = self._pick_shipment(data)
            if self.attempt("receive", valid, lambda: custody.receiveShipment(shipment_id, terms, sender=caller)):
                self.model.shipments[shipment_id][1] = "received"
                lot = lot_of[terms[0]]
                self.add(lot, caller.address, terms[3])
                self.model.held.add((lot, caller.address))

        @rule(data=st.data())
        def reject(self, data):
            shipment_id, terms, caller, valid = self._pick_shipment(data)
            # The consignee answers within the receipt period; a refusal after it is refused.
            deadline = terms[6] + RECEIPT_PERIOD
            if valid and abs(chain.pending_timestamp - deadline) < MARGIN:
                return
            valid = valid and chain.pending_timestamp <= deadline
            if self.attempt(
                "reject", valid, lambda: custody.reject(shipment_id, terms, REASON_CID, sender=caller)
            ):
                self.model.shipments[shipment_id][1] = "rejected"
                self.add(lot_of[terms[0]], terms[1], terms[3])

        @rule(data=st.data())
        def settle(self, data):
            """Anyone settles a shipment unanswered past the receipt period: back to its shipper
            (the tender contract the tagged ones name, Custody itself here, counts nothing)."""
            shipment_id, terms, caller, valid = self._pick_shipment(data)
            deadline = terms[6] + RECEIPT_PERIOD
            if abs(chain.pending_timestamp - deadline) < MARGIN:
                return
            shipment = self.model.shipments.get(shipment_id)
            valid = (
                shipment is not None
                and terms == shipment[0]
                and shipment[1] == "in_transit"
                and chain.pending_timestamp > deadline
            )
            if self.attempt("settle", valid, lambda: custody.settleUnanswered(shipment_id, terms, sender=caller)):
                self.model.shipments[shipment_id][1] = "reclaimed"
                self.add(lot_of[terms[0]], terms[1], terms[3])

        @rule(data=st.data())
        def decommission(self, data):
            holdings = self.holdings()
            if holdings and data.draw(GUIDED, label="guided"):
                lot, address = data.draw(st.sampled_from(holdings), label="holding")
                sender, source, reason = by_address[address], lot, data.draw(REASONS, label="reason")
            else:
                lot, source = data.draw(st.sampled_from(lots), label="lot"), data.draw(st.sampled_from(lots), label="source")
                sender, reason = data.draw(any_actor, label="sender"), data.draw(st.integers(0, 6), label="reason")
            # A unit of `source` claimed to be of `lot`: the proof is wrong unless they are the same.
            _, source_tree, source_serials, _ = batches[source]
            serial = data.draw(st.sampled_from(source_serials), label="serial")
            batch_id, _, _, expires = batches[lot]
            timestamp = chain.pending_timestamp
            if reason == DISPENSED and abs(timestamp - expires) < MARGIN:
                return
            valid = (
                1 <= reason <= 5
                and self.active(sender)
                and self.balance(lot, sender) >= 1
                and (lot, serial) not in self.model.units
                and source == lot
                and (reason != DISPENSED or (lot not in self.model.recalled and timestamp <= expires))
            )
            leaf = leaf_hash(GTIN, serial)
            unit, proof = unit_hash(GTIN, serial), source_tree.proof(leaf)
            if data.draw(st.sampled_from([False, False, False, True]), label="inner node as the unit"):
                # The attacker's ghost: an inner node of the tree (the root among them) with the rest
                # of its path, to write off stock with no real pack. Never a unit.
                unit, proof = data.draw(st.sampled_from(inner_nodes(source_tree)), label="inner node")
                valid = False
            tx = self.attempt(
                "decommission", valid,
                lambda: custody.decommission(batch_id, unit, proof, reason, sender=sender)
            )
            if tx:
                self.model.units[(lot, serial)] = (reason, sender.address, tx.timestamp)
                self.add(lot, sender.address, -1)

        @rule(data=st.data())
        def undo_dispense(self, data):
            dispensed = sorted(unit for unit, state in self.model.units.items() if state[0] == DISPENSED)
            if dispensed and data.draw(GUIDED, label="guided"):
                lot, serial = data.draw(st.sampled_from(dispensed), label="unit")
                caller = by_address[self.model.units[(lot, serial)][1]]
            else:
                lot = data.draw(st.sampled_from(lots), label="lot")
                serial = data.draw(st.sampled_from(batches[lot][2]), label="serial")
                caller = data.draw(any_actor, label="caller")
            state = self.model.units.get((lot, serial))
            timestamp = chain.pending_timestamp
            if state and abs(timestamp - (state[2] + GRACE_PERIOD)) < MARGIN:
                return
            valid = (
                state is not None
                and state[0] == DISPENSED
                and state[1] == caller.address
                and timestamp <= state[2] + GRACE_PERIOD
                and self.active(caller)
            )
            batch_id, leaf = batches[lot][0], leaf_hash(GTIN, serial)
            if self.attempt("undo", valid, lambda: custody.undoDispense(batch_id, leaf, sender=caller)):
                del self.model.units[(lot, serial)]
                self.add(lot, caller.address, 1)

        @rule(account=st.sampled_from(world["custodians"]), suspend=st.sampled_from([False, False, True]))
        def suspend_or_reinstate(self, account, suspend):
            # Suspensions are rarer than reinstatements, or most organizations would be idle.
            if account.address in self.model.suspended:
                participants.reinstate(account, sender=regulator)
                self.model.suspended.discard(account.address)
            elif suspend:
                participants.suspend(account, REASON_CID, sender=regulator)
                self.model.suspended.add(account.address)

        @precondition(lambda self: len(self.model.recalled) < len(lots))
        @rule(lot=st.sampled_from(lots), now=st.sampled_from([False, False, False, False, True]))
        def recall(self, lot, now):
            # Rarely: a recalled batch can no longer be dispensed, which leaves little to undo.
            if now and lot not in self.model.recalled:
                resources.recall_batch(GTIN, lot, 1, REASON_CID, sender=regulator)
                self.model.recalled.add(lot)

        @rule(seconds=st.sampled_from([3600, 3 * DAY + 7 * 3600, 11 * DAY]))
        def advance_time(self, seconds):
            chain.mine(timestamp=chain.pending_timestamp + seconds)

        # --- invariants ---

        @invariant()
        def conserved_and_as_modelled(self):
            # Only custodians can hold units (checked for the others in teardown).
            for lot in lots:
                batch_id, _, _, expires = batches[lot]
                commissioned, in_transit, ledger_expires, status = read("ledger", batch_id)
                # address -> [balance, decommissioned, everHeld]
                holdings = {a.address: read("holding", batch_id, a) for a in world["custodians"]}
                assert commissioned == QUANTITIES[lot]
                assert sum(balance + decommissioned for balance, decommissioned, _ in holdings.values()) + in_transit == commissioned
                # Every unit written off is a real serial of the batch (the model records only those,
                # and teardown checks each on-chain), and they add up to the holders' totals.
                assert sum(decommissioned for _, decommissioned, _ in holdings.values()) == sum(
                    1 for (unit_lot, _), (_, by, _) in self.model.units.items() if unit_lot == lot)
                assert in_transit == self.model.in_transit(batch_id)
                assert ledger_expires == expires
                assert status == (BatchStatus.RECALLED if lot in self.model.recalled else BatchStatus.ACTIVE)
                for address, (balance, decommissioned, ever_held) in holdings.items():
                    assert balance == self.model.balances.get((lot, address), 0), (lot, address)
                    assert decommissioned == self.model.decommissioned(lot, address), (lot, address)
                    assert ever_held == ((lot, address) in self.model.held), (lot, address)
            assert read("shipmentCount") == [len(self.model.shipments)]

    run_state_machine_as_test(
        CustodyMachine,
        settings=settings(
            max_examples=examples(25),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
