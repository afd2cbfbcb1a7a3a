"""dapp.tenders.wallet_steps and dapp.tenders.workspace without a chain: the salt from a wallet's
signature (and the refusal of a wallet that signs twice differently), the signed bid built from
the wallet's two signatures, and the need a hospital's form describes. (The steps on a chain,
through the page: tests/ui/test_tenders_page.py.)"""

import pytest
from eth_account import Account

from dapp.tenders.client import DAY, MIN_BIDDING_PERIOD, TenderError
from dapp.tenders.sealed_bids import BidKey, wallet_salt
from dapp.tenders.typed_data import bid_commitment, salt_typed_data, sign_typed_data
from dapp.tenders.wallet_steps import BidToSign, sealed_from_signatures
from dapp.tenders.workspace import need_from_form

KEY = "0x" + "11" * 32
BIDDER = Account.from_key(KEY).address
TENDERS = "0x" + "22" * 20
BID_KEY = BidKey(31337, "0x" + "ab" * 32, TENDERS, 7, BIDDER)


class LocalSigner:
    address = BIDDER

    def sign_typed_data(self, typed_data):
        return sign_typed_data(KEY, typed_data)[0]


def salt_signature() -> bytes:
    return sign_typed_data(KEY, salt_typed_data(31337, TENDERS, 7, BIDDER))[0]


def test_sealed_from_signatures__the_salt_wallet_salt_gives_and_its_commitment():
    signature = salt_signature()
    sealed = sealed_from_signatures(BID_KEY, 1_500_000, [signature, signature])
    assert sealed.salt == wallet_salt(LocalSigner(), BID_KEY)
    assert sealed.commitment == bid_commitment(31337, TENDERS, 7, BIDDER, 1_500_000, sealed.salt)
    assert sealed.opens(sealed.commitment) and sealed.price == 1_500_000


def test_sealed_from_signatures__two_different_signatures_refused_before_anything_is_sent():
    signature = salt_signature()
    other = signature[:10] + bytes([signature[10] ^ 1]) + signature[11:]
    with pytest.raises(TenderError, match="signs deterministically"):
        sealed_from_signatures(BID_KEY, 1_500_000, [signature, other])
    with pytest.raises(TenderError, match="different signatures"):
        sealed_from_signatures(BID_KEY, 1_500_000, [signature])


def test_bid_to_sign__the_signed_bid_of_the_two_signatures():
    to_sign = BidToSign(7, BIDDER, b"\x01" * 32, 1_000, bid=None, permit=None)
    bid_signature, permit_signature = b"\x02" * 64 + b"\x1b", b"\x03" * 32 + b"\x04" * 32 + b"\x1c"
    signed = to_sign.signed([bid_signature, permit_signature])
    assert (signed.tender_id, signed.bidder, signed.commitment, signed.deadline) == (7, BIDDER, b"\x01" * 32, 1_000)
    assert signed.signature == bid_signature
    assert signed.permit == (1_000, 0x1C, b"\x03" * 32, b"\x04" * 32)
    assert type(signed).from_json(signed.to_json()) == signed
    with pytest.raises(TenderError, match="two signatures"):
        to_sign.signed([bid_signature])


def test_need_from_form__deadlines_in_days_and_the_contracts_rules():
    now, award_window = 1_800_000_000, 5 * DAY
    need = need_from_form(now, gtin="4605003180016", quantity=10, max_price_rubles=18_000.5, bidding_days=14,
                          reveal_days=3, delivery_days=60, bid_security_percent=1.0, performance_security_percent=5,
                          shelf_life_days=90, security_window_days=3, award_window=award_window)
    assert need.gtin == 4605003180016 and need.max_price == 1_800_050
    assert need.bid_deadline == now + 14 * DAY and need.reveal_deadline == need.bid_deadline + 3 * DAY
    assert need.delivery_deadline == need.reveal_deadline + award_window + 3 * DAY + 60 * DAY
    assert (need.bid_security_bps, need.performance_security_bps) == (100, 500)
    assert need.min_residual_shelf_life == 90 * DAY and need.security_window == 3 * DAY
    need.check(now, award_window)  # the contract's rules hold
    short = need_from_form(now, gtin="4605003180016", quantity=10, max_price_rubles=100, bidding_days=3,
                           reveal_days=3, delivery_days=60, bid_security_percent=1.0, performance_security_percent=5,
                           shelf_life_days=0, security_window_days=3, award_window=award_window)
    with pytest.raises(TenderError, match=f"at least {MIN_BIDDING_PERIOD // DAY} days to bid"):
        short.check(now, award_window)
