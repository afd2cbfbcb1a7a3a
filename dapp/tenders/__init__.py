"""Tenders under 44-FZ on the Tenders contract: the client (one method per step, with the
checks only a client can make), EIP-712 typed data, sealed bids and their salts, and the OCDS export.
"""


from dapp.tenders.client import TenderClient, TenderError, TenderNeed, TenderStage, TenderState, TenderStatus

__all__ = ["TenderClient", "TenderError", "TenderNeed", "TenderStage", "TenderState", "TenderStatus"]
