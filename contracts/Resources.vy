# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Resources: the registry of medical products and their batches
@custom:contract-name Resources
@license MIT
@notice Products are keyed by GTIN-14 and owned by the active manufacturer
        that registers them. Batches are keyed by (GTIN, lot); a batch holds
        its dates, its quantity and the Merkle root of its serial numbers
        (OpenZeppelin StandardMerkleTree layout, leaves of `abi.encode(uint256
        gtin, string serial)`), so serials never appear in clear on-chain and
        a batch of a million units costs one transaction. A batch can be
        recalled or withdrawn by its manufacturer or by a regulator, at once;
        regulators can lift a recall or withdrawal with a reason.
        A manufacturer registers only GTINs under a GS1 company prefix a
        regulator assigned to it (`assign_prefix`), so a shell manufacturer
        cannot take a brand's GTINs, nor front-run its registration.
        Lasting regulator actions need a quorum of the active regulators
        (`modules/regulator_quorum.vy`): taking a prefix from a manufacturer,
        reassigning a product, lifting a recall or withdrawal.
        When regulators move a manufacturer to a successor account
        (`Participants.move_to_successor`), the successor claims each product
        (`claim_product`); its prefixes follow it by themselves (registration
        looks the holder's successors up), with no claim.
@dev A batch record is packed into three storage slots (Vyper does not pack
     struct members): the serials root, one word of numbers (see `_pack`),
     and the keccak256 of the documents CID, whose text is in the
     `BatchCommissioned` event, as is the proof tree's CID (not stored: the
     serials root authenticates the tree). That keeps commissioning near
     100,000 gas.
"""


from . import Participants
from .modules import regulator_quorum


initializes: regulator_quorum


exports: (regulator_quorum.action_id, regulator_quorum.confirmers)


# @dev What `Resources` tells the custody ledger (`Custody.onBatchRetired`).
interface CustodyLedger:
    def onBatchRetired(batch_id: bytes32, status: uint8): nonpayable
    def resources() -> address: view
    def participants() -> address: view


# @dev Product categories.
CATEGORY_DRUG: public(constant(uint8)) = 1
CATEGORY_DEVICE: public(constant(uint8)) = 2
CATEGORY_CONSUMABLE: public(constant(uint8)) = 3

# @dev Batch statuses (0 means "no such batch").
BATCH_ACTIVE: public(constant(uint8)) = 1
BATCH_RECALLED: public(constant(uint8)) = 2
BATCH_WITHDRAWN: public(constant(uint8)) = 3

# @dev GTIN-14 values are below 10**14; a shorter GTIN (8, 12, 13 digits)
# is the same number with leading zeros.
GTIN_LIMIT: constant(uint256) = 10**14

# @dev The GTIN-13 inside a GTIN-14: the digits after the indicator digit.
GTIN13_LIMIT: constant(uint256) = 10**13

# @dev GS1 company prefixes are 6 to 12 digits long (the GS1 prefix included).
MIN_PREFIX_DIGITS: constant(uint8) = 6
MAX_PREFIX_DIGITS: constant(uint8) = 12

# @dev How many successive moves (`Participants.successor`) are followed when
#      a successor registers under, or claims, its predecessor's holdings.
MAX_SUCCESSION: constant(uint256) = 8

# @dev The gas the custody ledger gets to hear of a recall: bounded, so that a
#      ledger that reverts or burns gas cannot make recalls impossible.
CUSTODY_GAS: constant(uint256) = 100_000

MAX_CID_LENGTH: constant(uint256) = 100
# @dev Lengths are in bytes of UTF-8 (a Cyrillic letter takes two).
MAX_NAME_LENGTH: constant(uint256) = 256
MAX_FORM_LENGTH: constant(uint256) = 192
# @dev GS1 AI (10): at most 20 characters.
MAX_LOT_LENGTH: constant(uint256) = 20

# @dev Layout of the packed batch word.
_QUANTITY_BITS: constant(uint256) = 64
_DATE_BITS: constant(uint256) = 40
_MANUFACTURED_SHIFT: constant(uint256) = 64
_EXPIRES_SHIFT: constant(uint256) = 104
_STATUS_SHIFT: constant(uint256) = 144
_REASON_SHIFT: constant(uint256) = 152
_GTIN_SHIFT: constant(uint256) = 160


struct Product:
    manufacturer: address
    category: uint8
    name: String[MAX_NAME_LENGTH]
    dosage_form: String[MAX_FORM_LENGTH]
    characteristics_cid: String[MAX_CID_LENGTH]
    certificate_cid: String[MAX_CID_LENGTH]


struct StoredBatch:
    serials_root: bytes32
    packed: uint256
    documents_cid_hash: bytes32


struct Batch:
    gtin: uint256
    manufacturer: address
    manufactured: uint256
    expires: uint256
    quantity: uint256
    serials_root: bytes32
    documents_cid_hash: bytes32
    status: uint8
    reason_code: uint8


participants: public(immutable(Participants.__interface__))

# @dev The custody ledger told of every recall and withdrawal at once, so that
#      it refuses to dispense such units without asking here on every dispense.
#      Set once by a regulator; empty until then.
custody: public(address)

_products: HashMap[uint256, Product]
_batches: HashMap[bytes32, StoredBatch]
# @dev The manufacturer each company prefix is assigned to, by its number of
#      digits and its value.
_prefixes: HashMap[uint8, HashMap[uint256, address]]


event ProductRegistered:
    gtin: indexed(uint256)
    manufacturer: indexed(address)
    category: uint8
    name: String[MAX_NAME_LENGTH]
    dosage_form: String[MAX_FORM_LENGTH]
    characteristics_cid: String[MAX_CID_LENGTH]
    certificate_cid: String[MAX_CID_LENGTH]


event ProductUpdated:
    gtin: indexed(uint256)
    manufacturer: indexed(address)
    characteristics_cid: String[MAX_CID_LENGTH]
    certificate_cid: String[MAX_CID_LENGTH]


event BatchCommissioned:
    batch_id: indexed(bytes32)
    gtin: indexed(uint256)
    manufacturer: indexed(address)
    lot: String[MAX_LOT_LENGTH]
    manufactured: uint256
    expires: uint256
    quantity: uint256
    serials_root: bytes32
    documents_cid: String[MAX_CID_LENGTH]
    proof_tree_cid: String[MAX_CID_LENGTH]


event PrefixAssigned:
    prefix: indexed(uint256)
    manufacturer: indexed(address)
    regulator: indexed(address)
    digits: uint8
    previous_manufacturer: address


event ProductReassigned:
    gtin: indexed(uint256)
    previous_manufacturer: indexed(address)
    manufacturer: indexed(address)
    reason_cid: String[MAX_CID_LENGTH]


event BatchReinstated:
    batch_id: indexed(bytes32)
    gtin: indexed(uint256)
    regulator: indexed(address)
    lot: String[MAX_LOT_LENGTH]
    previous_status: uint8
    reason_cid: String[MAX_CID_LENGTH]


event CustodyUnreachable:
    custody: indexed(address)
    batch_id: indexed(bytes32)
    status: uint8


event CustodySet:
    custody: indexed(address)
    regulator: indexed(address)


event BatchRetired:
    batch_id: indexed(bytes32)
    gtin: indexed(uint256)
    by: indexed(address)
    lot: String[MAX_LOT_LENGTH]
    status: uint8
    reason_code: uint8
    reason_cid: String[MAX_CID_LENGTH]


@deploy
def __init__(participants_: address):
    """
    @param participants_ The `Participants` registry asked who may act.
    """
    assert participants_ != empty(address), "resources: participants is the zero address"
    participants = Participants.__interface__(participants_)


@external
def register_product(
    gtin: uint256,
    category: uint8,
    name: String[MAX_NAME_LENGTH],
    dosage_form: String[MAX_FORM_LENGTH],
    characteristics_cid: String[MAX_CID_LENGTH],
    certificate_cid: String[MAX_CID_LENGTH],
):
    """
    @dev An active manufacturer registers a product under its GTIN and owns it.
    @notice Requirements: the caller is an active manufacturer; `gtin` is a
            valid GTIN (check digit included) whose company prefix (the
            longest assigned one) is the caller's or its predecessor's (see
            `assign_prefix`), not registered yet; `category`
            is drug, device or consumable; `name` and both CIDs are not empty.
            Emits `ProductRegistered`.
    @param gtin The GTIN-14 as a number.
    @param category CATEGORY_DRUG, CATEGORY_DEVICE or CATEGORY_CONSUMABLE.
    @param name Trade name and international non-proprietary name.
    @param dosage_form Dosage form and strength, or the device's model.
    @param characteristics_cid CID of the characteristics document.
    @param certificate_cid CID of the registration certificate.
    """
    self._check_manufacturer()
    assert self._is_valid_gtin(gtin), "resources: invalid GTIN"
    self._check_prefix_holder(gtin)
    assert self._products[gtin].manufacturer == empty(address), "resources: product already registered"
    assert category >= CATEGORY_DRUG and category <= CATEGORY_CONSUMABLE, "resources: unknown category"
    assert len(name) != 0, "resources: empty name"
    assert len(characteristics_cid) != 0 and len(certificate_cid) != 0, "resources: empty CID"
    self._products[gtin] = Product(
        manufacturer=msg.sender,
        category=category,
        name=name,
        dosage_form=dosage_form,
        characteristics_cid=characteristics_cid,
        certificate_cid=certificate_cid,
    )
    log ProductRegistered(
        gtin=gtin,
        manufacturer=msg.sender,
        category=category,
        name=name,
        dosage_form=dosage_form,
        characteristics_cid=characteristics_cid,
        certificate_cid=certificate_cid,
    )


@external
def update_product(
    gtin: uint256, characteristics_cid: String[MAX_CID_LENGTH], certificate_cid: String[MAX_CID_LENGTH]
):
    """
    @dev The product's manufacturer replaces its documents (a renewed
         registration certificate, say).
    @notice Requirements: the caller is an active manufacturer and owns the
            product; both CIDs are not empty. Emits `ProductUpdated`.
    @param gtin The product's GTIN.
    @param characteristics_cid CID of the new characteristics document.
    @param certificate_cid CID of the new registration certificate.
    """
    self._check_manufacturer()
    self._check_product_owner(gtin)
    assert len(characteristics_cid) != 0 and len(certificate_cid) != 0, "resources: empty CID"
    self._products[gtin].characteristics_cid = characteristics_cid
    self._products[gtin].certificate_cid = certificate_cid
    log ProductUpdated(
        gtin=gtin, manufacturer=msg.sender, characteristics_cid=characteristics_cid, certificate_cid=certificate_cid
    )


@external
def commission_batch(
    gtin: uint256,
    lot: String[MAX_LOT_LENGTH],
    manufactured: uint256,
    expires: uint256,
    quantity: uint256,
    serials_root: bytes32,
    documents_cid: String[MAX_CID_LENGTH],
    proof_tree_cid: String[MAX_CID_LENGTH],
):
    """
    @dev The product's manufacturer commissions a batch: its serials' Merkle
         root becomes the reference every unit is checked against.
    @notice Requirements: the caller is an active manufacturer and owns the
            product; `lot` is not empty and new for this GTIN; `manufactured`
            is not in the future and before `expires`; `quantity` is positive
            and fits 64 bits; `serials_root` is not zero; `documents_cid` and
            `proof_tree_cid` are not empty. Emits `BatchCommissioned`.
    @param gtin The product's GTIN.
    @param lot The lot (batch) number, GS1 AI (10).
    @param manufactured Manufacture date, unix seconds.
    @param expires Expiry date, unix seconds (the end of the last valid day).
    @param quantity Number of units, which is the number of serials.
    @param serials_root Merkle root of the batch's serials.
    @param documents_cid CID of the batch documents (quality certificate).
    @param proof_tree_cid CID of the batch's published proof tree (its leaf
           hashes, sorted): anyone fetches it by this CID and checks it
           against `serials_root`. Kept in the event only (no storage slot).
    """
    self._check_manufacturer()
    self._check_product_owner(gtin)
    assert len(lot) != 0, "resources: empty lot"
    batch_id: bytes32 = self._batch_id(gtin, lot)
    assert self._batches[batch_id].packed == 0, "resources: batch already commissioned"
    assert manufactured <= block.timestamp, "resources: manufactured in the future"
    assert manufactured < expires, "resources: expires before manufacture"
    assert expires < 2**_DATE_BITS, "resources: date out of range"
    assert quantity != 0, "resources: zero quantity"
    assert quantity < 2**_QUANTITY_BITS, "resources: quantity out of range"
    assert serials_root != empty(bytes32), "resources: empty serials root"
    assert len(documents_cid) != 0, "resources: empty CID"
    assert len(proof_tree_cid) != 0, "resources: empty proof tree CID"
    self._batches[batch_id] = StoredBatch(
        serials_root=serials_root,
        packed=self._pack(gtin, manufactured, expires, quantity, BATCH_ACTIVE, 0),
        documents_cid_hash=keccak256(documents_cid),
    )
    log BatchCommissioned(
        batch_id=batch_id,
        gtin=gtin,
        manufacturer=msg.sender,
        lot=lot,
        manufactured=manufactured,
        expires=expires,
        quantity=quantity,
        serials_root=serials_root,
        documents_cid=documents_cid,
        proof_tree_cid=proof_tree_cid,
    )


@external
def assign_prefix(prefix: uint256, digits: uint8, manufacturer: address):
    """
    @dev A regulator records a GS1 company prefix for a manufacturer: from then
         on only it (or its successor) registers GTINs under it. Taking a
         prefix (or a part of one) that another manufacturer holds is
         governed: it takes effect when a quorum of regulators made the call.
    @notice Requirements: the caller is an active regulator; `digits` is 6 to
            12; `prefix` has at most `digits` digits; `manufacturer` is an
            active manufacturer not holding that prefix already; when another
            manufacturer holds it (or a shorter prefix covering it), the caller
            did not confirm it already. Emits `ActionConfirmed` (when taken
            from another), then `PrefixAssigned` once carried out.
    @param prefix The company prefix as a number (leading zeros implied by
           `digits`).
    @param digits The prefix's number of digits.
    @param manufacturer The manufacturer it is assigned to.
    """
    self._check_regulator()
    assert digits >= MIN_PREFIX_DIGITS and digits <= MAX_PREFIX_DIGITS, "resources: prefix length out of range"
    assert prefix < 10 ** convert(digits, uint256), "resources: prefix longer than its digits"
    assert staticcall participants.is_active(
        manufacturer, Participants.Role.MANUFACTURER
    ), "resources: not an active manufacturer"
    assert self._prefixes[digits][prefix] != manufacturer, "resources: prefix already assigned to it"
    holder: address = self._covering_holder(prefix, digits)
    if holder != empty(address) and holder != manufacturer:
        request: bytes32 = keccak256(
            abi_encode(method_id("assign_prefix(uint256,uint8,address)", output_type=bytes4), prefix, digits, manufacturer)
        )
        if not self._confirmed(request):
            return
    self._prefixes[digits][prefix] = manufacturer
    log PrefixAssigned(
        prefix=prefix, manufacturer=manufacturer, regulator=msg.sender, digits=digits, previous_manufacturer=holder
    )


@external
def reassign_product(gtin: uint256, new_manufacturer: address, reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev Regulators give a product (and so its batches) to another
         manufacturer: a brand taken by a shell, a revoked manufacturer, a
         transfer of the registration certificate. Governed.
    @notice Requirements: the caller is an active regulator; the product is
            registered; `new_manufacturer` is an active manufacturer other
            than the product's; `reason_cid` is not empty; the caller did not
            confirm it already. Emits `ActionConfirmed`, then
            `ProductReassigned` once carried out.
    @param gtin The product's GTIN.
    @param new_manufacturer The manufacturer that owns it from now on.
    @param reason_cid CID of the decision document.
    """
    self._check_regulator()
    previous: address = self._products[gtin].manufacturer
    assert previous != empty(address), "resources: unknown product"
    assert staticcall participants.is_active(
        new_manufacturer, Participants.Role.MANUFACTURER
    ), "resources: not an active manufacturer"
    assert new_manufacturer != previous, "resources: already the product's manufacturer"
    assert len(reason_cid) != 0, "resources: empty CID"
    request: bytes32 = keccak256(
        abi_encode(
            method_id("reassign_product(uint256,address,string)", output_type=bytes4), gtin, new_manufacturer, reason_cid
        )
    )
    if not self._confirmed(request):
        return
    self._products[gtin].manufacturer = new_manufacturer
    log ProductReassigned(gtin=gtin, previous_manufacturer=previous, manufacturer=new_manufacturer, reason_cid=reason_cid)


@external
def claim_product(gtin: uint256):
    """
    @dev The successor of a product's manufacturer (regulators moved it to a
         new account, `Participants.move_to_successor`) takes the product over.
    @notice Requirements: the caller is an active manufacturer; the product is
            registered; the caller is the successor of its manufacturer (or
            the successor's successor, up to 8 moves). Emits
            `ProductReassigned` with an empty `reason_cid`.
    @param gtin The product's GTIN.
    """
    self._check_manufacturer()
    previous: address = self._products[gtin].manufacturer
    assert previous != empty(address), "resources: unknown product"
    assert self._is_successor(previous, msg.sender), "resources: caller is not the manufacturer's successor"
    self._products[gtin].manufacturer = msg.sender
    log ProductReassigned(
        gtin=gtin, previous_manufacturer=previous, manufacturer=msg.sender, reason_cid=empty(String[MAX_CID_LENGTH])
    )


@external
def set_custody(custody: address):
    """
    @dev A regulator names the custody ledger to tell of every recall and
         withdrawal from now on. Once only: a ledger that holds batches must
         never stop hearing of their recalls.
    @notice Requirements: the caller is an active regulator; no custody ledger
            is set yet; `custody` is a contract wired to this platform (its
            `resources()` is this contract and its `participants()` this
            contract's `participants`). Recalls work whatever it does: it is
            told with bounded gas and its failure does not undo the recall.
            Emits `CustodySet`.
    @param custody The `Custody` contract.
    """
    assert staticcall participants.is_active(msg.sender, Participants.Role.REGULATOR), "resources: caller is not a regulator"
    assert self.custody == empty(address), "resources: custody already set"
    assert custody.is_contract, "resources: custody is not a contract"
    assert staticcall CustodyLedger(custody).resources() == self, "resources: custody is for another registry"
    assert (
        staticcall CustodyLedger(custody).participants() == participants.address
    ), "resources: custody is for another participants registry"
    self.custody = custody
    log CustodySet(custody=custody, regulator=msg.sender)


@external
def recall_batch(
    gtin: uint256, lot: String[MAX_LOT_LENGTH], reason_code: uint8, reason_cid: String[MAX_CID_LENGTH]
):
    """
    @dev Recalls a batch (a quality defect, a falsification found): its
         units must be taken back from the supply chain.
    @notice Requirements: the caller is the product's manufacturer (even when
            suspended or revoked: a recall protects patients, whoever's
            standing) or an active regulator; the
            batch is active; `reason_code` is not zero; `reason_cid` is not
            empty. Emits `BatchRetired` with status BATCH_RECALLED.
    @param gtin The product's GTIN.
    @param lot The lot number.
    @param reason_code The reason, from the platform's list (1 quality defect,
           2 falsified, 3 regulatory decision, 4 labelling error, 5 other).
    @param reason_cid CID of the recall decision.
    """
    self._retire_batch(gtin, lot, BATCH_RECALLED, reason_code, reason_cid)


@external
def withdraw_batch(
    gtin: uint256, lot: String[MAX_LOT_LENGTH], reason_code: uint8, reason_cid: String[MAX_CID_LENGTH]
):
    """
    @dev Withdraws a batch from circulation (a suspended registration, a
         market withdrawal): its units may no longer be dispensed.
    @notice Same requirements as `recall_batch`. Emits `BatchRetired` with
            status BATCH_WITHDRAWN.
    @param gtin The product's GTIN.
    @param lot The lot number.
    @param reason_code The reason, as in `recall_batch`.
    @param reason_cid CID of the withdrawal decision.
    """
    self._retire_batch(gtin, lot, BATCH_WITHDRAWN, reason_code, reason_cid)


@external
def reinstate_batch(gtin: uint256, lot: String[MAX_LOT_LENGTH], reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev Regulators lift a recall or withdrawal (a recall made in error, a key
         misused): the batch is active again and the custody ledger is told
         (`onBatchRetired(batch_id, BATCH_ACTIVE)`). Governed.
    @notice Requirements: the caller is an active regulator; the batch is
            recalled or withdrawn; `reason_cid` is not empty; the caller did
            not confirm it already. Emits `ActionConfirmed`, then
            `BatchReinstated` once carried out.
    @param gtin The product's GTIN.
    @param lot The lot number.
    @param reason_cid CID of the decision lifting the recall.
    """
    self._check_regulator()
    batch_id: bytes32 = self._batch_id(gtin, lot)
    packed: uint256 = self._batches[batch_id].packed
    assert packed != 0, "resources: unknown batch"
    previous_status: uint8 = convert((packed >> _STATUS_SHIFT) & 255, uint8)
    assert previous_status != BATCH_ACTIVE, "resources: batch not retired"
    assert len(reason_cid) != 0, "resources: empty CID"
    request: bytes32 = keccak256(
        abi_encode(method_id("reinstate_batch(uint256,string,string)", output_type=bytes4), gtin, lot, reason_cid)
    )
    if not self._confirmed(request):
        return
    packed = packed & ~(65535 << _STATUS_SHIFT)
    self._batches[batch_id].packed = packed | (convert(BATCH_ACTIVE, uint256) << _STATUS_SHIFT)
    self._tell_custody(batch_id, BATCH_ACTIVE)
    log BatchReinstated(
        batch_id=batch_id, gtin=gtin, regulator=msg.sender, lot=lot, previous_status=previous_status, reason_cid=reason_cid
    )


@external
@view
def prefix_owner(prefix: uint256, digits: uint8) -> address:
    """
    @dev The manufacturer the company prefix (`prefix`, `digits` long) is
         assigned to, zero when none.
    """
    return self._prefixes[digits][prefix]


@external
@view
def product(gtin: uint256) -> Product:
    """
    @dev The product registered under `gtin` (all zero when none).
    """
    return self._products[gtin]


@external
@view
def batch(gtin: uint256, lot: String[MAX_LOT_LENGTH]) -> Batch:
    """
    @dev The batch (GTIN, lot), with its manufacturer (all zero when none).
    """
    return self._unpack(self._batch_id(gtin, lot))


@external
@view
def batch_by_id(batch_id: bytes32) -> Batch:
    """
    @dev The batch with id `batch_id` (see `batch_id`), all zero when none.
    """
    return self._unpack(batch_id)


@external
@pure
def batch_id(gtin: uint256, lot: String[MAX_LOT_LENGTH]) -> bytes32:
    """
    @dev The key of a batch: keccak256(abi.encode(gtin, lot)).
    """
    return self._batch_id(gtin, lot)


@external
@pure
def is_valid_gtin(gtin: uint256) -> bool:
    """
    @dev Whether `gtin` is a non-zero GTIN-14 (or shorter GTIN padded with
         zeros) whose GS1 check digit is right.
    """
    return self._is_valid_gtin(gtin)


@internal
def _retire_batch(
    gtin: uint256, lot: String[MAX_LOT_LENGTH], status: uint8, reason_code: uint8, reason_cid: String[MAX_CID_LENGTH]
):
    """
    @dev Moves an active batch to `status`; see `recall_batch`.
    """
    manufacturer: address = self._products[gtin].manufacturer
    assert msg.sender == manufacturer or staticcall participants.is_active(
        msg.sender, Participants.Role.REGULATOR
    ), "resources: caller is neither the manufacturer nor a regulator"
    batch_id: bytes32 = self._batch_id(gtin, lot)
    packed: uint256 = self._batches[batch_id].packed
    assert packed != 0, "resources: unknown batch"
    assert (packed >> _STATUS_SHIFT) & 255 == convert(BATCH_ACTIVE, uint256), "resources: batch not active"
    assert reason_code != 0, "resources: no reason code"
    assert len(reason_cid) != 0, "resources: empty CID"
    # Clear the status and reason bytes, then set them.
    packed = packed & ~(65535 << _STATUS_SHIFT)
    packed = packed | (convert(status, uint256) << _STATUS_SHIFT) | (convert(reason_code, uint256) << _REASON_SHIFT)
    self._batches[batch_id].packed = packed
    self._tell_custody(batch_id, status)
    log BatchRetired(
        batch_id=batch_id,
        gtin=gtin,
        by=msg.sender,
        lot=lot,
        status=status,
        reason_code=reason_code,
        reason_cid=reason_cid,
    )


@internal
def _tell_custody(batch_id: bytes32, status: uint8):
    """
    @dev Tells the custody ledger (when set) of a batch's new status, with
         `CUSTODY_GAS` at most; a ledger that reverts or runs out of gas does
         not undo the change (`CustodyUnreachable` is logged). The caller must
         leave enough gas for the ledger's full allowance, so that nobody can
         send a recall with just too little gas for the ledger to hear it.
    """
    custody: address = self.custody
    if custody == empty(address):
        return
    assert msg.gas >= CUSTODY_GAS * 64 // 63 + 10_000, "resources: too little gas to tell the custody ledger"
    success: bool = raw_call(
        custody,
        abi_encode(batch_id, status, method_id=method_id("onBatchRetired(bytes32,uint8)")),
        gas=CUSTODY_GAS,
        revert_on_failure=False,
    )
    if not success:
        log CustodyUnreachable(custody=custody, batch_id=batch_id, status=status)


@internal
def _confirmed(request: bytes32) -> bool:
    """
    @dev Records the caller's confirmation of `request`'s pending action and
         tells whether a quorum of the active regulators has now confirmed it
         (then the action is closed and must be carried out). Confirmations of
         regulators no longer active do not count.
    """
    action: bytes32 = regulator_quorum._action_id(request)
    assert not regulator_quorum._has_confirmed(action, msg.sender), "resources: action already confirmed"
    confirmers: DynArray[address, regulator_quorum.MAX_CONFIRMATIONS] = regulator_quorum._add(action, msg.sender)
    confirmations: uint256 = 0
    for confirmer: address in confirmers:
        if staticcall participants.is_active(confirmer, Participants.Role.REGULATOR):
            confirmations += 1
    required: uint256 = regulator_quorum._required(staticcall participants.active_regulators())
    regulator_quorum._log(action, msg.sender, confirmations, required)
    if confirmations < required:
        return False
    regulator_quorum._close(request, action)
    return True


@internal
@view
def _check_regulator():
    """
    @dev Throws unless the caller is an active regulator.
    """
    assert staticcall participants.is_active(
        msg.sender, Participants.Role.REGULATOR
    ), "resources: caller is not a regulator"


@internal
@view
def _check_prefix_holder(gtin: uint256):
    """
    @dev Throws unless the longest assigned company prefix of `gtin` (6 to 12
         digits of its GTIN-13) is held by the caller or a predecessor of it.
    """
    gtin13: uint256 = gtin % GTIN13_LIMIT
    divisor: uint256 = 10
    for i: uint256 in range(7):
        # digits = 12 - i, prefix = the first `digits` digits of the GTIN-13
        holder: address = self._prefixes[convert(12 - i, uint8)][gtin13 // divisor]
        if holder != empty(address):
            assert holder == msg.sender or self._is_successor(
                holder, msg.sender
            ), "resources: company prefix of another manufacturer"
            return
        divisor *= 10
    raise "resources: company prefix not assigned to the caller"


@internal
@view
def _covering_holder(prefix: uint256, digits: uint8) -> address:
    """
    @dev The manufacturer holding `prefix` itself or the longest shorter prefix
         covering it, zero when none.
    """
    value: uint256 = prefix
    for i: uint256 in range(7):
        length: uint8 = digits - convert(i, uint8)
        if length < MIN_PREFIX_DIGITS:
            break
        holder: address = self._prefixes[length][value]
        if holder != empty(address):
            return holder
        value //= 10
    return empty(address)


@internal
@view
def _is_successor(predecessor: address, account: address) -> bool:
    """
    @dev Whether regulators moved `predecessor` to `account`, directly or in
         up to `MAX_SUCCESSION` moves.
    """
    current: address = predecessor
    for i: uint256 in range(MAX_SUCCESSION):
        current = staticcall participants.successor(current)
        if current == empty(address):
            return False
        if current == account:
            return True
    return False


@internal
@view
def _check_manufacturer():
    """
    @dev Throws unless the caller is an active manufacturer.
    """
    assert staticcall participants.is_active(
        msg.sender, Participants.Role.MANUFACTURER
    ), "resources: caller is not an active manufacturer"


@internal
@view
def _check_product_owner(gtin: uint256):
    """
    @dev Throws unless the caller registered the product `gtin`.
    """
    manufacturer: address = self._products[gtin].manufacturer
    assert manufacturer != empty(address), "resources: unknown product"
    assert manufacturer == msg.sender, "resources: caller is not the product's manufacturer"


@internal
@view
def _unpack(batch_id: bytes32) -> Batch:
    """
    @dev Expands a stored batch into its view.
    """
    stored: StoredBatch = self._batches[batch_id]
    packed: uint256 = stored.packed
    gtin: uint256 = packed >> _GTIN_SHIFT
    return Batch(
        gtin=gtin,
        manufacturer=self._products[gtin].manufacturer if packed != 0 else empty(address),
        manufactured=(packed >> _MANUFACTURED_SHIFT) & (2**_DATE_BITS - 1),
        expires=(packed >> _EXPIRES_SHIFT) & (2**_DATE_BITS - 1),
        quantity=packed & (2**_QUANTITY_BITS - 1),
        serials_root=stored.serials_root,
        documents_cid_hash=stored.documents_cid_hash,
        status=convert((packed >> _STATUS_SHIFT) & 255, uint8),
        reason_code=convert((packed >> _REASON_SHIFT) & 255, uint8),
    )


@internal
@pure
def _pack(
    gtin: uint256, manufactured: uint256, expires: uint256, quantity: uint256, status: uint8, reason_code: uint8
) -> uint256:
    """
    @dev Bits 0-63 quantity, 64-103 manufactured, 104-143 expires, 144-151
         status, 152-159 reason code, 160-207 GTIN. Never zero for a batch,
         as the status is never zero.
    """
    return (
        quantity
        | (manufactured << _MANUFACTURED_SHIFT)
        | (expires << _EXPIRES_SHIFT)
        | (convert(status, uint256) << _STATUS_SHIFT)
        | (convert(reason_code, uint256) << _REASON_SHIFT)
        | (gtin << _GTIN_SHIFT)
    )


@internal
@pure
def _batch_id(gtin: uint256, lot: String[MAX_LOT_LENGTH]) -> bytes32:
    """
    @dev keccak256(abi.encode(gtin, lot)), computable in any language.
    """
    return keccak256(abi_encode(gtin, lot))


@internal
@pure
def _is_valid_gtin(gtin: uint256) -> bool:
    """
    @dev GS1 check digit: weights 3 and 1 alternate from the digit left of
         the check digit; the check digit brings the sum to a multiple of 10.
    """
    if gtin == 0 or gtin >= GTIN_LIMIT:
        return False
    body: uint256 = gtin // 10
    total: uint256 = 0
    for i: uint256 in range(13):
        weight: uint256 = 3 if i % 2 == 0 else 1
        total += (body % 10) * weight
        body //= 10
    return (10 - total % 10) % 10 == gtin % 10
