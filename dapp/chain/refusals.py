"""Every contract's refusals as sentences, in one place.

The Vyper contracts refuse with strings prefixed by the module ("participants: caller is not an
active regulator"); the Solidity ones with custom errors (`BiddingClosed(tenderId, deadline)`),
which Ape turns into an exception whose message is only its arguments, and which it leaves
undecoded when raised by a contract the call went through (the payment token's
`ERC20InsufficientAllowance` inside a commit). `sentence_of_revert` reads the revert data of any
of them, and `reason` any exception Ape raises for a revert, as a sentence with the error's name
in brackets: "bidding on tender 3 closed at 2026-01-01 00:00:00 UTC (BiddingClosed)".
"""

from __future__ import annotations

import ast
import re

from dapp.chain.actions import abi_value
from dapp.formats import moment, rubles
from dapp.roles import Role

# Tenders.Status, for WrongStatus.
STATUS_NAMES = ("none", "open", "awarded", "contracted", "completed", "failed", "terminated", "cancelled")
# The platform's contracts: a transaction may surface the errors of any of them.
CONTRACTS = ("Tenders", "PaymentToken", "Custody", "Resources", "Participants")


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
        f"shipment {a['shipmentId']} is not a delivery for tender {a['tenderId']} of this tender contract, shipped by "
        "its winner to its medical organization after the contract was concluded and received (or left unanswered "
        "past the receipt period)"),
    "DeliveriesStillDue": lambda a: (
        f"deliveries shipped in time for tender {a['tenderId']} may still be received or counted until "
        f"{moment(a['until'])}; the medical organization may terminate only after that"),
    "OwnTender": lambda a: f"{a['bidder']} published tender {a['tenderId']}: it may not bid on its own tender",
    "ContractsNotWired": lambda a: (
        "the registries, the custody ledger and the tender contract given are not built on each other (deploy the "
        "tender contract with the platform's own Participants, Resources and Custody)"),
    "NotSuccessor": lambda a: f"{a['account']} is not the recorded successor of {a['predecessor']}",
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
    "ReceiptPeriodOver": lambda a: (
        f"the consignee could refuse shipment {a['shipmentId']} until {moment(a['deadline'])}; it may still receive "
        "it, no longer reject it"),
    "ReceiptPeriodNotOver": lambda a: (
        f"the consignee may answer shipment {a['shipmentId']} until {moment(a['deadline'])}; it can be settled only "
        "after that"),
    "InvalidTender": lambda a: (
        f"a tender delivery names a tender contract and a tender: {a['tenders']} / tender {a['tenderId']} is not one"),
    "NoSuccessor": lambda a: f"no successor is recorded for {a['holder']}",
    "ShipmentMismatch": lambda a: f"the terms given are not those of shipment {a['shipmentId']}",
    "UnknownShipment": lambda a: f"there is no shipment {a['shipmentId']}",
    "UnknownBatch": lambda a: f"there is no batch {_short(a['batchId'])} in the resource registry",
    "NotBatchManufacturer": lambda a: f"{a['account']} is not the manufacturer of batch {_short(a['batchId'])}",
    "BatchAlreadyCommissioned": lambda a: f"batch {_short(a['batchId'])} is already in custody",
    "BatchExpired": lambda a: f"batch {_short(a['batchId'])} expired at {moment(a['expires'])}",
    "ZeroQuantity": lambda a: "the quantity must be more than zero",
    "EmptyCid": lambda a: "a document is required (its CID is empty)",
    "InvalidReason": lambda a: f"{a['reason']} is not a decommissioning reason (1 dispensed to 5 sample)",
    "InvalidProof": lambda a: (
        f"the Merkle proof does not show that the unit belongs to batch {_short(a['batchId'])}: the code was "
        "not issued for this batch"),
    "UnitAlreadyDecommissioned": lambda a: (
        f"the unit is already out of circulation ({_reason(a['reason'])}); a pack is written off only once"),
    "NotDispensed": lambda a: f"the unit was not dispensed ({_reason(a['reason'])}); only a dispense can be undone",
    "NotDispenser": lambda a: f"{a['account']} did not dispense this unit; only the organization that did may undo it",
    "GracePeriodOver": lambda a: f"a dispense can be undone until {moment(a['deadline'])}; that time is over",
    "NotResources": lambda a: f"{a['account']} is not the resource registry",
    "NotResourcesCustody": lambda a: f"the resource registry reports to {a['registered']}, not to this custody contract",
    "OwnableUnauthorizedAccount": lambda a: f"{a['account']} is not the owner of the contract",
    "ERC20InvalidReceiver": lambda a: f"{a['receiver']} cannot receive the payment token",
    "ERC20InvalidSender": lambda a: f"{a['sender']} cannot send the payment token",
    "ERC20InvalidApprover": lambda a: f"{a['approver']} cannot approve a spender",
    "ERC20InvalidSpender": lambda a: f"{a['spender']} cannot be approved as a spender",
    "InvalidAccountNonce": lambda a: f"the nonce {a['currentNonce']} of {a['account']} was expected",
}

# Participants' and Resources' refusals of issue 12 (quorum, company prefixes, successors) as
# sentences, the reason string in brackets; their other reason strings read well as they are.
_REASON_SENTENCES = {
    "participants: action already confirmed": (
        "you already confirmed this action; it is carried out when a quorum of the active regulators "
        "(more than half) has confirmed it"),
    "participants: no metadata submitted": "the organization has no metadata change waiting for review",
    "participants: successor is the zero address": "the successor must be a real account, not the zero address",
    "participants: successor already registered": (
        "the successor account already has a registration of its own: move the organization to a new account"),
    "resources: action already confirmed": (
        "you already confirmed this action; it is carried out when a quorum of the active regulators "
        "(more than half) has confirmed it"),
    "resources: company prefix not assigned to the caller": (
        "no GS1 company prefix of this GTIN is assigned to you: a regulator assigns it first "
        "(ape run products assign-prefix ...)"),
    "resources: company prefix of another manufacturer": (
        "this GTIN's GS1 company prefix is assigned to another manufacturer: only it registers products under it"),
    "resources: prefix length out of range": "a GS1 company prefix has 6 to 12 digits",
    "resources: prefix longer than its digits": "the company prefix has more digits than the length given",
    "resources: prefix already assigned to it": "the manufacturer already holds this company prefix",
    "resources: not an active manufacturer": "the account named is not an active manufacturer",
    "resources: already the product's manufacturer": "the product already belongs to that manufacturer",
    "resources: caller is not the manufacturer's successor": (
        "you are not the successor regulators moved the product's manufacturer to"),
    "resources: batch not retired": "the batch is neither recalled nor withdrawn: there is nothing to lift",
    "resources: custody is for another participants registry": (
        "that custody ledger asks another Participants registry who may act"),
    "resources: too little gas to tell the custody ledger": (
        "send it with more gas: the custody ledger must get its whole allowance to hear of the change"),
}


def _reason_sentence(message: str) -> str:
    """A contract's reason string, as a sentence when it has one."""
    sentence = _REASON_SENTENCES.get(message)
    return f"{sentence} ({message})" if sentence else message


# Custody.Reason, for the decommissioning errors.
DECOMMISSION_REASONS = ("none", "dispensed", "destroyed", "stolen", "exported", "sample")
# Solidity's panics (assert, arithmetic, ...), by code.
PANICS = {0x01: "an assertion failed", 0x11: "an arithmetic overflow or underflow", 0x12: "a division by zero",
          0x21: "a value out of its enum's range", 0x31: "a pop from an empty array",
          0x32: "an index out of bounds", 0x41: "out of memory"}
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string): require/assert messages of Vyper and Solidity
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_CUSTOM_ERROR = re.compile(r"custom error 0x([0-9a-fA-F]{8}):?\s*([0-9a-fA-F]*)")
_CUSTOM_ERROR_RAW = re.compile(r"custom error 0x([0-9a-fA-F]{8}): (.*)", re.DOTALL)


def _short(word) -> str:
    text = "0x" + bytes(word).hex() if isinstance(word, (bytes, bytearray)) else str(word)
    return text[:10] + "…" if len(text) > 12 else text


def _reason(code) -> str:
    code = int(code)
    return DECOMMISSION_REASONS[code] if 0 <= code < len(DECOMMISSION_REASONS) else str(code)





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
    from eth_abi import decode

    from dapp.chain.connection import project

    if len(data) < 4:
        return None
    for contract_name in CONTRACTS:
        contract_type = getattr(project(), contract_name).contract_type
        try:
            abi = contract_type.errors[bytes(data[:4])]
        except (KeyError, IndexError):
            continue
        try:
            values = decode([i.canonical_type for i in abi.inputs], bytes(data[4:]))
        except Exception:  # noqa: BLE001 - malformed data reads as undecodable, below
            return None
        return abi.name, {i.name: abi_value(i.canonical_type, value) for i, value in zip(abi.inputs, values)}
    return None


def sentence_of_revert(data: bytes) -> str:
    """What revert data says: a reason string, a panic, or one of the contracts' custom errors."""
    from eth_abi import decode

    data = bytes(data or b"")
    if not data:
        return "the transaction reverted without a reason"
    try:
        if data[:4] == _ERROR_STRING:
            return _reason_sentence(decode(["string"], data[4:])[0])
        if data[:4] == _PANIC:
            code = decode(["uint256"], data[4:])[0]
            return f"the contract failed: {PANICS.get(code, 'panic')} (Panic 0x{code:02x})"
    except Exception:  # noqa: BLE001
        pass
    decoded = decode_revert(data)
    if decoded:
        return explain(*decoded)
    return f"the transaction reverted with data the platform's contracts do not define (0x{data.hex()})"


def _revert_data(message: str) -> bytes | None:
    """The raw revert data Ape leaves in a message when it could not decode it: "0x…", a bytes
    literal, or (through anvil) "custom error 0x<selector>: <arguments in hex>"."""
    text = (message or "").strip()
    custom = _CUSTOM_ERROR.fullmatch(text)
    if custom:
        return bytes.fromhex(custom.group(1) + custom.group(2))
    raw = _CUSTOM_ERROR_RAW.fullmatch((message or "").lstrip())  # trailing bytes may look like spaces
    if raw:  # the arguments as raw bytes: one character each, or read as UTF-8 where they happen to be
        for encoding in ("latin-1", "utf-8"):
            try:
                return bytes.fromhex(raw.group(1)) + raw.group(2).encode(encoding)
            except UnicodeEncodeError:
                continue
        return None
    try:
        if text.startswith("0x"):
            return bytes.fromhex(text[2:])
        if text.startswith(("b'", 'b"')):
            return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return None


def _base_error_data(error) -> bytes | None:
    """The revert data web3 kept on the error Ape wraps (`ContractCustomError.data`), if any."""
    data = getattr(getattr(error, "base_err", None), "data", None)
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


def reason(error) -> str:
    """The sentence for an Ape ContractLogicError (or any exception carrying revert data)."""
    from ape.exceptions import CustomError

    if isinstance(error, CustomError):
        return explain(error.abi.name, dict(error.inputs))
    data = _base_error_data(error) or _revert_data(getattr(error, "revert_message", "") or "")
    if data:
        return sentence_of_revert(data)
    return _reason_sentence(getattr(error, "message", None) or str(error))

