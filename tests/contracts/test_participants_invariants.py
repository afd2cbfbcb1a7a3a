"""Participants' copy of the active roles, as a hypothesis state machine: regulators (and
others) approve, change roles, suspend, reinstate and revoke at random, organizations apply. A
model predicts which actions are valid: those must succeed, the others must revert with the
reason the model expects. After every step, for every account and every role flag,
`is_active(account, role)` must be what the organization's record says: status ACTIVE and the
flag among its roles. (`is_active` reads a copy of the roles kept in step with every change;
the record is what it copies.) Lasting actions (revoking; granting, removing, suspending or
reinstating a regulator) take effect when a quorum of the active regulators confirmed them: the
model keeps the pending confirmations and predicts when the quorum is reached.

Each action is either guided (an active regulator acting on an account the action suits) or
wild (any caller, any account), so that both successes and refusals are frequent. Refusals are
checked with an `eth_call` of the same transaction, which is several times faster than a
reverted transaction and changes nothing either."""

import copy

import pytest
from hexbytes import HexBytes
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from dapp.roles import Role, Status
from tests.conftest import ORGANIZATION_CID, REASON_CID
from tests.contracts.test_custody_invariants import word_reader
from tests.budget import examples

FLAGS = [int(role) for role in Role]
# Role sets for approve and set_roles: empty (refused) now and then, REGULATOR often enough
# that regulators come and go.
ROLE_SETS = st.one_of(
    st.just(0),
    st.sampled_from([int(Role.REGULATOR), int(Role.REGULATOR | Role.PHARMACY)]),
    st.integers(1, int(sum(Role))),
)
# Three guided moves for one wild one.
GUIDED = st.sampled_from([True, True, True, False])

NOT_REGULATOR = "participants: caller is not an active regulator"
ON_ITSELF = "participants: regulator acting on itself"


@pytest.fixture
def world(participants, regulator, second_regulator, manufacturer, distributor, applicant, stranger):
    """Six accounts, one in each state to begin with: the first regulator, a second regulator,
    an active manufacturer, a suspended distributor-supplier, an applicant and a stranger; and
    the model of them, account -> [status, roles]."""

    def approve(account, roles):
        participants.apply(ORGANIZATION_CID, sender=account)
        participants.approve(account, int(roles), sender=regulator)

    approve(second_regulator, Role.REGULATOR)
    approve(manufacturer, Role.MANUFACTURER)
    approve(distributor, Role.DISTRIBUTOR | Role.SUPPLIER)
    participants.suspend(distributor, REASON_CID, sender=regulator)
    participants.apply(ORGANIZATION_CID, sender=applicant)

    model = {
        regulator.address: [Status.ACTIVE, int(Role.REGULATOR)],
        second_regulator.address: [Status.ACTIVE, int(Role.REGULATOR)],
        manufacturer.address: [Status.ACTIVE, int(Role.MANUFACTURER)],
        distributor.address: [Status.SUSPENDED, int(Role.DISTRIBUTOR | Role.SUPPLIER)],
        applicant.address: [Status.APPLIED, 0],
        stranger.address: [Status.NONE, 0],
    }
    return {"accounts": [regulator, second_regulator, manufacturer, distributor, applicant, stranger], "model": model}


def test_participants__random_lifecycle__active_roles_follow_the_record(chain, participants, regulator, world):
    accounts = world["accounts"]
    any_account = st.sampled_from(accounts)
    read = word_reader(chain, participants, regulator)

    class ParticipantsMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model = copy.deepcopy(world["model"])
            # Governed actions confirmed by fewer than a quorum: {(name, *arguments): [confirmers]}.
            self.pending = {}

        def teardown(self):
            chain.restore(self.snapshot)

        # --- helpers ---

        def status(self, account):
            return self.model[account.address][0]

        def is_regulator(self, account):
            status, roles = self.model[account.address]
            return status == Status.ACTIVE and roles & Role.REGULATOR != 0

        def draw(self, data, suits, acting_on_itself=False):
            """(caller, account): guided, an active regulator and an account in a state that
            `suits` the action (another one, unless the action may be done on oneself);
            otherwise any two accounts."""
            regulators = [a for a in accounts if self.is_regulator(a)]
            if regulators and data.draw(GUIDED, label="guided"):
                caller = data.draw(st.sampled_from(regulators), label="caller")
                targets = [
                    a for a in accounts if suits(self.status(a)) and (acting_on_itself or a.address != caller.address)
                ]
                if targets:
                    return caller, data.draw(st.sampled_from(targets), label="account")
            return data.draw(any_account, label="caller"), data.draw(any_account, label="account")

        @staticmethod
        def attempt(name, refusal, method, *args, sender):
            """Send the transaction when the model expects none; otherwise check that it
            reverts with `refusal`."""
            event(f"{name} {'succeeds' if refusal is None else 'reverts'}")
            if refusal is None:
                return method(*args, sender=sender)
            data = HexBytes(method.encode_input(*args)).to_0x_hex()
            call = {"from": sender.address, "to": participants.address, "data": data}
            with pytest.raises(Exception) as info:
                chain.provider.make_request("eth_call", [call, "latest"])
            assert str(info.value).endswith(refusal), (name, str(info.value), refusal)
            return None

        def carry_out(self, name, refusal, governed, key, method, *args, sender):
            """`attempt`, a governed action counting the caller's confirmation: True when the
            action took effect (at once, or with this confirmation the quorum was reached)."""
            confirmers = self.pending.get(key, [])
            if refusal is None and governed and sender.address in confirmers:
                refusal = "participants: action already confirmed"
            if not self.attempt(name, refusal, method, *args, sender=sender):
                return False
            if not governed:
                return True
            confirmers = [*confirmers, sender.address]
            regulators = {a.address for a in accounts if self.is_regulator(a)}
            if sum(c in regulators for c in confirmers) < len(regulators) // 2 + 1:
                event(f"{name} pending")
                self.pending[key] = confirmers
                return False
            self.pending.pop(key, None)
            return True

        def regulator_refusal(self, caller, account, acting_on_itself=False):
            if not self.is_regulator(caller):
                return NOT_REGULATOR
            if not acting_on_itself and account.address == caller.address:
                return ON_ITSELF
            return None

        # --- rules ---

        @rule(account=any_account)
        def apply(self, account):
            refusal = None if self.status(account) == Status.NONE else "participants: already registered"
            if self.attempt("apply", refusal, participants.apply, ORGANIZATION_CID, sender=account):
                self.model[account.address] = [Status.APPLIED, 0]

        @rule(data=st.data(), roles=ROLE_SETS)
        def approve(self, data, roles):
            caller, account = self.draw(data, lambda s: s == Status.APPLIED, acting_on_itself=True)
            refusal = self.regulator_refusal(caller, account, acting_on_itself=True)
            if refusal is None and self.status(account) != Status.APPLIED:
                refusal = "participants: not an open application"
            if refusal is None and roles == 0:
                refusal = "participants: no roles"
            governed = roles & Role.REGULATOR != 0
            key = ("approve", account.address, roles)
            if self.carry_out("approve", refusal, governed, key, participants.approve, account, roles, sender=caller):
                self.model[account.address] = [Status.ACTIVE, roles]

        @rule(data=st.data(), roles=ROLE_SETS)
        def set_roles(self, data, roles):
            caller, account = self.draw(data, lambda s: s in (Status.ACTIVE, Status.SUSPENDED))
            refusal = self.regulator_refusal(caller, account)
            if refusal is None and self.status(account) not in (Status.ACTIVE, Status.SUSPENDED):
                refusal = "participants: not approved"
            if refusal is None and roles == 0:
                refusal = "participants: no roles"
            governed = refusal is None and (self.model[account.address][1] & Role.REGULATOR != 0) != (
                roles & Role.REGULATOR != 0
            )
            key = ("set_roles", account.address, roles)
            if self.carry_out("set_roles", refusal, governed, key, participants.set_roles, account, roles, sender=caller):
                self.model[account.address][1] = roles

        @rule(data=st.data())
        def suspend(self, data):
            caller, account = self.draw(data, lambda s: s == Status.ACTIVE)
            refusal = self.regulator_refusal(caller, account)
            if refusal is None and self.status(account) != Status.ACTIVE:
                refusal = "participants: not active"
            governed = self.model[account.address][1] & Role.REGULATOR != 0
            key = ("suspend", account.address)
            if self.carry_out("suspend", refusal, governed, key, participants.suspend, account, REASON_CID, sender=caller):
                self.model[account.address][0] = Status.SUSPENDED

        @rule(data=st.data())
        def reinstate(self, data):
            caller, account = self.draw(data, lambda s: s == Status.SUSPENDED, acting_on_itself=True)
            refusal = self.regulator_refusal(caller, account, acting_on_itself=True)
            if refusal is None and self.status(account) != Status.SUSPENDED:
                refusal = "participants: not suspended"
            governed = self.model[account.address][1] & Role.REGULATOR != 0
            key = ("reinstate", account.address)
            if self.carry_out("reinstate", refusal, governed, key, participants.reinstate, account, sender=caller):
                self.model[account.address][0] = Status.ACTIVE

        @rule(data=st.data(), now=st.sampled_from([False, True]))
        def revoke(self, data, now):
            # Half as often as the others: a revocation is for good.
            if not now:
                return
            caller, account = self.draw(data, lambda s: s not in (Status.NONE, Status.REVOKED))
            refusal = self.regulator_refusal(caller, account)
            if refusal is None and self.status(account) == Status.NONE:
                refusal = "participants: not registered"
            if refusal is None and self.status(account) == Status.REVOKED:
                refusal = "participants: already revoked"
            key = ("revoke", account.address)
            if self.carry_out("revoke", refusal, True, key, participants.revoke, account, REASON_CID, sender=caller):
                self.model[account.address][0] = Status.REVOKED

        # --- invariants ---

        @invariant()
        def active_roles_follow_the_record(self):
            for account in accounts:
                # organization() returns a tuple holding a string: the tuple's offset, then
                # status, roles, the string's offset and updated_at.
                _, status, roles, *_ = read("organization", account)
                assert [status, roles] == self.model[account.address], account
                for flag in FLAGS:
                    expected = status == Status.ACTIVE and roles & flag != 0
                    assert read("is_active", account, flag) == [int(expected)], (account, Role(flag), status, roles)
            assert read("active_regulators") == [sum(self.is_regulator(a) for a in accounts)]

    run_state_machine_as_test(
        ParticipantsMachine,
        settings=settings(
            max_examples=examples(30),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
