"""Constants, enums and assertion helpers of the Tenders tests."""

from contextlib import contextmanager

import ape

from dapp.tenders.client import TenderStage, TenderStatus
from dapp.tenders.typed_data import bid_commitment
from tests.conftest import DAY
from tests.contracts.test_payment_token import custom_error

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = b"\x00" * 32
MAX_UINT256 = 2**256 - 1
HOUR = 60 * 60

MEDICAL_ORGANIZATION_ROLE = 8
SUPPLIER_ROLE = 32
BPS = 10_000
MAX_ACCEPTED_GTINS = 16
FAILED_NO_VALID_BID, FAILED_NO_SECURITY = 1, 2
RUBLE = 100  # kopecks

# The default tender: 100 units at most 10,000.00 rubles, 1 % bid security (10,000 kopecks),
# 10 % performance security.
QUANTITY = 100
MAX_PRICE = 10_000 * RUBLE
BID_SECURITY_BPS = 100
BID_SECURITY = MAX_PRICE * BID_SECURITY_BPS // BPS
PERFORMANCE_SECURITY_BPS = 1_000
SHELF_LIFE = 180 * DAY
SECURITY_WINDOW = 2 * DAY
# After the reveal deadline, the time during which only the hospital may award.
AWARD_WINDOW = 7 * DAY
# Custody.RECEIPT_PERIOD and Tenders.ACCEPTANCE_GRACE: the hospital terminates only that long
# after the delivery deadline.
RECEIPT_PERIOD = 20 * DAY
ACCEPTANCE_GRACE = 10 * DAY
TERMINATION_DELAY = RECEIPT_PERIOD + ACCEPTANCE_GRACE
MIN_BIDDING_PERIOD = 7 * DAY
MIN_REVEAL_PERIOD = 2 * DAY
SPEC_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
# What each account starts with, and the allowance it gives the tender contract.
FUNDS = 1_000_000 * RUBLE


# The contract's enums, as the client library mirrors them (one definition).
Status = TenderStatus
Stage = TenderStage


PARAM_FIELDS = [
    "gtin",
    "specificationCid",
    "acceptedGtins",
    "quantity",
    "maxPrice",
    "bidDeadline",
    "revealDeadline",
    "deliveryDeadline",
    "bidSecurityBps",
    "performanceSecurityBps",
    "minResidualShelfLife",
    "securityWindow",
]


def commitment_of(tenders, tender_id, bidder, price, salt) -> bytes:
    """The commitment of a bid on `tenders` (it names the chain and the contract)."""
    return bid_commitment(ape.chain.chain_id, _plain(tenders), tender_id, _plain(bidder), price, salt)


def as_tuple(params: dict) -> tuple:
    """TenderParams as the ABI tuple, in field order."""
    return tuple(params[name] for name in PARAM_FIELDS)


def _plain(value):
    """Accounts and contracts as their address; lists element by element."""
    if hasattr(value, "address"):
        return value.address
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def performance_security(price, max_price=MAX_PRICE, bps=PERFORMANCE_SECURITY_BPS):
    """price × bps / 10,000; × 1.5 (one rounding) when the price is 25 % or more below the
    maximum price."""
    if price * 4 <= max_price * 3:
        return price * bps * 3 // (2 * BPS)
    return price * bps // BPS


@contextmanager
def reverts_with(contract, name, **inputs):
    """Expect the custom error `name` of `contract` with exactly these inputs (`ape.reverts`
    alone passes on a plain revert or a misnamed input)."""
    with ape.reverts() as info:
        yield info
    assert custom_error(info, contract) == (name, {k: _plain(v) for k, v in inputs.items()})


def assert_event(tx, event, **fields):
    """The transaction emitted `event` exactly once, with exactly these fields."""
    logs = tx.decode_logs(event)
    assert len(logs) == 1, f"{len(logs)} {event.name} logs"
    arguments = dict(logs[0].event_arguments)
    assert set(arguments) == set(fields), (sorted(arguments), sorted(fields))
    for key, expected in fields.items():
        actual = arguments[key]
        if isinstance(expected, (list, tuple)):
            actual = list(actual)
        assert actual == _plain(expected), (key, actual, expected)


def assert_no_event(tx, event):
    assert tx.decode_logs(event) == []


def assert_tender(tenders, tender_id, **fields):
    """The listed fields of `tenders.tender(tender_id)`."""
    view = tenders.tender(tender_id)
    for key, expected in fields.items():
        assert getattr(view, key) == _plain(expected), (key, getattr(view, key), expected)


def assert_bid(tenders, tender_id, bidder, *, commitment, sequence, revealed, price, released):
    view = tenders.bid(tender_id, bidder)
    assert (bytes(view.commitment), view.sequence, view.revealed, view.price, view.securityReleased) == (
        bytes(commitment),
        sequence,
        revealed,
        price,
        released,
    )


def sealed(commitment: bytes) -> bytes:
    """The commitment as `bid` reports it while sealed: its high 224 bits."""
    return bytes(commitment[:28]) + b"\x00" * 4
