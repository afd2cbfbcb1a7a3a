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
from dapp.i18n import N_, _
from dapp.roles import Role

# Tenders.Status, for WrongStatus.
STATUS_NAMES = ("none", "open", "awarded", "contracted", "completed", "failed", "terminated", "cancelled")
_STATUS_WORDS = (N_("none"), N_("open"), N_("awarded"), N_("contracted"), N_("completed"), N_("failed"),
                 N_("terminated"), N_("cancelled"))
# Role names, as a person reads them (the roles a ParticipantNotActive names).
_ROLE_WORDS = {"regulator": N_("regulator"), "manufacturer": N_("manufacturer"), "distributor": N_("distributor"),
               "medical organization": N_("medical organization"), "pharmacy": N_("pharmacy"),
               "supplier": N_("supplier")}
# The platform's contracts: a transaction may surface the errors of any of them.
CONTRACTS = ("Tenders", "PaymentToken", "Custody", "Resources", "Participants")


def _role(role) -> str:
    try:
        name = (Role(int(role)).name or str(role)).lower().replace("_", " ")
        return _(_ROLE_WORDS[name]) if name in _ROLE_WORDS else name
    except ValueError:
        return str(role)


def _status(status) -> str:
    status = int(status)
    return _(_STATUS_WORDS[status]) if 0 <= status < len(STATUS_NAMES) else str(status)


# name -> sentence from the error's inputs (a dict). Errors not listed read as Name(inputs).
_SENTENCES = {
    "ZeroAddress": lambda a: _("an address given is the zero address"),
    "ParticipantNotActive": lambda a: (
        _("{account} is not an active {role}: a regulator must approve it in that role (ape "
          "run registry approve ...)").format(account=a['account'], role=_role(a.get('role', a.get('roles'))))),
    "InvalidParameter": lambda a: _("the tender parameter {parameter} is out of range").format(parameter=a['parameter']),
    "UnknownProduct": lambda a: _("no product is registered under GTIN {gtin:014d}").format(gtin=int(a['gtin'])),
    "UnknownTender": lambda a: _("there is no tender {tender_id}").format(tender_id=a['tenderId']),
    "WrongStatus": lambda a: _("tender {tender_id} is {status}, which does not allow this step").format(tender_id=a['tenderId'], status=_status(a['status'])),
    "NotHospital": lambda a: _("{account} is not the medical organization that published tender {tender_id}").format(account=a['account'], tender_id=a['tenderId']),
    "AwardReservedToHospital": lambda a: (
        _("until {until} only the medical organization that published tender {tender_id} may "
          "award it; anyone may after that").format(until=moment(a['until']), tender_id=a['tenderId'])),
    "NotWinner": lambda a: _("{account} is not the winner of tender {tender_id}").format(account=a['account'], tender_id=a['tenderId']),
    "NotHospitalOrWinner": lambda a: (
        _("{account} is neither the medical organization nor the winner of tender {tender_id}").format(account=a['account'], tender_id=a['tenderId'])),
    "BiddingClosed": lambda a: _("bidding on tender {tender_id} closed at {deadline}").format(tender_id=a['tenderId'], deadline=moment(a['deadline'])),
    "NotRevealPeriod": lambda a: (
        _("bids on tender {tender_id} are revealed after {opens} and until {closes}").format(tender_id=a['tenderId'], opens=moment(a['opens']), closes=moment(a['closes']))),
    "RevealNotOver": lambda a: _("bids on tender {tender_id} may be revealed until {deadline}; award it after that").format(tender_id=a['tenderId'], deadline=moment(a['deadline'])),
    "AlreadyBid": lambda a: _("{bidder} has already bid on tender {tender_id} (one bid per supplier)").format(bidder=a['bidder'], tender_id=a['tenderId']),
    "NoBid": lambda a: _("{bidder} has no bid on tender {tender_id}").format(bidder=a['bidder'], tender_id=a['tenderId']),
    "ZeroCommitment": lambda a: _("the bid's commitment is zero"),
    "AlreadyRevealed": lambda a: _("the bid of {bidder} on tender {tender_id} is already revealed").format(bidder=a['bidder'], tender_id=a['tenderId']),
    "CommitmentMismatch": lambda a: (
        _("the price and salt given do not open the bid of {bidder} on tender {tender_id}").format(bidder=a['bidder'], tender_id=a['tenderId'])),
    "InvalidPrice": lambda a: (
        _("the price {price} is not between 0.01 RUB and the maximum price {max_price} of "
          "tender {tender_id}: the bid is invalid").format(price=rubles(a['price']), max_price=rubles(a['maxPrice']), tender_id=a['tenderId'])),
    "SignatureExpired": lambda a: _("the signed bid expired at {deadline}; sign it again").format(deadline=moment(a['deadline'])),
    "InvalidSignature": lambda a: _("the signature is not {bidder}'s signature of this bid").format(bidder=a['bidder']),
    "SecurityDeadlinePassed": lambda a: (
        _("the performance security of tender {tender_id} was due by {deadline}").format(tender_id=a['tenderId'], deadline=moment(a['deadline']))),
    "SecurityDeadlineNotPassed": lambda a: (
        _("the winner of tender {tender_id} may post its performance security until {deadline}").format(tender_id=a['tenderId'], deadline=moment(a['deadline']))),
    "DeliveryNotOverdue": lambda a: (
        _("tender {tender_id} may be delivered until {deadline}; it can be terminated only after").format(tender_id=a['tenderId'], deadline=moment(a['deadline']))),
    "NotATenderDelivery": lambda a: (
        _("shipment {shipment_id} is not a delivery for tender {tender_id} of this tender "
          "contract, shipped by its winner to its medical organization after the contract was "
          "concluded and received (or left unanswered past the receipt period)").format(shipment_id=a['shipmentId'], tender_id=a['tenderId'])),
    "DeliveriesStillDue": lambda a: (
        _("deliveries shipped in time for tender {tender_id} may still be received or counted "
          "until {until}; the medical organization may terminate only after that").format(tender_id=a['tenderId'], until=moment(a['until']))),
    "OwnTender": lambda a: _("{bidder} published tender {tender_id}: it may not bid on its own tender").format(bidder=a['bidder'], tender_id=a['tenderId']),
    "ContractsNotWired": lambda a: (
        _("the registries, the custody ledger and the tender contract given are not built on "
          "each other (deploy the tender contract with the platform's own Participants, "
          "Resources and Custody)")),
    "NotSuccessor": lambda a: _("{account} is not the recorded successor of {predecessor}").format(account=a['account'], predecessor=a['predecessor']),
    "DeliveryAlreadyCounted": lambda a: _("shipment {shipment_id} already counts toward tender {tender_id}").format(shipment_id=a['shipmentId'], tender_id=a['tenderId']),
    "ProductNotAccepted": lambda a: _("tender {tender_id} does not accept GTIN {gtin:014d}").format(tender_id=a['tenderId'], gtin=int(a['gtin'])),
    "ShelfLifeTooShort": lambda a: (
        _("the batch expires at {expires}; tender {tender_id} needs it to last until at least "
          "{required}").format(expires=moment(a['expires']), tender_id=a['tenderId'], required=moment(a['required']))),
    "BatchNotActive": lambda a: _("the delivered batch is recalled or withdrawn (status {status})").format(status=a['status']),
    "BidSecurityNotClaimable": lambda a: (
        _("{bidder} cannot take its bid security of tender {tender_id} back (not yet, no "
          "longer, or forfeited)").format(bidder=a['bidder'], tender_id=a['tenderId'])),
    "NothingOwed": lambda a: _("nothing is owed to {account}").format(account=a['account']),
    # The payment token (OpenZeppelin ERC-20 and ERC-2612).
    "ERC20InsufficientBalance": lambda a: (
        _("{sender} holds {balance} of the payment token, {needed} is needed").format(sender=a['sender'], balance=rubles(a['balance']), needed=rubles(a['needed']))),
    "ERC20InsufficientAllowance": lambda a: (
        _("the payment token allowance of {spender} is {allowance}, {needed} is needed").format(spender=a['spender'], allowance=rubles(a['allowance']), needed=rubles(a['needed']))),
    "ERC2612ExpiredSignature": lambda a: _("the permit expired at {deadline}").format(deadline=moment(a['deadline'])),
    "ERC2612InvalidSigner": lambda a: _("the permit is signed by {signer}, not by {owner}").format(signer=a['signer'], owner=a['owner']),
    # Custody, on a delivery.
    "InsufficientBalance": lambda a: (
        _("{holder} holds {balance} units of the batch, {needed} are needed").format(holder=a['holder'], balance=a['balance'], needed=a['needed'])),
    "ShipmentToSelf": lambda a: _("{account} cannot ship to itself").format(account=a['account']),
    "NotConsignee": lambda a: _("{account} is not the consignee of shipment {shipment_id}").format(account=a['account'], shipment_id=a['shipmentId']),
    "ShipmentNotInTransit": lambda a: _("shipment {shipment_id} is no longer in transit").format(shipment_id=a['shipmentId']),
    "ReceiptPeriodOver": lambda a: (
        _("the consignee could refuse shipment {shipment_id} until {deadline}; it may still "
          "receive it, no longer reject it").format(shipment_id=a['shipmentId'], deadline=moment(a['deadline']))),
    "ReceiptPeriodNotOver": lambda a: (
        _("the consignee may answer shipment {shipment_id} until {deadline}; it can be settled "
          "only after that").format(shipment_id=a['shipmentId'], deadline=moment(a['deadline']))),
    "InvalidTender": lambda a: (
        _("a tender delivery names a tender contract and a tender: {tenders} / tender "
          "{tender_id} is not one").format(tenders=a['tenders'], tender_id=a['tenderId'])),
    "NoSuccessor": lambda a: _("no successor is recorded for {holder}").format(holder=a['holder']),
    "ShipmentMismatch": lambda a: _("the terms given are not those of shipment {shipment_id}").format(shipment_id=a['shipmentId']),
    "UnknownShipment": lambda a: _("there is no shipment {shipment_id}").format(shipment_id=a['shipmentId']),
    "UnknownBatch": lambda a: _("there is no batch {batch_id} in the resource registry").format(batch_id=_short(a['batchId'])),
    "NotBatchManufacturer": lambda a: _("{account} is not the manufacturer of batch {batch_id}").format(account=a['account'], batch_id=_short(a['batchId'])),
    "BatchAlreadyCommissioned": lambda a: _("batch {batch_id} is already in custody").format(batch_id=_short(a['batchId'])),
    "BatchExpired": lambda a: _("batch {batch_id} expired at {expires}").format(batch_id=_short(a['batchId']), expires=moment(a['expires'])),
    "ZeroQuantity": lambda a: _("the quantity must be more than zero"),
    "EmptyCid": lambda a: _("a document is required (its CID is empty)"),
    "InvalidReason": lambda a: _("{reason} is not a decommissioning reason (1 dispensed to 5 sample)").format(reason=a['reason']),
    "InvalidProof": lambda a: (
        _("the Merkle proof does not show that the unit belongs to batch {batch_id}: the code "
          "was not issued for this batch").format(batch_id=_short(a['batchId']))),
    "UnitAlreadyDecommissioned": lambda a: (
        _("the unit is already out of circulation ({reason}); a pack is written off only once").format(reason=_reason(a['reason']))),
    "NotDispensed": lambda a: _("the unit was not dispensed ({reason}); only a dispense can be undone").format(reason=_reason(a['reason'])),
    "NotDispenser": lambda a: _("{account} did not dispense this unit; only the organization that did may undo it").format(account=a['account']),
    "GracePeriodOver": lambda a: _("a dispense can be undone until {deadline}; that time is over").format(deadline=moment(a['deadline'])),
    "NotResources": lambda a: _("{account} is not the resource registry").format(account=a['account']),
    "NotResourcesCustody": lambda a: _("the resource registry reports to {registered}, not to this custody contract").format(registered=a['registered']),
    "OwnableUnauthorizedAccount": lambda a: _("{account} is not the owner of the contract").format(account=a['account']),
    "ERC20InvalidReceiver": lambda a: _("{receiver} cannot receive the payment token").format(receiver=a['receiver']),
    "ERC20InvalidSender": lambda a: _("{sender} cannot send the payment token").format(sender=a['sender']),
    "ERC20InvalidApprover": lambda a: _("{approver} cannot approve a spender").format(approver=a['approver']),
    "ERC20InvalidSpender": lambda a: _("{spender} cannot be approved as a spender").format(spender=a['spender']),
    "InvalidAccountNonce": lambda a: _("the nonce {nonce} of {account} was expected").format(nonce=a['currentNonce'], account=a['account']),
}

# Participants' and Resources' refusals of issue 12 (quorum, company prefixes, successors) as
# sentences, the reason string in brackets; their other reason strings read well as they are.
_REASON_SENTENCES = {
    "participants: action already confirmed": N_(
        "you already confirmed this action; it is carried out when a quorum of the active regulators "
        "(more than half) has confirmed it"),
    "participants: no metadata submitted": N_("the organization has no metadata change waiting for review"),
    "participants: successor is the zero address": N_("the successor must be a real account, not the zero address"),
    "participants: successor already registered": N_(
        "the successor account already has a registration of its own: move the organization to a new account"),
    "resources: action already confirmed": N_(
        "you already confirmed this action; it is carried out when a quorum of the active regulators "
        "(more than half) has confirmed it"),
    "resources: company prefix not assigned to the caller": N_(
        "no GS1 company prefix of this GTIN is assigned to you: a regulator assigns it first "
        "(ape run products assign-prefix ...)"),
    "resources: company prefix of another manufacturer": N_(
        "this GTIN's GS1 company prefix is assigned to another manufacturer: only it registers products under it"),
    "resources: prefix length out of range": N_("a GS1 company prefix has 6 to 12 digits"),
    "resources: prefix longer than its digits": N_("the company prefix has more digits than the length given"),
    "resources: prefix already assigned to it": N_("the manufacturer already holds this company prefix"),
    "resources: not an active manufacturer": N_("the account named is not an active manufacturer"),
    "resources: already the product's manufacturer": N_("the product already belongs to that manufacturer"),
    "resources: caller is not the manufacturer's successor": N_(
        "you are not the successor regulators moved the product's manufacturer to"),
    "resources: batch not retired": N_("the batch is neither recalled nor withdrawn: there is nothing to lift"),
    "resources: custody is for another participants registry": N_(
        "that custody ledger asks another Participants registry who may act"),
    "resources: too little gas to tell the custody ledger": N_(
        "send it with more gas: the custody ledger must get its whole allowance to hear of the change"),
}


# The contracts' other reason strings: read as they are in English, translated in other languages
# (the reason string then follows in brackets).
_CONTRACT_REASONS = frozenset({
    N_("participants: already registered"),
    N_("participants: already revoked"),
    N_("participants: caller is not an active regulator"),
    N_("participants: empty CID"),
    N_("participants: no roles"),
    N_("participants: not active"),
    N_("participants: not an open application"),
    N_("participants: not approved"),
    N_("participants: not registered"),
    N_("participants: not suspended"),
    N_("participants: regulator acting on itself"),
    N_("participants: regulator is the zero address"),
    N_("participants: revoked"),
    N_("resources: batch already commissioned"),
    N_("resources: batch not active"),
    N_("resources: caller is neither the manufacturer nor a regulator"),
    N_("resources: caller is not a regulator"),
    N_("resources: caller is not an active manufacturer"),
    N_("resources: caller is not the product's manufacturer"),
    N_("resources: custody already set"),
    N_("resources: custody is for another registry"),
    N_("resources: custody is not a contract"),
    N_("resources: date out of range"),
    N_("resources: empty CID"),
    N_("resources: empty lot"),
    N_("resources: empty name"),
    N_("resources: empty serials root"),
    N_("resources: expires before manufacture"),
    N_("resources: invalid GTIN"),
    N_("resources: manufactured in the future"),
    N_("resources: no reason code"),
    N_("resources: participants is the zero address"),
    N_("resources: product already registered"),
    N_("resources: quantity out of range"),
    N_("resources: unknown batch"),
    N_("resources: unknown category"),
    N_("resources: unknown product"),
    N_("resources: zero quantity"),
})


def _reason_sentence(message: str) -> str:
    """A contract's reason string, as a sentence when it has one."""
    sentence = _REASON_SENTENCES.get(message)
    if sentence:
        return f"{_(sentence)} ({message})"
    translated = _(message) if message in _CONTRACT_REASONS else message
    return message if translated == message else f"{translated} ({message})"


# Custody.Reason, for the decommissioning errors.
DECOMMISSION_REASONS = ("none", "dispensed", "destroyed", "stolen", "exported", "sample")
_DECOMMISSION_WORDS = (N_("none"), N_("dispensed"), N_("destroyed"), N_("stolen"), N_("exported"), N_("sample"))
# Solidity's panics (assert, arithmetic, ...), by code.
PANICS = {0x01: N_("an assertion failed"), 0x11: N_("an arithmetic overflow or underflow"),
          0x12: N_("a division by zero"), 0x21: N_("a value out of its enum's range"),
          0x31: N_("a pop from an empty array"), 0x32: N_("an index out of bounds"), 0x41: N_("out of memory")}
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string): require/assert messages of Vyper and Solidity
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_CUSTOM_ERROR = re.compile(r"custom error 0x([0-9a-fA-F]{8}):?\s*([0-9a-fA-F]*)")
_CUSTOM_ERROR_RAW = re.compile(r"custom error 0x([0-9a-fA-F]{8}): (.*)", re.DOTALL)


def _short(word) -> str:
    text = "0x" + bytes(word).hex() if isinstance(word, (bytes, bytearray)) else str(word)
    return text[:10] + "…" if len(text) > 12 else text


def _reason(code) -> str:
    code = int(code)
    return _(_DECOMMISSION_WORDS[code]) if 0 <= code < len(DECOMMISSION_REASONS) else str(code)





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
        return _("the transaction reverted without a reason")
    try:
        if data[:4] == _ERROR_STRING:
            return _reason_sentence(decode(["string"], data[4:])[0])
        if data[:4] == _PANIC:
            code = decode(["uint256"], data[4:])[0]
            return _("the contract failed: {panic} (Panic 0x{code:02x})").format(
                panic=_(PANICS[code]) if code in PANICS else "panic", code=code)
    except Exception:  # noqa: BLE001
        pass
    decoded = decode_revert(data)
    if decoded:
        return explain(*decoded)
    return _("the transaction reverted with data the platform's contracts do not define (0x{data})").format(
        data=data.hex())


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

