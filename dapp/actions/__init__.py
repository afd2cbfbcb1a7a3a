"""The platform's state-changing actions on the registries, the custody chain and the payment
token, each prepared as a value (calls with calldata and a sentence, see dapp.chain.actions) that
any signer carries out: an Ape account on the command line, or the user's own wallet in the
browser. The tender steps are prepared the same way by dapp.tenders.TenderClient."""

from dapp.actions import custody, participants, payment_token, resources

__all__ = ["custody", "participants", "payment_token", "resources"]
