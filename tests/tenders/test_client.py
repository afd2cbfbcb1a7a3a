"""dapp.tenders.client: the tender client against the real contracts on Ape's in-process chain. Each step
as a hospital or a supplier takes it (funding by approval or permit, bids from the wallet or
signed and relayed, salts kept and read back), the errors it raises before sending, and the
contract's refusals as sentences."""

import json

from dataclasses import replace

import pytest
from eth_utils import keccak

from dapp.actions.custody import shipment_record
from dapp.errors import PlatformError, TransactionRefused
from dapp.verification.merkle import SerialTree
from dapp.roles import Role, ShipmentStatus
from dapp.tenders.sealed_bids import MissingSaltError, SealedBidStore
from dapp.formats import rubles
from dapp.chain.signers import ApeSigner
from dapp.tenders.sealed_bids import wallet_salt
from dapp.tenders.typed_data import SALT_PURPOSE, salt_typed_data
from dapp.tenders.client import Award, SignedBid, TenderClient, TenderError, TenderNeed, TenderStage, TenderStatus, Unsecured
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    COMPANY_PREFIX,
    COMPANY_PREFIX_DIGITS,
    DAY,
    DOCUMENTS_CID,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REGULATOR_CID,
    WAYBILL_CID,
)

RUBLE = 100
MAX_PRICE = 10_000 * RUBLE
QUANTITY = 100
FUNDS = 1_000_000 * RUBLE
BID_SECURITY = MAX_PRICE // 100  # 1 %
SPEC_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"


# --- the platform, once per module (each test starts from this state) -------------------------


@pytest.fixture(scope="module")
def roles(accounts, hospital, supplier):
    """Role-named accounts: a regulator, a manufacturer, a hospital, three suppliers, a relayer
    that is no organization. (Asking for the session's `hospital` and `supplier` here sets them up
    before any test's snapshot.)"""
    return {
        "deployer": accounts[0], "regulator": accounts[1], "manufacturer": accounts[2], "hospital": hospital,
        "supplier": supplier, "second_supplier": accounts[11], "third_supplier": accounts[3],
        "relayer": accounts[10],
    }


@pytest.fixture(scope="module")
def platform(project, chain, roles):
    """Participants, Resources, Custody, the payment token and Tenders; the organizations approved;
    GTIN and OTHER_GTIN registered; a batch of GTIN with the first supplier; everyone funded."""
    deployer, regulator, manufacturer = roles["deployer"], roles["regulator"], roles["manufacturer"]
    participants = project.Participants.deploy(regulator, REGULATOR_CID, sender=deployer)
    for name, role in (("manufacturer", Role.MANUFACTURER), ("hospital", Role.MEDICAL_ORGANIZATION),
                       ("supplier", Role.SUPPLIER | Role.DISTRIBUTOR), ("second_supplier", Role.SUPPLIER),
                       ("third_supplier", Role.SUPPLIER)):
        participants.apply(ORGANIZATION_CID, sender=roles[name])
        participants.approve(roles[name], int(role), sender=regulator)
    resources = project.Resources.deploy(participants, sender=deployer)
    custody = project.Custody.deploy(participants, resources, sender=deployer)
    resources.set_custody(custody, sender=regulator)
    token = project.PaymentToken.deploy(deployer, sender=deployer)
    tenders = project.Tenders.deploy(participants, resources, custody, token, sender=deployer)
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, manufacturer, sender=regulator)
    for gtin in (GTIN, OTHER_GTIN):
        resources.register_product(gtin, 1, "Метформин (Metformin)", "tablets 500 mg", CHARACTERISTICS_CID,
                                   CERTIFICATE_CID, sender=manufacturer)
    for account in ("hospital", "supplier", "second_supplier", "third_supplier"):
        token.mint(roles[account], FUNDS, sender=deployer)
    start_block = chain.blocks.head.number
    batch = stock(chain, resources, custody, manufacturer, roles["supplier"], "LONG", 365 * DAY)
    short_batch = stock(chain, resources, custody, manufacturer, roles["supplier"], "SHORT", 20 * DAY)
    return {"participants": participants, "resources": resources, "custody": custody, "token": token,
            "tenders": tenders, "batch": batch, "short_batch": short_batch, "start_block": start_block}


def stock(chain, resources, custody, manufacturer, holder, lot, expires_in, gtin=GTIN, quantity=QUANTITY):
    """A batch commissioned and shipped to `holder` (received)."""
    now = chain.pending_timestamp
    root = SerialTree.of(gtin, [f"{lot}-{i}" for i in range(quantity)]).root
    resources.commission_batch(gtin, lot, now - 30 * DAY, now + expires_in, quantity, root, DOCUMENTS_CID,
                               DOCUMENTS_CID, sender=manufacturer)
    custody.commission(gtin, lot, sender=manufacturer)
    batch_id = resources.batch_id(gtin, lot)
    tx = custody.ship(batch_id, holder, quantity, WAYBILL_CID, sender=manufacturer)
    shipped = tx.decode_logs(custody.Shipped)[0]
    custody.receiveShipment(shipped.shipmentId, shipment_record(shipped), sender=holder)
    return lot


@pytest.fixture
def store(tmp_path):
    return SealedBidStore(tmp_path / "sealed-bids")


@pytest.fixture
def client(platform, store):
    p = platform
    return TenderClient(p["tenders"], p["token"], p["custody"], p["resources"], first_block=p["start_block"],
                        store=store)


# `hospital` and `supplier` are the session's (tests/conftest.py): the same accounts as in `roles`.
# Fixtures named here are never a name another module gives another scope: Ape orders a
# fixture's snapshots by every scope its name has in the session.
@pytest.fixture
def rival_supplier(roles):
    return roles["second_supplier"]


@pytest.fixture
def relayer(roles):
    return roles["relayer"]


@pytest.fixture
def need(chain):
    """A need with deadlines from now, with overrides (a callable override gets the terms)."""

    def need(**overrides):
        now = chain.pending_timestamp
        terms = {"gtin": GTIN, "quantity": QUANTITY, "max_price": MAX_PRICE, "bid_deadline": now + 8 * DAY,
                 "reveal_deadline": now + 11 * DAY, "delivery_deadline": now + 60 * DAY, "bid_security_bps": 100,
                 "performance_security_bps": 1_000, "min_residual_shelf_life": 180 * DAY,
                 "security_window": 2 * DAY}
        terms.update({k: v(terms) if callable(v) else v for k, v in overrides.items()})
        return TenderNeed(**terms)

    return need


@pytest.fixture
def create_tender(client, hospital, need):
    def create_tender(funding="approve", **overrides):
        return client.create(hospital, need(**overrides), funding=funding)

    return create_tender


@pytest.fixture
def move_past(chain, platform):
    """Mine a block just after the tender's `deadline` field ("bidDeadline", ...)."""

    def move_past(tender_id, deadline, plus=0):
        chain.mine(timestamp=getattr(platform["tenders"].tender(tender_id), deadline) + plus + 1)

    return move_past


@pytest.fixture
def tender_id(create_tender):
    return create_tender()


@pytest.fixture
def revealed(client, tender_id, supplier, rival_supplier, move_past):
    """The supplier bid 8,000 rubles, the second supplier 9,000; both revealed."""
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    client.commit(rival_supplier, tender_id, 9_000 * RUBLE)
    move_past(tender_id, "bidDeadline")
    client.reveal(supplier, tender_id)
    client.reveal(rival_supplier, tender_id)
    return tender_id


@pytest.fixture
def awarded(client, revealed, hospital, move_past):
    move_past(revealed, "revealDeadline")
    client.award(hospital, revealed)
    return revealed


@pytest.fixture
def contracted(client, awarded, supplier):
    client.post_security(supplier, awarded)
    return awarded


def nonce(account):
    return account.nonce


# --- create ------------------------------------------------------------------------------------


def test_create__by_approval__escrow_funded_and_terms_on_chain(client, platform, hospital, need):
    terms = need()

    tender_id = client.create(hospital, terms)

    state = client.state(tender_id)
    assert (state.status, state.stage, state.hospital) == (TenderStatus.OPEN, TenderStage.BIDDING, hospital.address)
    assert (state.gtin, state.quantity, state.max_price) == (GTIN, QUANTITY, MAX_PRICE)
    assert (state.bid_deadline, state.reveal_deadline, state.delivery_deadline) == (
        terms.bid_deadline, terms.reveal_deadline, terms.delivery_deadline)
    assert (state.bid_security, state.performance_security_bps) == (BID_SECURITY, 1_000)
    assert (state.min_residual_shelf_life, state.security_window) == (180 * DAY, 2 * DAY)
    assert (state.specification_cid, state.accepted_gtins, state.leader, state.winner) == ("", (), None, None)
    assert state.held == MAX_PRICE
    assert platform["token"].balanceOf(platform["tenders"]) == MAX_PRICE
    assert platform["token"].balanceOf(hospital) == FUNDS - MAX_PRICE


def test_create__by_permit__one_transaction_and_no_allowance_left(client, platform, hospital, need):
    sent_before = nonce(hospital)

    tender_id = client.create(hospital, need(), funding="permit")

    assert nonce(hospital) == sent_before + 1  # no approval transaction
    assert platform["token"].allowance(hospital, platform["tenders"]) == 0
    assert platform["token"].nonces(hospital) == 1
    assert client.state(tender_id).held == MAX_PRICE


def test_create__allowance_already_enough__no_approval_sent(client, platform, hospital, need):
    platform["token"].approve(platform["tenders"], 2 * MAX_PRICE, sender=hospital)
    sent_before = nonce(hospital)

    client.create(hospital, need())

    assert nonce(hospital) == sent_before + 1
    assert platform["token"].allowance(hospital, platform["tenders"]) == MAX_PRICE


def test_create__specification__accepted_gtins_read_back(client, hospital, need):
    tender_id = client.create(hospital, need(gtin=0, specification_cid=SPEC_CID, accepted_gtins=(GTIN, OTHER_GTIN)))

    state = client.state(tender_id)

    assert (state.gtin, state.specification_cid, state.accepted_gtins) == (0, SPEC_CID, (GTIN, OTHER_GTIN))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gtin": 0}, "either a GTIN, or a specification"),
        ({"accepted_gtins": (OTHER_GTIN,)}, "a tender for one GTIN lists none"),
        ({"gtin": 0, "specification_cid": SPEC_CID}, "1 to 16 accepted GTINs, not 0"),
        ({"quantity": 0}, "quantity and the maximum price must be more than zero"),
        ({"bid_deadline": 1}, "the deadlines must follow each other"),
        ({"bid_security_bps": 20}, "0.5 % to 5 %"),
        ({"performance_security_bps": 3_100}, "0 to 30 %"),
        ({"security_window": 600}, "at least one hour"),
        ({"security_window": 60 * DAY}, "must leave time after the reveals"),
        ({"bid_deadline": lambda t: t["bid_deadline"] - 2 * DAY}, "at least 7 days to bid"),
        ({"reveal_deadline": lambda t: t["bid_deadline"] + 3600}, "at least 2 days to reveal"),
        ({"max_price": 100, "bid_security_bps": 50}, "rounds to nothing"),
    ],
    ids=["no product", "gtin with list", "specification without list", "zero quantity", "deadline order",
         "bid security", "performance security", "short window", "window past delivery", "short bidding",
         "short reveals", "free bids"],
)
def test_create__bad_terms__error_before_any_transaction(client, hospital, need, overrides, message):
    sent_before = nonce(hospital)

    with pytest.raises(TenderError, match=message):
        client.create(hospital, need(**overrides))

    assert nonce(hospital) == sent_before


def test_create__delivery_inside_the_award_and_security_windows__error(client, chain, hospital, need):
    now = chain.pending_timestamp
    award_window = client.award_window()
    assert award_window > 0

    with pytest.raises(TenderError, match="leave time after the reveals, the award and the security window"):
        client.create(hospital, need(delivery_deadline=now + 5 * DAY + award_window + DAY))


def test_create__not_enough_tokens__says_how_much(client, hospital, need):
    with pytest.raises(TenderError, match=r"holds 1,000,000.00 RUB .* needs 2,000,000.00 RUB"):
        client.create(hospital, need(max_price=2 * FUNDS))


def test_create__not_a_medical_organization__decoded_refusal(client, supplier, need):
    with pytest.raises(TransactionRefused) as refused:
        client.create(supplier, need())

    assert f"{supplier.address} is not an active medical organization" in str(refused.value)
    assert "(ParticipantNotActive)" in str(refused.value)


def test_create__unknown_funding__error(client, hospital, need):
    with pytest.raises(TenderError, match="'approve' or 'permit'"):
        client.create(hospital, need(), funding="cash")


# --- commit, sign and relay, reveal --------------------------------------------------------------


def test_commit__salt_kept_before_the_commitment_is_sent(client, platform, store, tender_id, supplier):
    sealed = client.commit(supplier, tender_id, 8_000 * RUBLE)

    kept = store.bids(client.bid_key(tender_id, supplier))
    assert kept == [sealed]
    view = platform["tenders"].bid(tender_id, supplier)
    assert sealed.opens(bytes(view.commitment)) and view.sequence == 1
    assert platform["token"].balanceOf(platform["tenders"]) == MAX_PRICE + BID_SECURITY


def test_commit__the_send_fails__salt_still_kept(client, store, tender_id, supplier, monkeypatch):
    from dapp.chain.signers import ApeSigner

    sent = []
    original_send = ApeSigner.send

    def failing_send(self, call):
        if call.function == "commitBid":
            sent.append(list(call.arguments().values()))
            raise TransactionRefused("the node went away")
        return original_send(self, call)

    monkeypatch.setattr(ApeSigner, "send", failing_send)

    with pytest.raises(TransactionRefused):
        client.commit(supplier, tender_id, 8_000 * RUBLE)

    [kept] = store.bids(client.bid_key(tender_id, supplier))
    assert sent[0][1] == kept.commitment  # what was being sent is what was kept


def test_commit__price_above_maximum__error_and_nothing_kept(client, store, tender_id, supplier):
    with pytest.raises(TenderError, match="at most the maximum price 10,000.00 RUB"):
        client.commit(supplier, tender_id, MAX_PRICE + 1)

    assert store.bids(client.bid_key(tender_id, supplier)) == []


def test_commit__second_bid__error(client, tender_id, supplier):
    client.commit(supplier, tender_id, 8_000 * RUBLE)

    with pytest.raises(TenderError, match="has already bid on tender"):
        client.commit(supplier, tender_id, 7_000 * RUBLE)


def test_commit__after_bid_deadline__error(client, tender_id, supplier, move_past):
    move_past(tender_id, "bidDeadline")

    with pytest.raises(TenderError, match="takes no bids: it is revealing"):
        client.commit(supplier, tender_id, 8_000 * RUBLE)


def test_commit__not_a_supplier__decoded_refusal(client, tender_id, hospital):
    with pytest.raises(TransactionRefused, match=r"is not an active supplier.*\(ParticipantNotActive\)"):
        client.commit(hospital, tender_id, 8_000 * RUBLE)


def test_sign_bid_and_relay__supplier_sends_nothing(client, platform, chain, store, tender_id, supplier, relayer):
    sent_before, ether_before = nonce(supplier), supplier.balance

    signed = client.sign_bid(supplier, tender_id, 8_000 * RUBLE)
    relayed = SignedBid.from_json(signed.to_json())  # as a file handed to the relayer
    receipt = client.relay(relayer, relayed)

    assert (nonce(supplier), supplier.balance) == (sent_before, ether_before)
    event = receipt.event("BidCommitted")
    assert (event.bidder, event.relayer, bytes(event.commitment)) == (supplier.address, relayer.address, signed.commitment)
    assert platform["token"].allowance(supplier, platform["tenders"]) == 0  # the permit was used up
    assert "salt" not in signed.to_json()
    [kept] = store.bids(client.bid_key(tender_id, supplier))
    assert kept.commitment == signed.commitment


def test_relay__signed_for_another_bidder__decoded_refusal(client, tender_id, supplier, rival_supplier, relayer):
    signed = client.sign_bid(supplier, tender_id, 8_000 * RUBLE)
    forged = SignedBid(signed.tender_id, rival_supplier.address, signed.commitment, signed.deadline,
                       signed.signature, signed.permit)

    with pytest.raises(TransactionRefused, match=rf"not {rival_supplier.address}'s signature.*\(InvalidSignature\)"):
        client.relay(relayer, forged)


def test_signed_bid__not_a_signed_bid_file__error():
    with pytest.raises(TenderError, match="not a signed bid"):
        SignedBid.from_json(json.dumps({"tender_id": 1}))


def test_reveal__reads_the_kept_salt__lowest_leads(client, tender_id, supplier, rival_supplier, move_past):
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    client.commit(rival_supplier, tender_id, 9_000 * RUBLE)
    move_past(tender_id, "bidDeadline")

    assert client.reveal(rival_supplier, tender_id) == (9_000 * RUBLE, True)
    assert client.reveal(supplier, tender_id) == (8_000 * RUBLE, True)

    state = client.state(tender_id)
    assert (state.stage, state.reveals, state.leader, state.price) == (
        TenderStage.REVEALING, 2, supplier.address, 8_000 * RUBLE)


def test_reveal__by_another_account_for_the_bidder(client, platform, tender_id, supplier, relayer, move_past):
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    move_past(tender_id, "bidDeadline")

    client.reveal(relayer, tender_id, bidder=supplier)

    assert platform["tenders"].bid(tender_id, supplier).revealed


def test_reveal__an_earlier_unsent_attempt_kept_too__the_sent_one_opens(client, store, tender_id, supplier,
                                                                         move_past):
    store.seal(client.bid_key(tender_id, supplier), 7_000 * RUBLE)  # saved, then the process died
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    move_past(tender_id, "bidDeadline")

    assert client.reveal(supplier, tender_id) == (8_000 * RUBLE, True)


def test_reveal__salt_missing__says_where_it_was_looked_for(client, platform, tmp_path, tender_id, supplier, move_past):
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    move_past(tender_id, "bidDeadline")
    elsewhere = TenderClient(client.tenders, client.token, client.custody, client.resources,
                             store=SealedBidStore(tmp_path / "another-computer"))

    with pytest.raises(MissingSaltError, match="another-computer.*copy") as missing:
        elsewhere.reveal(supplier, tender_id)

    assert isinstance(missing.value, PlatformError)


# --- the tender steps as prepared actions (what a wallet is handed) -------------------------------


def test_prepare__tender_steps__decoded_back_match_the_intent(client, platform, hospital, supplier, need, tender_id):
    from dapp.chain.actions import decode_calldata

    tenders, token = platform["tenders"].address, platform["token"].address
    terms = need(max_price=MAX_PRICE * 2)  # more than the allowance left: an approval comes first
    create = client.prepare_create(hospital, terms)
    sealed = client.seal(supplier, tender_id, 8_000 * RUBLE)
    commit = client.prepare_commit(supplier, tender_id, sealed)
    steps = {
        "create": (create, [(token, "PaymentToken", "approve", {"spender": tenders, "value": MAX_PRICE * 2}),
                            (tenders, "Tenders", "createTender", {"params": terms.as_params()})]),
        "commit": (commit, [(token, "PaymentToken", "approve", {"spender": tenders, "value": BID_SECURITY}),
                            (tenders, "Tenders", "commitBid", {"tenderId": tender_id,
                                                              "commitment": sealed.commitment})]),
        "cancel": (client.prepare_cancel(hospital, tender_id), [(tenders, "Tenders", "cancel", {"tenderId": tender_id})]),
        "award": (client.prepare_award(hospital, tender_id), [(tenders, "Tenders", "award", {"tenderId": tender_id})]),
        "withdraw": (client.prepare_withdraw(supplier), [(tenders, "Tenders", "withdraw", {})]),
    }
    for name, (action, expected) in steps.items():
        decoded = [(call.target, call.contract, *decode_calldata(call.contract, call.data)) for call in action.calls]
        decoded = [(target, contract, function, {k: _plain(v) for k, v in arguments.items()})
                   for target, contract, function, arguments in decoded]
        assert decoded == [(target, contract, function, {k: _plain(v) for k, v in arguments.items()})
                           for target, contract, function, arguments in expected], name
    # the call after an approval is dry-run once the approval is mined
    assert [call.after_previous for call in create.calls] == [False, True]


def test_prepare_create__by_permit__the_permit_is_signed_first_then_one_call(client, hospital, need):
    action = client.prepare_create(hospital, need(), funding="permit")

    assert action.calls == () and len(action.to_sign) == 1
    permit = action.to_sign[0].typed_data
    assert (permit["primaryType"], permit["message"]["owner"], permit["message"]["value"]) == (
        "Permit", hospital.address, MAX_PRICE)
    completed = action.with_signatures([ApeSigner(hospital).sign_typed_data(permit)])
    [call] = completed.calls
    assert (call.function, call.arguments()["permit"][0]) == ("createTenderWithPermit", permit["message"]["deadline"])


def _plain(value):
    """Tuples and lists compared alike (the ABI decodes structs as tuples and arrays as lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


# --- salts derived from the bidder's own signature ------------------------------------------------


class FlippingSigner:
    """A wallet that does not sign deterministically: every other signature is the equally valid
    high-s twin of the first (same signer, same document, other bytes)."""

    ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

    def __init__(self, account):
        self.inner = ApeSigner(account)
        self.address = self.inner.address
        self.signed = 0

    def sign_typed_data(self, typed_data):
        signature = self.inner.sign_typed_data(typed_data)
        self.signed += 1
        if self.signed % 2:
            return signature
        s = self.ORDER - int.from_bytes(signature[32:64], "big")
        return signature[:32] + s.to_bytes(32, "big") + bytes([55 - signature[64]])  # 27 <-> 28

    def dry_run(self, call):
        self.inner.dry_run(call)

    def send(self, call):
        return self.inner.send(call)


def test_wallet_salt__same_wallet_twice__same_salt(client, tender_id, supplier):
    key = client.bid_key(tender_id, supplier)
    typed = salt_typed_data(key.chain_id, key.tenders, key.tender_id, key.bidder)

    first, second = wallet_salt(ApeSigner(supplier), key), wallet_salt(ApeSigner(supplier), key)

    assert first == second == keccak(ApeSigner(supplier).sign_typed_data(typed))
    assert len(first) == 32


def test_wallet_salt__another_tender_contract_chain_or_bidder__another_salt(client, tender_id, supplier,
                                                                            rival_supplier):
    key = client.bid_key(tender_id, supplier)
    signer = ApeSigner(supplier)
    salts = {
        wallet_salt(signer, key),
        wallet_salt(signer, replace(key, tender_id=key.tender_id + 1)),
        wallet_salt(signer, replace(key, tenders=client.token.address)),
        wallet_salt(signer, replace(key, chain_id=key.chain_id + 1)),
        wallet_salt(ApeSigner(rival_supplier), client.bid_key(tender_id, rival_supplier)),
    }

    assert len(salts) == 5


def test_salt_typed_data__names_chain_contract_tender_and_bidder(client, tender_id, supplier):
    typed = salt_typed_data(31337, client.tenders.address, tender_id, supplier.address)

    assert typed["primaryType"] == "SealedBidSalt"
    assert typed["message"] == {"purpose": SALT_PURPOSE, "chainId": 31337, "tenders": client.tenders.address,
                                "tenderId": tender_id, "bidder": supplier.address}
    assert typed["domain"]["verifyingContract"] == client.tenders.address


def test_commit__salt_from_wallet__nothing_kept_and_revealed_from_a_fresh_data_folder(
        client, store, platform, tmp_path, tender_id, supplier, move_past):
    sealed = client.commit(supplier, tender_id, 8_000 * RUBLE, salt_from_wallet=True)
    assert store.bids(client.bid_key(tender_id, supplier)) == []  # nothing on this computer
    move_past(tender_id, "bidDeadline")
    elsewhere = TenderClient(client.tenders, client.token, client.custody, client.resources,
                             first_block=client.first_block, store=SealedBidStore(tmp_path / "fresh-data-folder"))

    assert elsewhere.reveal(supplier, tender_id, price=8_000 * RUBLE, salt_from_wallet=True) == (8_000 * RUBLE, True)
    assert sealed.salt == wallet_salt(ApeSigner(supplier), client.bid_key(tender_id, supplier))
    assert not (tmp_path / "fresh-data-folder").exists()


def test_reveal__salt_from_wallet__another_price__says_to_give_the_price_bid(client, tender_id, supplier, move_past):
    client.commit(supplier, tender_id, 8_000 * RUBLE, salt_from_wallet=True)
    move_past(tender_id, "bidDeadline")

    with pytest.raises(TenderError, match="does not open the bid.*give the price you bid"):
        client.reveal(supplier, tender_id, price=8_500 * RUBLE, salt_from_wallet=True)
    with pytest.raises(TenderError, match="give the price you bid"):
        client.reveal(supplier, tender_id, salt_from_wallet=True)


def test_commit__non_deterministic_wallet__falls_back_to_the_file_store(client, store, tender_id, supplier,
                                                                        move_past):
    wallet = FlippingSigner(supplier)

    sealed = client.commit(wallet, tender_id, 8_000 * RUBLE, salt_from_wallet=True)

    assert store.bids(client.bid_key(tender_id, supplier)) == [sealed]
    move_past(tender_id, "bidDeadline")
    assert client.reveal(wallet, tender_id, price=8_000 * RUBLE, salt_from_wallet=True) == (8_000 * RUBLE, True)


def test_reveal__before_bid_deadline__decoded_refusal(client, tender_id, supplier):
    client.commit(supplier, tender_id, 8_000 * RUBLE)

    with pytest.raises(TransactionRefused, match=r"are revealed after .* UTC and until .*\(NotRevealPeriod\)"):
        client.reveal(supplier, tender_id)


def test_reveal__twice__error(client, revealed, supplier):
    with pytest.raises(TenderError, match="already revealed \\(8,000.00 RUB\\)"):
        client.reveal(supplier, revealed)


def test_reveal__no_bid__error(client, tender_id, supplier):
    with pytest.raises(TenderError, match="has no bid on tender"):
        client.reveal(supplier, tender_id)


# --- award, security, failure ---------------------------------------------------------------------


def test_award__lowest_wins__parties_and_what_each_may_take(client, revealed, hospital, supplier, rival_supplier,
                                                             move_past):
    move_past(revealed, "revealDeadline")

    award = client.award(hospital, revealed)

    price = 8_000 * RUBLE
    security = price * 1_000 // 10_000
    assert award.winner == supplier.address and (award.price, award.performance_security) == (price, security)
    # The runner-up's price (9,000 RUB) stays in escrow until the winner secures the contract.
    runner_up_price = 9_000 * RUBLE
    assert award.to_hospital == MAX_PRICE - runner_up_price
    state = client.state(revealed)
    assert (state.status, state.winner, state.security_deadline, state.runner_up) == (
        TenderStatus.AWARDED, supplier.address, award.security_deadline, rival_supplier.address)
    positions = {p.account: p for p in client.positions(revealed)}
    assert (positions[hospital.address].role, positions[hospital.address].owed) == (
        "hospital", MAX_PRICE - runner_up_price)
    assert (positions[supplier.address].role, positions[supplier.address].claimable) == ("winner", 0)
    assert (positions[rival_supplier.address].role, positions[rival_supplier.address].claimable) == ("runner-up", 0)
    client.post_security(supplier, revealed)
    positions = {p.account: p for p in client.positions(revealed)}
    assert (positions[rival_supplier.address].role, positions[rival_supplier.address].claimable) == (
        "bidder", BID_SECURITY)
    assert positions[hospital.address].owed == MAX_PRICE - price


def test_award__before_reveal_deadline__decoded_refusal(client, revealed, hospital):
    with pytest.raises(TransactionRefused, match=r"may be revealed until .*award it after that \(RevealNotOver\)"):
        client.award(hospital, revealed)


def test_award__by_anyone_before_the_award_window_ends__decoded_refusal(client, revealed, relayer, move_past):
    move_past(revealed, "revealDeadline")

    with pytest.raises(TransactionRefused, match=r"only the medical organization .* may award it.*\(AwardReservedToHospital\)"):
        client.award(relayer, revealed)


def test_award__by_anyone_after_the_award_window__the_lowest_wins(client, chain, platform, revealed, hospital,
                                                                  supplier, relayer):
    chain.mine(timestamp=platform["tenders"].tender(revealed).revealDeadline + client.award_window() + 1)

    award = client.award(relayer, revealed)

    assert award.winner == supplier.address and award.to_hospital == MAX_PRICE - 9_000 * RUBLE
    assert platform["tenders"].owed(hospital) == MAX_PRICE - 9_000 * RUBLE
    assert platform["tenders"].owed(relayer) == 0


def test_award__nothing_revealed__tender_fails(client, tender_id, hospital, supplier, move_past):
    client.commit(supplier, tender_id, 8_000 * RUBLE)
    move_past(tender_id, "revealDeadline")

    award = client.award(hospital, tender_id)

    assert award == Award(None, 0, 0, 0, MAX_PRICE + BID_SECURITY)
    assert client.state(tender_id).status == TenderStatus.FAILED


@pytest.mark.parametrize("funding", ["approve", "permit"])
def test_post_security__contract_concluded(client, platform, awarded, supplier, funding):
    security = client.post_security(supplier, awarded, funding=funding)

    assert security == 8_000 * RUBLE * 1_000 // 10_000
    state = client.state(awarded)
    assert (state.status, state.held) == (TenderStatus.CONTRACTED, 8_000 * RUBLE + security + BID_SECURITY)
    assert platform["tenders"].owed(supplier) == BID_SECURITY  # its bid security, back


def test_post_security__by_a_loser__decoded_refusal(client, awarded, rival_supplier):
    with pytest.raises(TransactionRefused, match=r"is not the winner of tender .*\(NotWinner\)"):
        client.post_security(rival_supplier, awarded)


def test_fail_unsecured__after_the_window__passes_to_the_runner_up_then_fails(client, platform, awarded, supplier,
                                                                             rival_supplier, relayer, move_past):
    move_past(awarded, "securityDeadline")

    passed = client.fail_unsecured(relayer, awarded)

    assert passed == Unsecured(failed=False, to_hospital=BID_SECURITY, new_winner=rival_supplier.address)
    state = client.state(awarded)
    assert (state.status, state.winner, state.runner_up) == (TenderStatus.AWARDED, rival_supplier.address, None)
    move_past(awarded, "securityDeadline")
    failed = client.fail_unsecured(relayer, awarded)
    assert failed.failed and failed.to_hospital == 9_000 * RUBLE + BID_SECURITY
    assert client.state(awarded).status == TenderStatus.FAILED


# --- delivery --------------------------------------------------------------------------------------


def test_deliver_and_accept__in_two_shipments__completes_and_pays(client, platform, contracted, hospital, supplier):
    first = client.deliver(supplier, contracted, GTIN, "LONG", 60, WAYBILL_CID)

    with pytest.raises(TenderError, match="still in transit"):
        client.accept(supplier, contracted, first.shipment_id)  # the hospital has not received it
    assert client.accept(hospital, contracted, first.shipment_id) == (60, 60)  # received, then accepted

    second = client.deliver(supplier, contracted, GTIN, "LONG", 40, WAYBILL_CID)
    platform["custody"].receiveShipment(second.shipment_id, second.record, sender=hospital)
    assert client.accept(supplier, contracted, second.shipment_id) == (40, 100)

    state = client.state(contracted)
    assert (state.status, state.delivered) == (TenderStatus.COMPLETED, QUANTITY)
    assert state.held == BID_SECURITY  # the loser's, until it claims it
    security = 8_000 * RUBLE * 1_000 // 10_000
    assert platform["tenders"].owed(supplier) == BID_SECURITY + 8_000 * RUBLE + security
    assert client.shipment(first.shipment_id) == first.record
    assert first.record[4:6] == (platform["tenders"].address, contracted)


def test_deliver__more_than_due__error(client, contracted, supplier):
    with pytest.raises(TenderError, match="still needs 100 units; ship 1 to 100, not 101"):
        client.deliver(supplier, contracted, GTIN, "LONG", 101, WAYBILL_CID)


def test_deliver__not_the_winner__error(client, contracted, rival_supplier):
    with pytest.raises(TenderError, match="is not the winner"):
        client.deliver(rival_supplier, contracted, GTIN, "LONG", 10, WAYBILL_CID)


def test_deliver__batch_too_close_to_expiry__error_nothing_shipped(client, platform, contracted, supplier):
    count = platform["custody"].shipmentCount()

    with pytest.raises(TenderError, match="needs 180 days of shelf life left"):
        client.deliver(supplier, contracted, GTIN, "SHORT", 10, WAYBILL_CID)

    assert platform["custody"].shipmentCount() == count


def test_deliver__product_not_accepted__error(client, contracted, supplier):
    with pytest.raises(TenderError, match=f"does not accept GTIN {OTHER_GTIN:014d}"):
        client.deliver(supplier, contracted, OTHER_GTIN, "LONG", 10, WAYBILL_CID)


def test_deliver__before_security_posted__error(client, awarded, supplier):
    with pytest.raises(TenderError, match="is awarded: deliveries count only once"):
        client.deliver(supplier, awarded, GTIN, "LONG", 10, WAYBILL_CID)


def test_accept__shipment_of_another_tender__error(client, contracted, hospital, supplier):
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", 10, WAYBILL_CID)

    with pytest.raises(TenderError, match=f"is not a delivery for tender {contracted + 1} of this tender contract but "
                                          f"for tender {contracted} of"):
        client.accept(hospital, contracted + 1, delivery.shipment_id)


def test_accept__rejected_shipment__error(client, platform, contracted, hospital, supplier):
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", 10, WAYBILL_CID)
    platform["custody"].reject(delivery.shipment_id, delivery.record, WAYBILL_CID, sender=hospital)
    assert platform["custody"].shipmentStatus(delivery.shipment_id, delivery.record) == ShipmentStatus.REJECTED

    with pytest.raises(TenderError, match="was rejected"):
        client.accept(hospital, contracted, delivery.shipment_id)


def test_accept__counted_twice__decoded_refusal(client, contracted, hospital, supplier):
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", 10, WAYBILL_CID)
    client.accept(hospital, contracted, delivery.shipment_id)

    with pytest.raises(TransactionRefused, match=r"already counts toward tender .*\(DeliveryAlreadyCounted\)"):
        client.accept(hospital, contracted, delivery.shipment_id)


def test_terminate__after_delivery_deadline__pro_rata(client, chain, contracted, hospital, supplier, move_past):
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", 25, WAYBILL_CID)
    client.accept(hospital, contracted, delivery.shipment_id)
    move_past(contracted, "deliveryDeadline", plus=client.termination_delay())

    paid, to_hospital = client.terminate(hospital, contracted)

    price, security = 8_000 * RUBLE, 800 * RUBLE
    assert (paid, to_hospital) == (price // 4, price - price // 4 + security)
    assert client.state(contracted).status == TenderStatus.TERMINATED


def test_terminate__by_the_winner_giving_up__hospital_recovers_the_same(client, platform, contracted, hospital,
                                                                        supplier, move_past):
    move_past(contracted, "deliveryDeadline")

    paid, to_hospital = client.terminate(supplier, contracted)

    assert (paid, to_hospital) == (0, 8_000 * RUBLE + 800 * RUBLE)
    assert platform["tenders"].owed(hospital) == MAX_PRICE - 8_000 * RUBLE + to_hospital


def test_terminate__before_delivery_deadline__decoded_refusal(client, contracted, hospital, supplier):
    with pytest.raises(TransactionRefused, match=r"may be delivered until .*\(DeliveryNotOverdue\)"):
        client.terminate(supplier, contracted)
    with pytest.raises(TransactionRefused, match=r"may still be received or counted until .*\(DeliveriesStillDue\)"):
        client.terminate(hospital, contracted)


def test_termination_delay__receipt_period_and_acceptance_grace(client):
    assert client.termination_delay() == 30 * DAY


def test_accept__unanswered_delivery__the_winner_counts_it_then_settles_it(client, chain, platform, contracted,
                                                                          hospital, supplier):
    """A hospital that never answers a delivery does not keep the winner from being paid."""
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", QUANTITY, WAYBILL_CID)
    with pytest.raises(TenderError, match="still in transit"):
        client.accept(supplier, contracted, delivery.shipment_id)
    with pytest.raises(TenderError, match="may answer shipment .* until .*; settle it after"):
        client.settle(supplier, delivery.shipment_id)
    chain.mine(timestamp=delivery.record[6] + 20 * DAY + 1)

    assert client.accept(supplier, contracted, delivery.shipment_id) == (QUANTITY, QUANTITY)
    assert client.settle(hospital, delivery.shipment_id) == "received"
    assert platform["custody"].balanceOf(delivery.record[0], hospital) == QUANTITY


def test_settle__unanswered_and_not_counted__back_to_the_shipper(client, chain, platform, contracted, hospital,
                                                                 supplier):
    delivery = client.deliver(supplier, contracted, GTIN, "LONG", 10, WAYBILL_CID)
    chain.mine(timestamp=delivery.record[6] + 20 * DAY + 1)

    assert client.settle(hospital, delivery.shipment_id) == "reclaimed"
    assert platform["custody"].shipmentStatus(delivery.shipment_id, delivery.record) == ShipmentStatus.RECLAIMED


# --- cancel, claims, withdrawals, reads -------------------------------------------------------------


def test_cancel__escrow_owed_back__bidder_claims_then_withdraws(client, platform, tender_id, hospital, supplier):
    client.commit(supplier, tender_id, 8_000 * RUBLE)

    assert client.cancel(hospital, tender_id) == MAX_PRICE
    [position] = [p for p in client.positions(tender_id) if p.account == supplier.address]
    assert position.claimable == BID_SECURITY

    assert client.claim_bid_security(supplier, tender_id) == BID_SECURITY
    assert client.withdraw(hospital) == MAX_PRICE
    assert platform["token"].balanceOf(platform["tenders"]) == 0
    assert [p.claimable for p in client.positions(tender_id)] == [0, 0]
    assert client.state(tender_id).stage == TenderStage.CANCELLED


def test_cancel__after_bid_deadline__decoded_refusal(client, tender_id, hospital, move_past):
    move_past(tender_id, "bidDeadline")

    with pytest.raises(TransactionRefused, match=r"bidding on tender .* closed at .*\(BiddingClosed\)"):
        client.cancel(hospital, tender_id)


def test_withdraw__nothing_owed__decoded_refusal(client, supplier):
    with pytest.raises(TransactionRefused, match=rf"nothing is owed to {supplier.address} \(NothingOwed\)"):
        client.withdraw(supplier)


def test_claim__the_winner__decoded_refusal(client, awarded, supplier):
    with pytest.raises(TransactionRefused, match=r"cannot take its bid security .*\(BidSecurityNotClaimable\)"):
        client.claim_bid_security(supplier, awarded)


def test_bids__in_commit_order_with_their_state(client, revealed, supplier, rival_supplier):
    bids = client.bids(revealed)

    assert [(b.bidder, b.sequence, b.revealed, b.price) for b in bids] == [
        (supplier.address, 1, True, 8_000 * RUBLE), (rival_supplier.address, 2, True, 9_000 * RUBLE)]
    assert not any(b.claimable for b in bids)  # not before the award


def test_state__unknown_tender__error(client):
    with pytest.raises(TenderError, match="there is no tender 99"):
        client.state(99)


def test_carry_out__token_refusal_inside_a_commit__decoded_with_the_token_abi(client, platform, tender_id,
                                                                               rival_supplier):
    """A commit with no allowance: the token's error, raised inside the tender contract's call,
    reads as the token's sentence before anything is sent."""
    from dapp.chain.actions import action, call_at
    from dapp.chain.signers import carry_out

    commit = call_at(platform["tenders"].address, "Tenders", "commitBid", [tender_id, b"\x01" * 32], "bid")
    nonce = rival_supplier.nonce

    with pytest.raises(TransactionRefused) as refused:
        carry_out(action(rival_supplier, "bid", commit), ApeSigner(rival_supplier))

    assert str(refused.value) == (
        f"bid: refused by the contract: the payment token allowance of {platform['tenders'].address} is 0.00 RUB, "
        f"{rubles(BID_SECURITY)} is needed (ERC20InsufficientAllowance)")
    assert rival_supplier.nonce == nonce
