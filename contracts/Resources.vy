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
        recalled or withdrawn by its manufacturer or by a regulator.
@dev A batch record is packed into three storage slots (Vyper does not pack
     struct members): the serials root, one word of numbers (see `_pack`),
     and the keccak256 of the documents CID, whose text is in the
     `BatchCommissioned` event. That keeps commissioning near 100,000 gas.
"""


from . import Participants


# @dev What `Resources` tells the custody ledger (`Custody.onBatchRetired`).
interface CustodyLedger:
    def onBatchRetired(batch_id: bytes32, status: uint8): nonpayable
    def resources() -> address: view


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
            valid GTIN (check digit included) not registered yet; `category`
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
):
    """
    @dev The product's manufacturer commissions a batch: its serials' Merkle
         root becomes the reference every unit is checked against.
    @notice Requirements: the caller is an active manufacturer and owns the
            product; `lot` is not empty and new for this GTIN; `manufactured`
            is not in the future and before `expires`; `quantity` is positive
            and fits 64 bits; `serials_root` is not zero; `documents_cid` is
            not empty. Emits `BatchCommissioned`.
    @param gtin The product's GTIN.
    @param lot The lot (batch) number, GS1 AI (10).
    @param manufactured Manufacture date, unix seconds.
    @param expires Expiry date, unix seconds (the end of the last valid day).
    @param quantity Number of units, which is the number of serials.
    @param serials_root Merkle root of the batch's serials.
    @param documents_cid CID of the batch documents (quality certificate).
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
    )


@external
def set_custody(custody: address):
    """
    @dev A regulator names the custody ledger to tell of every recall and
         withdrawal from now on. Once only: a ledger that holds batches must
         never stop hearing of their recalls.
    @notice Requirements: the caller is an active regulator; no custody ledger
            is set yet; `custody` is a contract built on this registry (its
            `resources()` is this contract: a wrong one would make every recall
            revert, for good). Emits `CustodySet`.
    @param custody The `Custody` contract.
    """
    assert staticcall participants.is_active(msg.sender, Participants.Role.REGULATOR), "resources: caller is not a regulator"
    assert self.custody == empty(address), "resources: custody already set"
    assert custody.is_contract, "resources: custody is not a contract"
    assert staticcall CustodyLedger(custody).resources() == self, "resources: custody is for another registry"
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
    if self.custody != empty(address):
        extcall CustodyLedger(self.custody).onBatchRetired(batch_id, status)
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
