"""Tenders: deployment, publishing a tender (`createTender`, `createTenderWithPermit`) and the
views of a tender just published."""

import pytest

from dapp.codes.gs1 import complete_gtin
from dapp.roles import Role
from tests.conftest import DAY, GTIN, OTHER_GTIN, REASON_CID
from tests.contracts.tenders.conftest import THIRD_GTIN
from tests.contracts.tenders.helpers import (
    MIN_BIDDING_PERIOD,
    MIN_REVEAL_PERIOD,
    AWARD_WINDOW,
    BID_SECURITY,
    BID_SECURITY_BPS,
    BPS,
    FUNDS,
    HOUR,
    MAX_ACCEPTED_GTINS,
    MAX_PRICE,
    MEDICAL_ORGANIZATION_ROLE,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    SECURITY_WINDOW,
    SHELF_LIFE,
    SPEC_CID,
    SUPPLIER_ROLE,
    ZERO_ADDRESS,
    Stage,
    Status,
    as_tuple,
    assert_event,
    assert_tender,
    reverts_with,
)

UNREGISTERED_GTIN = int(complete_gtin("460123456799"))


def created_event_fields(tender_id, hospital, params):
    return {
        "tenderId": tender_id,
        "hospital": hospital,
        **{name: params[name] for name in ("gtin", "specificationCid", "acceptedGtins", "quantity", "maxPrice")},
        **{name: params[name] for name in ("bidDeadline", "revealDeadline", "deliveryDeadline")},
        "bidSecurity": params["maxPrice"] * params["bidSecurityBps"] // BPS,
        **{name: params[name] for name in ("performanceSecurityBps", "minResidualShelfLife", "securityWindow")},
    }


# --- deployment ------------------------------------------------------------------------------


def test_deploy__wired_to_registries_custody_and_token(chain, tenders, participants, resources, custody, token):
    assert tenders.participants() == participants.address
    assert tenders.resources() == resources.address
    assert tenders.custody() == custody.address
    assert tenders.token() == token.address
    assert tenders.tenderCount() == 0
    domain = tenders.eip712Domain()
    assert (domain.name, domain.version, domain.chainId, domain.verifyingContract) == (
        "MedChain Tenders",
        "1",
        chain.chain_id,
        tenders.address,
    )


def test_constants(tenders):
    assert tenders.MEDICAL_ORGANIZATION_ROLE() == MEDICAL_ORGANIZATION_ROLE == int(Role.MEDICAL_ORGANIZATION)
    assert tenders.SUPPLIER_ROLE() == SUPPLIER_ROLE == int(Role.SUPPLIER)
    assert tenders.MAX_ACCEPTED_GTINS() == MAX_ACCEPTED_GTINS
    assert tenders.BPS() == BPS
    assert (tenders.MIN_BID_SECURITY_BPS(), tenders.MAX_BID_SECURITY_BPS()) == (50, 500)
    assert tenders.MAX_PERFORMANCE_SECURITY_BPS() == 3_000
    assert tenders.MIN_SECURITY_WINDOW() == HOUR
    assert tenders.AWARD_WINDOW() == AWARD_WINDOW == 7 * DAY
    assert (tenders.FAILED_NO_VALID_BID(), tenders.FAILED_NO_SECURITY()) == (1, 2)


@pytest.mark.parametrize("which", ["participants", "resources", "custody", "token"])
def test_deploy__zero_address__reverts(project, deployer, participants, resources, custody, token, which):
    arguments = {"participants": participants, "resources": resources, "custody": custody, "token": token}
    arguments[which] = ZERO_ADDRESS

    with reverts_with(project.Tenders, "ZeroAddress"):
        project.Tenders.deploy(*arguments.values(), sender=deployer)


# --- createTender ----------------------------------------------------------------------------


def test_create_tender(chain, tenders, token, tender_params, funded, products, active_hospital):
    params = tender_params()
    balance = token.balanceOf(active_hospital)
    assert tenders.createTender.call(as_tuple(params), sender=active_hospital) == 1

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert tenders.tenderCount() == 1
    assert_tender(
        tenders,
        1,
        hospital=active_hospital,
        status=Status.OPEN,
        gtin=GTIN,
        quantity=QUANTITY,
        maxPrice=MAX_PRICE,
        bidDeadline=params["bidDeadline"],
        revealDeadline=params["revealDeadline"],
        deliveryDeadline=params["deliveryDeadline"],
        bidSecurity=BID_SECURITY,
        performanceSecurityBps=PERFORMANCE_SECURITY_BPS,
        minResidualShelfLife=SHELF_LIFE,
        securityWindow=SECURITY_WINDOW,
        commitments=0,
        reveals=0,
        winner=ZERO_ADDRESS,
        price=0,
        performanceSecurity=0,
        securityDeadline=0,
        delivered=0,
    )
    assert tenders.stage(1) == Stage.BIDDING
    assert tenders.held(1) == MAX_PRICE
    assert tenders.owed(active_hospital) == 0
    assert token.balanceOf(tenders) == MAX_PRICE
    assert token.balanceOf(active_hospital) == balance - MAX_PRICE
    assert token.allowance(active_hospital, tenders) == FUNDS - MAX_PRICE
    assert tenders.isAccepted(1, GTIN)
    assert not tenders.isAccepted(1, OTHER_GTIN)
    assert not tenders.isAccepted(1, 0)


def test_create_tender__ids_count_up_and_escrows_add_up(tenders, token, create_tender):
    first = create_tender()
    second = create_tender(maxPrice=MAX_PRICE // 2, gtin=OTHER_GTIN)

    assert (first, second) == (1, 2)
    assert tenders.tenderCount() == 2
    assert tenders.tender(second).gtin == OTHER_GTIN
    assert tenders.tender(second).bidSecurity == MAX_PRICE // 2 * BID_SECURITY_BPS // BPS
    assert tenders.held(first) + tenders.held(second) == token.balanceOf(tenders) == MAX_PRICE * 3 // 2


def test_create_tender__specification_with_accepted_gtins(tenders, tender_params, funded, products, active_hospital):
    params = tender_params(gtin=0, specificationCid=SPEC_CID, acceptedGtins=[GTIN, OTHER_GTIN])

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert tenders.tender(1).gtin == 0
    assert tenders.isAccepted(1, GTIN)
    assert tenders.isAccepted(1, OTHER_GTIN)
    assert not tenders.isAccepted(1, THIRD_GTIN)
    assert not tenders.isAccepted(1, 0)


def test_create_tender__most_accepted_gtins(tenders, tender_params, funded, products, create_product, active_hospital):
    more = [int(complete_gtin(f"4601234560{i:02d}")) for i in range(MAX_ACCEPTED_GTINS - len(products))]
    gtins = [*products, *more]
    for gtin in more:
        create_product(gtin=gtin)
    params = tender_params(gtin=0, specificationCid=SPEC_CID, acceptedGtins=gtins)

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert all(tenders.isAccepted(1, gtin) for gtin in gtins)


def test_create_tender__gtin_and_specification_cid__both_kept(tenders, tender_params, funded, products, active_hospital):
    params = tender_params(specificationCid=SPEC_CID)

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert tenders.isAccepted(1, GTIN)
    assert not tenders.isAccepted(1, OTHER_GTIN)


def test_create_tender__shortest_periods__accepted(chain, tenders, tender_params, funded, products, active_hospital):
    now = chain.pending_timestamp
    params = tender_params(bidDeadline=now + MIN_BIDDING_PERIOD, revealDeadline=now + MIN_BIDDING_PERIOD + MIN_REVEAL_PERIOD)
    chain.pending_timestamp = now

    tenders.createTender(as_tuple(params), sender=active_hospital)

    assert tenders.MIN_BIDDING_PERIOD() == MIN_BIDDING_PERIOD == 7 * DAY
    assert tenders.MIN_REVEAL_PERIOD() == MIN_REVEAL_PERIOD == 2 * DAY
    assert_tender(tenders, 1, bidDeadline=params["bidDeadline"], revealDeadline=params["revealDeadline"])


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(lambda p: {"bidSecurityBps": 50}, id="bid security 0.5 %"),
        pytest.param(lambda p: {"bidSecurityBps": 500}, id="bid security 5 %"),
        pytest.param(lambda p: {"performanceSecurityBps": 0}, id="no performance security"),
        pytest.param(lambda p: {"performanceSecurityBps": 3_000}, id="performance security 30 %"),
        pytest.param(lambda p: {"securityWindow": HOUR}, id="security window one hour"),
        pytest.param(
            lambda p: {"securityWindow": p["deliveryDeadline"] - p["revealDeadline"] - AWARD_WINDOW - 1},
            id="latest award's security window ends a second before delivery",
        ),
        pytest.param(lambda p: {"minResidualShelfLife": 0}, id="no shelf life required"),
        pytest.param(lambda p: {"minResidualShelfLife": 2**32 - 1}, id="longest shelf life"),
        pytest.param(lambda p: {"quantity": 2**64 - 1}, id="largest quantity"),
        pytest.param(lambda p: {"maxPrice": 20, "bidSecurityBps": 500}, id="20 kopecks, a one-kopeck bid security"),
        pytest.param(
            lambda p: {"revealDeadline": p["bidDeadline"] + MIN_REVEAL_PERIOD, "deliveryDeadline": 2**40 - 1,
                       "securityWindow": 2**32 - 1},
            id="longest deadlines and window, shortest reveal period",
        ),
    ],
)
def test_create_tender__limits__accepted(tenders, tender_params, funded, products, active_hospital, overrides):
    params = tender_params()
    params.update(overrides(params))

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert_tender(tenders, 1, **{k: params[k] for k in ("quantity", "maxPrice", "deliveryDeadline", "securityWindow")})
    assert tenders.held(1) == params["maxPrice"]


def test_create_tender__largest_price__accepted(tenders, token, deployer, tender_params, funded, products, active_hospital):
    max_price = 2**128 - 1
    token.mint(active_hospital, max_price, sender=deployer)
    token.approve(tenders, max_price, sender=active_hospital)
    params = tender_params(maxPrice=max_price, bidSecurityBps=500)

    tx = tenders.createTender(as_tuple(params), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert tenders.tender(1).bidSecurity == max_price * 500 // BPS
    assert tenders.held(1) == max_price


@pytest.mark.parametrize("caller", ["outsider", "supplier", "manufacturer", "regulator", "applicant"])
def test_create_tender__not_a_medical_organization__reverts(
    request, tenders, tender_params, funded, products, fund, participants, caller
):
    account = request.getfixturevalue(caller)
    if caller == "applicant":
        participants.apply(REASON_CID, sender=account)
    fund(account)

    with reverts_with(tenders, "ParticipantNotActive", account=account, role=MEDICAL_ORGANIZATION_ROLE):
        tenders.createTender(as_tuple(tender_params()), sender=account)


def test_create_tender__suspended_hospital__reverts(tenders, participants, regulator, tender_params, funded, products, active_hospital):
    participants.suspend(active_hospital, REASON_CID, sender=regulator)

    with reverts_with(tenders, "ParticipantNotActive", account=active_hospital, role=MEDICAL_ORGANIZATION_ROLE):
        tenders.createTender(as_tuple(tender_params()), sender=active_hospital)

    participants.reinstate(active_hospital, sender=regulator)
    tenders.createTender(as_tuple(tender_params()), sender=active_hospital)
    assert tenders.tenderCount() == 1


def test_create_tender__unknown_product__reverts(tenders, tender_params, funded, products, active_hospital):
    with reverts_with(tenders, "UnknownProduct", gtin=UNREGISTERED_GTIN):
        tenders.createTender(as_tuple(tender_params(gtin=UNREGISTERED_GTIN)), sender=active_hospital)


def test_create_tender__unknown_accepted_gtin__reverts(tenders, tender_params, funded, products, active_hospital):
    params = tender_params(gtin=0, specificationCid=SPEC_CID, acceptedGtins=[GTIN, UNREGISTERED_GTIN])

    with reverts_with(tenders, "UnknownProduct", gtin=UNREGISTERED_GTIN):
        tenders.createTender(as_tuple(params), sender=active_hospital)


INVALID = [
    (lambda p: {"acceptedGtins": [OTHER_GTIN]}, "acceptedGtins", "gtin and accepted gtins"),
    (lambda p: {"gtin": 0, "acceptedGtins": [GTIN]}, "specificationCid", "no gtin, no specification"),
    (lambda p: {"gtin": 0, "specificationCid": SPEC_CID}, "acceptedGtins", "specification, no accepted gtins"),
    (
        lambda p: {"gtin": 0, "specificationCid": SPEC_CID, "acceptedGtins": [GTIN] * (MAX_ACCEPTED_GTINS + 1)},
        "acceptedGtins",
        "too many accepted gtins",
    ),
    (lambda p: {"quantity": 0}, "quantity", "zero quantity"),
    (lambda p: {"quantity": 2**64}, "quantity", "quantity beyond 64 bits"),
    (lambda p: {"maxPrice": 0}, "maxPrice", "zero price"),
    (lambda p: {"maxPrice": 2**128}, "maxPrice", "price beyond 128 bits"),
    (lambda p: {"bidDeadline": p["now"]}, "bidDeadline", "bid deadline now"),
    (lambda p: {"bidDeadline": p["now"] - DAY}, "bidDeadline", "bid deadline past"),
    # The hostile hospital's unusable windows: bids or reveals in too little time to use.
    (lambda p: {"bidDeadline": p["now"] + MIN_BIDDING_PERIOD - 1}, "bidDeadline", "bidding period a second short"),
    (lambda p: {"revealDeadline": p["bidDeadline"] + 1}, "revealDeadline", "reveal window of one second"),
    (lambda p: {"revealDeadline": p["bidDeadline"] + MIN_REVEAL_PERIOD - 1}, "revealDeadline",
     "reveal period a second short"),
    (lambda p: {"maxPrice": 19, "bidSecurityBps": 500}, "maxPrice", "bid security rounds to zero"),
    (lambda p: {"maxPrice": 1, "bidSecurityBps": 500}, "maxPrice", "one kopeck, no bid security"),
    (lambda p: {"revealDeadline": p["bidDeadline"]}, "revealDeadline", "reveal deadline at bid deadline"),
    (lambda p: {"revealDeadline": p["bidDeadline"] - 1}, "revealDeadline", "reveal deadline before bid deadline"),
    (lambda p: {"deliveryDeadline": p["revealDeadline"]}, "deliveryDeadline", "delivery at reveal deadline"),
    (lambda p: {"deliveryDeadline": 2**40}, "deliveryDeadline", "delivery beyond 40 bits"),
    (lambda p: {"bidSecurityBps": 0}, "bidSecurityBps", "no bid security"),
    (lambda p: {"bidSecurityBps": 49}, "bidSecurityBps", "bid security below 0.5 %"),
    (lambda p: {"bidSecurityBps": 501}, "bidSecurityBps", "bid security above 5 %"),
    (lambda p: {"performanceSecurityBps": 3_001}, "performanceSecurityBps", "performance security above 30 %"),
    (lambda p: {"minResidualShelfLife": 2**32}, "minResidualShelfLife", "shelf life beyond 32 bits"),
    (lambda p: {"securityWindow": 0}, "securityWindow", "no security window"),
    (lambda p: {"securityWindow": HOUR - 1}, "securityWindow", "security window under an hour"),
    (lambda p: {"securityWindow": 2**32, "deliveryDeadline": 2**40 - 1}, "securityWindow", "window beyond 32 bits"),
    (
        lambda p: {"securityWindow": p["deliveryDeadline"] - p["revealDeadline"] - AWARD_WINDOW},
        "securityWindow",
        "latest award's security window ends at the delivery deadline",
    ),
    (
        lambda p: {"deliveryDeadline": p["revealDeadline"] + AWARD_WINDOW},
        "securityWindow",
        "delivery deadline at the end of the award window",
    ),
]


@pytest.mark.parametrize(
    "overrides,parameter", [pytest.param(o, name, id=label) for o, name, label in INVALID]
)
def test_create_tender__invalid_parameter__reverts(
    chain, tenders, tender_params, funded, products, active_hospital, overrides, parameter
):
    now = chain.pending_timestamp
    params = tender_params()
    params.update(overrides({**params, "now": now}))

    chain.pending_timestamp = now
    with reverts_with(tenders, "InvalidParameter", parameter=parameter):
        tenders.createTender(as_tuple(params), sender=active_hospital)


def test_create_tender__no_allowance__reverts(tenders, token, tender_params, funded, products, active_hospital):
    token.approve(tenders, MAX_PRICE - 1, sender=active_hospital)

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=MAX_PRICE - 1, needed=MAX_PRICE):
        tenders.createTender(as_tuple(tender_params()), sender=active_hospital)


def test_create_tender__balance_too_low__reverts(tenders, token, tender_params, funded, products, active_hospital):
    params = tender_params(maxPrice=FUNDS + 1)
    token.approve(tenders, FUNDS + 1, sender=active_hospital)

    with reverts_with(token, "ERC20InsufficientBalance", sender=active_hospital, balance=FUNDS, needed=FUNDS + 1):
        tenders.createTender(as_tuple(params), sender=active_hospital)


# --- createTenderWithPermit ------------------------------------------------------------------


def test_create_tender_with_permit(tenders, token, tender_params, funded, products, active_hospital, sign_permit):
    token.approve(tenders, 0, sender=active_hospital)
    nonce = token.nonces(active_hospital)
    params = tender_params()

    tx = tenders.createTenderWithPermit(as_tuple(params), sign_permit(active_hospital, MAX_PRICE), sender=active_hospital)

    assert_event(tx, tenders.TenderCreated, **created_event_fields(1, active_hospital, params))
    assert token.nonces(active_hospital) == nonce + 1
    assert token.allowance(active_hospital, tenders) == 0
    assert token.balanceOf(tenders) == tenders.held(1) == MAX_PRICE


def test_create_tender_with_permit__permit_used_before__accepted(
    tenders, token, tender_params, funded, products, active_hospital, outsider, sign_permit
):
    """A permit someone else submitted first (seen in the mempool) does not block the call."""
    token.approve(tenders, 0, sender=active_hospital)
    permit = sign_permit(active_hospital, MAX_PRICE)
    token.permit(active_hospital, tenders, MAX_PRICE, *permit, sender=outsider)

    tenders.createTenderWithPermit(as_tuple(tender_params()), permit, sender=active_hospital)

    assert tenders.held(1) == MAX_PRICE
    assert token.allowance(active_hospital, tenders) == 0


def test_create_tender_with_permit__allowance_without_valid_permit__accepted(
    tenders, token, tender_params, funded, products, active_hospital
):
    tenders.createTenderWithPermit(as_tuple(tender_params()), (0, 27, b"\x00" * 32, b"\x00" * 32), sender=active_hospital)

    assert tenders.held(1) == MAX_PRICE


@pytest.mark.parametrize("defect", ["wrong signer", "expired", "smaller value", "wrong spender"])
def test_create_tender_with_permit__bad_permit_and_no_allowance__reverts(
    chain, tenders, token, tender_params, funded, products, active_hospital, outsider, sign_permit, defect
):
    token.approve(tenders, 0, sender=active_hospital)
    permit = {
        "wrong signer": lambda: sign_permit(active_hospital, MAX_PRICE, signer=outsider),
        "expired": lambda: sign_permit(active_hospital, MAX_PRICE, deadline=chain.pending_timestamp - 1),
        "smaller value": lambda: sign_permit(active_hospital, MAX_PRICE - 1),
        "wrong spender": lambda: sign_permit(active_hospital, MAX_PRICE, spender=outsider),
    }[defect]()

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=0, needed=MAX_PRICE):
        tenders.createTenderWithPermit(as_tuple(tender_params()), permit, sender=active_hospital)


def test_create_tender_with_permit__not_a_medical_organization__reverts(
    tenders, token, tender_params, funded, products, supplier, sign_permit
):
    with reverts_with(tenders, "ParticipantNotActive", account=supplier, role=MEDICAL_ORGANIZATION_ROLE):
        tenders.createTenderWithPermit(as_tuple(tender_params()), sign_permit(supplier, MAX_PRICE), sender=supplier)


# --- views of what does not exist --------------------------------------------------------------


def test_views__unknown_tender__empty(tenders, supplier):
    assert_tender(tenders, 7, hospital=ZERO_ADDRESS, status=Status.NONE, quantity=0, maxPrice=0, winner=ZERO_ADDRESS)
    assert tenders.stage(7) == Stage.NONE
    assert tenders.held(7) == 0
    assert not tenders.isAccepted(7, GTIN)
    assert not tenders.isDeliveryCounted(7, 1)
    view = tenders.bid(7, supplier)
    assert (view.sequence, view.revealed, view.price, view.securityReleased) == (0, False, 0, False)
    assert bytes(view.commitment) == b"\x00" * 32
    assert tenders.owed(supplier) == 0
