"""The tender contract's refusals as sentences.

The Solidity contracts refuse with custom errors (`BiddingClosed(tenderId, deadline)`). Ape turns
one into an exception whose message is only its arguments ("deadline=1767225600, tenderId=3"),
and leaves undecoded an error raised by a contract the call went through (the payment token's
`ERC20InsufficientAllowance` inside a commit). `explaining` wraps a contract method so that
`dapp.chain.transactions.send` reports what was refused and why, with the error's name in brackets:
"bidding on tender 3 closed at 2026-01-01 00:00 UTC (BiddingClosed)".
"""

from __future__ import annotations

import ast
from datetime import datetime, timezone

from dapp.roles import Role

# Tenders.Status, for WrongStatus.
STATUS_NAMES = ("none", "open", "awarded", "contracted", "completed", "failed", "terminated", "cancelled")
# The contracts whose errors a tender transaction may surface.
CONTRACTS = ("Tenders", "PaymentToken", "Custody", "Resources", "Participants")


def moment(timestamp: int) -> str:
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def rubles(kopecks: int) -> str:
    """Kopecks as rubles: 1234567 -> "12,345.67 RUB"."""
    sign = "-" if kopecks < 0 else ""
    whole, cents = divmod(abs(int(kopecks)), 100)
    return f"{sign}{whole:,}.{cents:02d} RUB"


def _role(role) -> str:
    try:
        return (Role(int(role)).name or str(role)).lower().replace("_", " ")
    except ValueError:
        return str(role)


def _status(status) -> str:
    status = int(status)
    return STATUS_NAMES[status] if 0 <= status < len(STATUS_NAMES) else str(status)


# name -> sentence from the error's inputs (a dict). Errors not listed read as Name(inputs).
_SENTENCES = {
    "ZeroAddress": lambda a: "an address given is the zero address",
    "ParticipantNotActive": lambda a: (
        f"{a['account']} is not an active {_role(a.get('role', a.get('roles')))}: a regulator must approve it "
        f"in that role (ape run registry approve ...)"),
    "InvalidParameter": lambda a: f"the tender parameter {a['parameter']} is out of range",
    "UnknownProduct": lambda a: f"no product is registered under GTIN {int(a['gtin']):014d}",
    "UnknownTender": lambda a: f"there is no tender {a['tenderId']}",
    "WrongStatus": lambda a: f"tender {a['tenderId']} is {_status(a['status'])}, which does not allow this step",
    "NotHospital": lambda a: f"{a['account']} is not the medical organization that published tender {a['tenderId']}",
    "AwardReservedToHospital": lambda a: (
        f"until {moment(a['until'])} only the medical organization that published tender {a['tenderId']} may "
        "award it; anyone may after that"),
    "NotWinner": lambda a: f"{a['account']} is not the winner of tender {a['tenderId']}",
    "NotHospitalOrWinner": lambda a: (
        f"{a['account']} is neither the medical organization nor the winner of tender {a['tenderId']}"),
    "BiddingClosed": lambda a: f"bidding on tender {a['tenderId']} closed at {moment(a['deadline'])}",
    "NotRevealPeriod": lambda a: (
        f"bids on tender {a['tenderId']} are revealed after {moment(a['opens'])} and until {moment(a['closes'])}"),
    "RevealNotOver": lambda a: f"bids on tender {a['tenderId']} may be revealed until {moment(a['deadline'])}; "
                               "award it after that",
    "AlreadyBid": lambda a: f"{a['bidder']} has already bid on tender {a['tenderId']} (one bid per supplier)",
    "NoBid": lambda a: f"{a['bidder']} has no bid on tender {a['tenderId']}",
    "ZeroCommitment": lambda a: "the bid's commitment is zero",
    "AlreadyRevealed": lambda a: f"the bid of {a['bidder']} on tender {a['tenderId']} is already revealed",
    "CommitmentMismatch": lambda a: (
        f"the price and salt given do not open the bid of {a['bidder']} on tender {a['tenderId']}"),
    "InvalidPrice": lambda a: (
        f"the price {rubles(a['price'])} is not between 0.01 RUB and the maximum price {rubles(a['maxPrice'])} "
        f"of tender {a['tenderId']}: the bid is invalid"),
    "SignatureExpired": lambda a: f"the signed bid expired at {moment(a['deadline'])}; sign it again",
    "InvalidSignature": lambda a: f"the signature is not {a['bidder']}'s signature of this bid",
    "SecurityDeadlinePassed": lambda a: (
        f"the performance security of tender {a['tenderId']} was due by {moment(a['deadline'])}"),
    "SecurityDeadlineNotPassed": lambda a: (
        f"the winner of tender {a['tenderId']} may post its performance security until {moment(a['deadline'])}"),
    "DeliveryNotOverdue": lambda a: (
        f"tender {a['tenderId']} may be delivered until {moment(a['deadline'])}; it can be terminated only after"),
    "NotATenderDelivery": lambda a: (
        f"shipment {a['shipmentId']} is not a received shipment of tender {a['tenderId']} from its winner to its "
        "medical organization"),
    "DeliveryAlreadyCounted": lambda a: f"shipment {a['shipmentId']} already counts toward tender {a['tenderId']}",
    "ProductNotAccepted": lambda a: f"tender {a['tenderId']} does not accept GTIN {int(a['gtin']):014d}",
    "ShelfLifeTooShort": lambda a: (
        f"the batch expires at {moment(a['expires'])}; tender {a['tenderId']} needs it to last until at least "
        f"{moment(a['required'])}"),
    "BatchNotActive": lambda a: f"the delivered batch is recalled or withdrawn (status {a['status']})",
    "BidSecurityNotClaimable": lambda a: (
        f"{a['bidder']} cannot take its bid security of tender {a['tenderId']} back (not yet, no longer, or "
        "forfeited)"),
    "NothingOwed": lambda a: f"nothing is owed to {a['account']}",
    # The payment token (OpenZeppelin ERC-20 and ERC-2612).
    "ERC20InsufficientBalance": lambda a: (
        f"{a['sender']} holds {rubles(a['balance'])} of the payment token, {rubles(a['needed'])} is needed"),
    "ERC20InsufficientAllowance": lambda a: (
        f"the payment token allowance of {a['spender']} is {rubles(a['allowance'])}, {rubles(a['needed'])} is needed"),
    "ERC2612ExpiredSignature": lambda a: f"the permit expired at {moment(a['deadline'])}",
    "ERC2612InvalidSigner": lambda a: f"the permit is signed by {a['signer']}, not by {a['owner']}",
    # Custody, on a delivery.
    "InsufficientBalance": lambda a: (
        f"{a['holder']} holds {a['balance']} units of the batch, {a['needed']} are needed"),
    "ShipmentToSelf": lambda a: f"{a['account']} cannot ship to itself",
    "NotConsignee": lambda a: f"{a['account']} is not the consignee of shipment {a['shipmentId']}",
    "ShipmentNotInTransit": lambda a: f"shipment {a['shipmentId']} is no longer in transit",
    "ShipmentMismatch": lambda a: f"the terms given are not those of shipment {a['shipmentId']}",
    "UnknownShipment": lambda a: f"there is no shipment {a['shipmentId']}",
}


def explain(name: str, inputs: dict) -> str:
    """A custom error as a sentence, its name in brackets."""
    sentence = _SENTENCES.get(name)
    if sentence is not None:
        try:
            return f"{sentence(inputs)} ({name})"
        except (KeyError, ValueError, TypeError):
            pass
    arguments = ", ".join(f"{key}={value}" for key, value in inputs.items())
    return f"{name}({arguments})"


def decode_revert(data: bytes) -> tuple[str, dict] | None:
    """(name, inputs) of revert data carrying a custom error of one of the platform's contracts."""
    from ape import networks

    from dapp.chain.connection import project

    if len(data) < 4:
        return None
    for contract_name in CONTRACTS:
        contract_type = getattr(project(), contract_name).contract_type
        try:
            abi = contract_type.errors[bytes(data[:4])]
        except (KeyError, IndexError):
            continue
        inputs = networks.ethereum.decode_calldata(abi, bytes(data[4:]))
        return abi.name, dict(inputs)
    return None


def _revert_data(message: str) -> bytes | None:
    """The raw revert data Ape leaves in a message when it could not decode it: "0x…", or a
    bytes literal."""
    text = (message or "").strip()
    try:
        if text.startswith("0x"):
            return bytes.fromhex(text[2:])
        if text.startswith(("b'", 'b"')):
            return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return None


def reason(error) -> str:
    """The sentence for an Ape ContractLogicError."""
    from ape.exceptions import CustomError

    if isinstance(error, CustomError):
        return explain(error.abi.name, dict(error.inputs))
    data = _revert_data(getattr(error, "revert_message", "") or "")
    decoded = decode_revert(data) if data else None
    if decoded:
        return explain(*decoded)
    return error.message


def explaining(method):
    """`method` (an Ape contract method), raising refusals with their sentence as the message."""
    from ape.exceptions import ContractLogicError

    def call(*arguments, **options):
        try:
            return method(*arguments, **options)
        except ContractLogicError as error:
            raise ContractLogicError(reason(error), set_ape_traceback=False) from error

    return call
