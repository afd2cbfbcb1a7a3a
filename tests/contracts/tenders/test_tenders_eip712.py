"""Tenders: bids signed as EIP-712 typed data and relayed by anyone (`commitBidBySig`), their
bid security taken by an EIP-2612 permit signed in Python too. A signature for another tender,
chain or contract, by another key, a replay or an expired one: refused. A bidder whose account
is a contract wallet signs through ERC-1271."""

import pytest
from eip712.messages import EIP712Message
from eth_pydantic_types import abi

from dapp.roles import Role
from dapp.tenders.typed_data import (
    bid_typed_data,
    new_salt,
    sign_typed_data,
    typed_data_digest,
)
from tests.conftest import DAY, ORGANIZATION_CID
from tests.contracts.tenders.helpers import (
    commitment_of,
    BID_SECURITY,
    FUNDS,
    MAX_PRICE,
    SUPPLIER_ROLE,
    Status,
    assert_bid,
    assert_event,
    reverts_with,
    sealed,
)

PRICE = 850_000
NO_PERMIT = (0, 0, b"\x00" * 32, b"\x00" * 32)


@pytest.fixture
def signed_bid(chain, tenders, tender_id, suppliers, supplier, sign_permit):
    """A bid by `bidder` (the first supplier) signed with its key, and a permit for its bid
    security: (commitment, deadline, signature, permit). `sign_as` overrides what is signed
    (another tender, chain, contract, deadline, commitment), `signer` who signs."""

    def signed_bid(bidder=None, price=PRICE, deadline=None, signer=None, permit=True, sign_as=None):
        bidder = bidder or supplier
        deadline = chain.pending_timestamp + DAY if deadline is None else deadline
        commitment = commitment_of(tenders, tender_id, bidder, price, new_salt())
        arguments = {
            "chain_id": chain.chain_id,
            "tenders": tenders,
            "tender_id": tender_id,
            "bidder": bidder,
            "commitment": commitment,
            "deadline": deadline,
            **(sign_as or {}),
        }
        signature, _, _, _ = sign_typed_data((signer or bidder).private_key, bid_typed_data(**arguments))
        return commitment, deadline, signature, sign_permit(bidder, BID_SECURITY) if permit else NO_PERMIT

    return signed_bid


def test_bid_digest__equals_python_typed_data(chain, tenders, supplier):
    commitment = commitment_of(tenders, 3, supplier, PRICE, new_salt())
    expected = typed_data_digest(bid_typed_data(chain.chain_id, tenders, 3, supplier, commitment, 12345))

    assert bytes(tenders.bidDigest(3, supplier, commitment, 12345)) == expected


def test_commitment_of__equals_python(tenders, supplier):
    salt = new_salt()

    assert bytes(tenders.commitmentOf(3, supplier, PRICE, salt)) == commitment_of(tenders, 3, supplier, PRICE, salt)


def test_commit_bid_by_sig__relayed_with_permit(tenders, token, tender_id, supplier, outsider, signed_bid):
    token.approve(tenders, 0, sender=supplier)
    nonce, balance = token.nonces(supplier), token.balanceOf(supplier)
    commitment, deadline, signature, permit = signed_bid()

    tx = tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)

    assert_event(tx, tenders.BidCommitted, tenderId=tender_id, bidder=supplier, commitment=commitment, sequence=1, relayer=outsider)
    assert_bid(tenders, tender_id, supplier, commitment=sealed(commitment), sequence=1, revealed=False, price=0, released=False)
    assert token.nonces(supplier) == nonce + 1
    assert token.allowance(supplier, tenders) == 0
    assert token.balanceOf(supplier) == balance - BID_SECURITY
    assert tenders.held(tender_id) == MAX_PRICE + BID_SECURITY


def test_commit_bid_by_sig__relayed_by_the_bidder(tenders, tender_id, supplier, signed_bid):
    commitment, deadline, signature, permit = signed_bid()

    tx = tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=supplier)

    assert tx.decode_logs(tenders.BidCommitted)[0].relayer == supplier.address


def test_commit_bid_by_sig__signed_by_ape_account__accepted(chain, tenders, tender_id, supplier, outsider):
    """The same typed data signed through Ape's account API (an EIP712Message), as a wallet
    would sign it."""

    class Bid(EIP712Message):
        tenderId: abi.uint256
        bidder: abi.address
        commitment: abi.bytes32
        deadline: abi.uint256

    commitment = commitment_of(tenders, tender_id, supplier, PRICE, new_salt())
    deadline = chain.pending_timestamp + DAY
    message = Bid(
        tenderId=tender_id,
        bidder=supplier.address,
        commitment=commitment,
        deadline=deadline,
        eip712_name="MedChain Tenders",
        eip712_version="1",
        eip712_chainId=chain.chain_id,
        eip712_verifyingContract=tenders.address,
    )
    signature = supplier.sign_message(message).encode_rsv()

    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, NO_PERMIT, sender=outsider)

    assert tenders.bid(tender_id, supplier).commitment == sealed(commitment)


def test_commit_bid_by_sig__allowance_instead_of_permit__accepted(tenders, tender_id, supplier, outsider, signed_bid):
    commitment, deadline, signature, _ = signed_bid(permit=False)

    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, NO_PERMIT, sender=outsider)

    assert tenders.bid(tender_id, supplier).sequence == 1


def test_commit_bid_by_sig__permit_front_run__accepted(tenders, token, tender_id, supplier, outsider, second_supplier, signed_bid):
    """Someone saw the permit in the mempool and used it first: the bid goes through."""
    token.approve(tenders, 0, sender=supplier)
    commitment, deadline, signature, permit = signed_bid()
    token.permit(supplier, tenders, BID_SECURITY, *permit, sender=second_supplier)

    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)

    assert tenders.bid(tender_id, supplier).sequence == 1
    assert token.allowance(supplier, tenders) == 0


def test_commit_bid_by_sig__at_deadline__accepted(chain, tenders, tender_id, supplier, outsider, signed_bid):
    deadline = chain.pending_timestamp + 100
    commitment, deadline, signature, permit = signed_bid(deadline=deadline)
    chain.pending_timestamp = deadline

    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)

    assert tenders.bid(tender_id, supplier).sequence == 1


def test_commit_bid_by_sig__expired__reverts(chain, tenders, tender_id, supplier, outsider, signed_bid):
    deadline = chain.pending_timestamp + 100
    commitment, deadline, signature, permit = signed_bid(deadline=deadline)
    chain.pending_timestamp = deadline + 1

    with reverts_with(tenders, "SignatureExpired", deadline=deadline):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__replay__reverts(tenders, token, tender_id, supplier, outsider, signed_bid):
    commitment, deadline, signature, permit = signed_bid()
    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)
    balance = token.balanceOf(supplier)

    with reverts_with(tenders, "AlreadyBid", tenderId=tender_id, bidder=supplier):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)

    assert token.balanceOf(supplier) == balance
    assert tenders.tender(tender_id).commitments == 1


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param({"tender_id": 2}, id="another tender"),
        pytest.param({"chain_id": 1}, id="another chain"),
        pytest.param({"tenders": "0x000000000000000000000000000000000000dEaD"}, id="another contract"),
        pytest.param({"deadline": 2**40}, id="another deadline"),
        pytest.param({"commitment": b"\x01" * 32}, id="another commitment"),
    ],
)
def test_commit_bid_by_sig__signed_for_something_else__reverts(tenders, create_tender, tender_id, supplier, outsider, signed_bid, signed):
    create_tender()  # tender 2 exists too
    commitment, deadline, signature, permit = signed_bid(sign_as=signed)

    with reverts_with(tenders, "InvalidSignature", bidder=supplier):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__signed_in_another_domain__reverts(chain, tenders, tender_id, supplier, outsider):
    commitment = commitment_of(tenders, tender_id, supplier, PRICE, new_salt())
    deadline = chain.pending_timestamp + DAY
    for name, version in (("MedChain Tender", "1"), ("MedChain Tenders", "2")):
        data = bid_typed_data(chain.chain_id, tenders, tender_id, supplier, commitment, deadline)
        data["domain"].update(name=name, version=version)
        signature, _, _, _ = sign_typed_data(supplier.private_key, data)

        with reverts_with(tenders, "InvalidSignature", bidder=supplier):
            tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, NO_PERMIT, sender=outsider)


def test_commit_bid_by_sig__signed_by_another_key__reverts(tenders, tender_id, supplier, second_supplier, outsider, signed_bid):
    commitment, deadline, signature, permit = signed_bid(signer=second_supplier)

    with reverts_with(tenders, "InvalidSignature", bidder=supplier):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__another_bidder_claimed__reverts(tenders, tender_id, supplier, second_supplier, outsider, signed_bid):
    """The first supplier's signed bid presented as the second supplier's."""
    commitment, deadline, signature, _ = signed_bid()

    with reverts_with(tenders, "InvalidSignature", bidder=second_supplier):
        tenders.commitBidBySig(tender_id, second_supplier, commitment, deadline, signature, NO_PERMIT, sender=outsider)


@pytest.mark.parametrize(
    "signature",
    [b"", b"\x00" * 64, b"\x00" * 65, b"\x01" * 65, b"\x00" * 66],
    ids=["empty", "64 zero bytes", "65 zero bytes", "65 junk bytes", "66 bytes"],
)
def test_commit_bid_by_sig__malformed_signature__reverts(tenders, tender_id, supplier, outsider, signed_bid, signature):
    commitment, deadline, _, permit = signed_bid()

    with reverts_with(tenders, "InvalidSignature", bidder=supplier):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__high_s_signature__reverts(tenders, tender_id, supplier, outsider, signed_bid):
    """The malleable twin of a valid signature (s' = n - s, v flipped) is refused by ECDSA."""
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    commitment, deadline, signature, permit = signed_bid()
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    twin = r + (n - s).to_bytes(32, "big") + bytes([55 - v])

    with reverts_with(tenders, "InvalidSignature", bidder=supplier):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, twin, permit, sender=outsider)


def test_commit_bid_by_sig__signer_not_a_supplier__reverts(tenders, tender_id, fund, outsider, active_hospital, signed_bid):
    fund(outsider)
    commitment, deadline, signature, permit = signed_bid(bidder=outsider)

    with reverts_with(tenders, "ParticipantNotActive", account=outsider, role=SUPPLIER_ROLE):
        tenders.commitBidBySig(tender_id, outsider, commitment, deadline, signature, permit, sender=active_hospital)


def test_commit_bid_by_sig__bad_permit_no_allowance__reverts(tenders, token, tender_id, supplier, outsider, signed_bid, sign_permit):
    token.approve(tenders, 0, sender=supplier)
    commitment, deadline, signature, _ = signed_bid(permit=False)
    permit = sign_permit(supplier, BID_SECURITY, signer=outsider)

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=0, needed=BID_SECURITY):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__bidding_closed__reverts(chain, tenders, tender_id, supplier, outsider, signed_bid):
    commitment, deadline, signature, permit = signed_bid(deadline=2**40)
    bid_deadline = tenders.tender(tender_id).bidDeadline
    chain.pending_timestamp = bid_deadline + 1

    with reverts_with(tenders, "BiddingClosed", tenderId=tender_id, deadline=bid_deadline):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__cancelled__reverts(tenders, tender_id, supplier, outsider, active_hospital, signed_bid):
    commitment, deadline, signature, permit = signed_bid()
    tenders.cancel(tender_id, sender=active_hospital)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.CANCELLED):
        tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, permit, sender=outsider)


def test_commit_bid_by_sig__then_revealed_and_won(tenders, tender_id, supplier, outsider, active_hospital, to_reveal_period, after_reveal, chain):
    salt = new_salt()
    commitment = commitment_of(tenders, tender_id, supplier, PRICE, salt)
    deadline = chain.pending_timestamp + DAY
    signature, _, _, _ = sign_typed_data(
        supplier.private_key, bid_typed_data(chain.chain_id, tenders, tender_id, supplier, commitment, deadline)
    )
    tenders.commitBidBySig(tender_id, supplier, commitment, deadline, signature, NO_PERMIT, sender=outsider)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, PRICE, salt, sender=outsider)
    after_reveal(tender_id)

    tx = tenders.award(tender_id, sender=active_hospital)

    assert tx.decode_logs(tenders.TenderAwarded)[0].winner == supplier.address


# --- a bidder whose account is a contract (ERC-1271) ------------------------------------------


@pytest.fixture
def contract_wallet(project, deployer, regulator, participants, token, tenders, outsider):
    """A supplier whose account is a smart-contract wallet that the outsider's key acts and
    signs for (ERC-1271), as an organization using a multisig: approved as a supplier, funded,
    and approving the tender contract."""
    wallet = project.ContractWallet.deploy(outsider, sender=deployer)
    wallet.execute(participants, participants.apply.encode_input(ORGANIZATION_CID), sender=outsider)
    participants.approve(wallet, int(Role.SUPPLIER), sender=regulator)
    token.mint(wallet, FUNDS, sender=deployer)
    wallet.execute(token, token.approve.encode_input(tenders, FUNDS), sender=outsider)
    return wallet


def test_commit_bid_by_sig__contract_wallet__its_owners_signature_accepted(
    chain, tenders, token, tender_id, contract_wallet, outsider, active_hospital
):
    commitment = commitment_of(tenders, tender_id, contract_wallet, PRICE, new_salt())
    deadline = chain.pending_timestamp + DAY
    data = bid_typed_data(chain.chain_id, tenders, tender_id, contract_wallet, commitment, deadline)
    signature, _, _, _ = sign_typed_data(outsider.private_key, data)

    tx = tenders.commitBidBySig(tender_id, contract_wallet, commitment, deadline, signature, NO_PERMIT, sender=active_hospital)

    assert_event(
        tx, tenders.BidCommitted, tenderId=tender_id, bidder=contract_wallet, commitment=commitment, sequence=1, relayer=active_hospital
    )
    assert token.balanceOf(contract_wallet) == FUNDS - BID_SECURITY


def test_commit_bid_by_sig__contract_wallet__another_keys_signature__reverts(
    chain, tenders, tender_id, contract_wallet, supplier, active_hospital
):
    commitment = commitment_of(tenders, tender_id, contract_wallet, PRICE, new_salt())
    deadline = chain.pending_timestamp + DAY
    data = bid_typed_data(chain.chain_id, tenders, tender_id, contract_wallet, commitment, deadline)
    signature, _, _, _ = sign_typed_data(supplier.private_key, data)

    with reverts_with(tenders, "InvalidSignature", bidder=contract_wallet):
        tenders.commitBidBySig(tender_id, contract_wallet, commitment, deadline, signature, NO_PERMIT, sender=active_hospital)
