"""Bidding from a browser wallet: the sealed bid's salt derived from the wallet's own signature.

The dApp's server keeps no secrets of its suppliers: a bid sealed in the browser takes its salt
from the bidder's signature of `salt_typed_data` (`dapp.tenders.sealed_bids.wallet_salt`), asked
of the wallet as a `SignatureRequest` of the prepared action, twice (a wallet that does not sign
deterministically would give a salt it could never give again: the step is refused then, before
anything is sent). The reveal asks for the same signature and the price, and nothing else.

    commit = prepare_commit_with_wallet_salt(client, supplier, tender_id, price)   # to_sign: salt, salt
    reveal = prepare_reveal_with_wallet_salt(client, supplier, tender_id, price)   # to_sign: salt, salt

A bid signed for anyone to relay (no gas for the supplier, its bid security by permit) takes two
rounds, the commitment being made from the salt: `prepare_salt` (outcome: the `SealedBid`, or
`sealed_from_signatures` on the signatures the wallet gave), then `BidToSign.of(...)`, whose
action asks for the bid's and the permit's signatures and whose `signed(signatures)` is the
`SignedBid` to hand to a relayer (`TenderClient.prepare_relay`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dapp.chain.actions import PreparedAction, SignatureRequest, action, address_of
from dapp.i18n import _
from dapp.tenders.client import DAY, SignedBid, TenderClient, TenderError, permit_tuple
from dapp.tenders.sealed_bids import BidKey, SealedBid
from dapp.tenders.typed_data import bid_commitment, bid_typed_data, salt_of_signature, salt_typed_data


def salt_request(client: TenderClient, tender_id: int, bidder) -> SignatureRequest:
    """The signature whose hash is the salt of `bidder`'s bid on `tender_id`."""
    key = client.bid_key(tender_id, bidder)
    return SignatureRequest(salt_typed_data(key.chain_id, key.tenders, key.tender_id, key.bidder),
                            _("seal your bid on tender {tender_id} (this signature sends nothing and moves no money; "
                              "the same signature opens the bid later)").format(tender_id=tender_id))


def sealed_from_signatures(key: BidKey, price: int, signatures: Sequence[bytes]) -> SealedBid:
    """The sealed bid of `price` whose salt is the hash of the wallet's signature, given twice."""
    if len(signatures) < 2 or bytes(signatures[0]) != bytes(signatures[1]):
        raise TenderError(_("the wallet signed the same document twice with different signatures: a salt drawn from "
                            "it could not be found again at the reveal. Bid from a wallet that signs "
                            "deterministically (most do), or with `ape run tenders bid` from the command line, which "
                            "keeps the salt in a file"))
    salt = salt_of_signature(bytes(signatures[0]))
    return SealedBid(key, int(price), salt,
                     bid_commitment(key.chain_id, key.tenders, key.tender_id, key.bidder, int(price), salt))


def prepare_commit_with_wallet_salt(client: TenderClient, supplier, tender_id: int, price: int) -> PreparedAction:
    """Bid `price` from the supplier's wallet, its bid security by approval, the salt from the
    wallet's signature (asked twice before the calls are built)."""
    state = client._check_bid(supplier, tender_id, price)
    key = client.bid_key(tender_id, supplier)
    request = salt_request(client, tender_id, supplier)

    def complete(signatures: Sequence[bytes]) -> PreparedAction:
        sealed = sealed_from_signatures(key, price, signatures)
        return client.prepare_commit(supplier, tender_id, sealed, checked=state)

    return PreparedAction(sender=address_of(supplier), description=_("bid on tender {tender_id}").format(
        tender_id=tender_id), to_sign=(request, request), complete=complete)


def prepare_reveal_with_wallet_salt(client: TenderClient, sender, tender_id: int, price: int) -> PreparedAction:
    """Open the sender's bid of `price` with the salt its wallet's signature gives; the outcome is
    (price, whether it now leads). A wrong price is refused before anything is sent."""
    bidder = address_of(sender)
    view = client.tenders.bid(tender_id, bidder)
    if view.sequence == 0:
        raise TenderError(_("{bidder} has no bid on tender {tender_id}").format(bidder=bidder, tender_id=tender_id))
    if view.revealed:
        raise TenderError(_("the bid of {bidder} on tender {tender_id} is already revealed").format(
            bidder=bidder, tender_id=tender_id))
    key = client.bid_key(tender_id, bidder)
    request = salt_request(client, tender_id, bidder)

    def complete(signatures: Sequence[bytes]) -> PreparedAction:
        return client.prepare_reveal(sender, tender_id, sealed=sealed_from_signatures(key, price, signatures))

    return PreparedAction(sender=bidder, description=_("reveal your bid on tender {tender_id}").format(
        tender_id=tender_id), to_sign=(request, request), complete=complete)


def prepare_salt(client: TenderClient, supplier, tender_id: int, price: int) -> PreparedAction:
    """The first round of a bid signed for relaying: the salt's signature, twice; no calls. The
    outcome (where the signer reports one) is the `SealedBid`."""
    client._check_bid(supplier, tender_id, price)
    key = client.bid_key(tender_id, supplier)
    request = salt_request(client, tender_id, supplier)
    description = _("seal a bid on tender {tender_id}").format(tender_id=tender_id)

    def complete(signatures: Sequence[bytes]) -> PreparedAction:
        sealed = sealed_from_signatures(key, price, signatures)
        return action(supplier, description, outcome=lambda receipts: sealed)

    return PreparedAction(sender=address_of(supplier), description=description, to_sign=(request, request),
                          complete=complete)


@dataclass(frozen=True)
class BidToSign:
    """The second round of a bid signed for relaying: the bid (its commitment) and the permit of
    its bid security, for the wallet to sign."""

    tender_id: int
    bidder: str
    commitment: bytes
    deadline: int
    bid: SignatureRequest
    permit: SignatureRequest

    @classmethod
    def of(cls, client: TenderClient, sealed: SealedBid, valid_for: int = DAY) -> BidToSign:
        state = client._check_bid(sealed.key.bidder, sealed.key.tender_id, sealed.price)
        deadline = client.now() + valid_for
        typed = bid_typed_data(client.chain.chain_id, client.tenders, sealed.key.tender_id, sealed.key.bidder,
                               sealed.commitment, deadline)
        return cls(sealed.key.tender_id, sealed.key.bidder, sealed.commitment, deadline,
                   SignatureRequest(typed, _("sign your sealed bid on tender {tender_id} for anyone to send").format(
                       tender_id=sealed.key.tender_id)),
                   client.permit_request(sealed.key.bidder, state.bid_security, deadline))

    def action(self) -> PreparedAction:
        """The signatures to ask for (no calls); the outcome is the `SignedBid`."""
        description = _("sign a bid on tender {tender_id}").format(tender_id=self.tender_id)
        return PreparedAction(sender=self.bidder, description=description, to_sign=(self.bid, self.permit),
                              complete=lambda signatures: action(self.bidder, description,
                                                                 outcome=lambda receipts: self.signed(signatures)))

    def signed(self, signatures: Sequence[bytes]) -> SignedBid:
        if len(signatures) != 2:
            raise TenderError(_("a signed bid needs two signatures (the bid and the permit), not {count}").format(
                count=len(signatures)))
        return SignedBid(self.tender_id, self.bidder, self.commitment, self.deadline, bytes(signatures[0]),
                         permit_tuple(self.deadline, bytes(signatures[1])))
