// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICustody} from "./interfaces/ICustody.sol";
import {IParticipants} from "./interfaces/IParticipants.sol";
import {IResources} from "./interfaces/IResources.sol";

/// @dev What `Custody` asks a tender contract about a delivery that names it.
interface ITenderDeliveries {
    function isDeliveryCounted(uint256 tenderId, uint256 shipmentId) external view returns (bool);
}

/// @title Custody
/// @notice The ownership chain: custody balances per batch and holder, two-step shipments
/// (ship, then receive or reject), and the decommissioning of single units proved against the
/// batch's serials root. See {ICustody}.
/// @dev No owner and no upgrade path: who may act is asked of `Participants`, what exists of
/// `Resources`. Every loop is over a caller's own proof (at most the tree's depth).
///
/// Storage is packed for the common paths (gas of one cold slot written: 22,100):
/// - a batch's counters, its expiry and its status share one slot ({BatchLedger});
/// - a holder's balance of a batch, the units it decommissioned and its "ever held" flag share
///   one slot ({Holding}): a decommission writes that slot and the unit's, nothing else;
/// - a shipment is one slot: the digest of its terms ({ShipmentRecord}) with its status in
///   the low byte; the consignee passes the terms back, as {Shipped} logged them;
/// - a unit's state is one slot;
/// - the serials root and the expiry are copied here at commissioning (they never change in
///   `Resources`), and `Resources` reports every recall and withdrawal as it happens
///   ({onBatchRetired}), so that a dispense, which must see a recall at once, asks no one.
contract Custody is ICustody {
    /// @notice The MANUFACTURER role flag of `Participants`.
    uint256 public constant MANUFACTURER_ROLE = 2;
    /// @notice The role flags that may hold custody: MANUFACTURER 2 | DISTRIBUTOR 4 |
    /// MEDICAL_ORGANIZATION 8 | PHARMACY 16 | SUPPLIER 32. A regulator-only organization may not.
    uint256 public constant CUSTODY_ROLES = 2 | 4 | 8 | 16 | 32;
    /// @notice Every role flag of `Participants` (REGULATOR 1 and the custody roles): an active
    /// organization of any role may report a suspect pack.
    uint256 public constant PARTICIPANT_ROLES = 1 | CUSTODY_ROLES;

    /// @notice The ACTIVE batch status of `Resources`.
    uint8 public constant BATCH_ACTIVE = 1;

    /// @notice Decommissioning reasons.
    uint8 public constant DISPENSED = 1;
    uint8 public constant DESTROYED = 2;
    uint8 public constant STOLEN = 3;
    uint8 public constant EXPORTED = 4;
    uint8 public constant SAMPLE = 5;

    /// @notice Shipment statuses (0: no such shipment).
    uint8 public constant IN_TRANSIT = 1;
    uint8 public constant RECEIVED = 2;
    uint8 public constant REJECTED = 3;
    uint8 public constant RECLAIMED = 4;

    /// @inheritdoc ICustody
    /// @dev Ten days, the EU Falsified Medicines Directive's rule as the EMVS applies it: a pack
    /// decommissioned as supplied may be reverted to active within ten days by the same
    /// organization.
    uint256 public constant GRACE_PERIOD = 10 days;

    /// @inheritdoc ICustody
    /// @dev Twenty days: 44-FZ (Art. 94) gives a customer twenty working days at most to sign
    /// the acceptance of goods or send a reasoned refusal. Until then a consignee's silence
    /// costs nobody anything; after it, silence may no longer hold the units: they are settled
    /// ({settleUnanswered}), so no shipment stays in transit for ever.
    uint256 public constant RECEIPT_PERIOD = 20 days;

    /// @inheritdoc ICustody
    IParticipants public immutable participants;
    /// @inheritdoc ICustody
    IResources public immutable resources;

    /// @dev The bits of a stored shipment that hold its status; the others hold the digest.
    uint256 private constant _STATUS_MASK = 0xff;

    /// @dev The next shipment's id. Starts at 1, never zero, so that every shipment pays
    /// 5,000 gas for it, not 22,100 for the first.
    uint256 private _nextShipmentId = 1;

    mapping(bytes32 batchId => BatchLedger) private _ledgers;
    mapping(bytes32 batchId => bytes32 serialsRoot) private _serialsRoots;
    mapping(bytes32 batchId => mapping(address holder => Holding)) private _holdings;
    /// @dev keccak256(abi.encode(ShipmentRecord)) with its low byte replaced by the status.
    mapping(uint256 shipmentId => uint256 digestAndStatus) private _shipments;
    mapping(bytes32 batchId => mapping(bytes32 leaf => UnitState)) private _units;

    /// @param participants_ The registry asked who may act.
    /// @param resources_ The registry of products and batches.
    constructor(IParticipants participants_, IResources resources_) {
        if (address(participants_) == address(0) || address(resources_) == address(0)) revert ZeroAddress();
        participants = participants_;
        resources = resources_;
    }

    /// @inheritdoc ICustody
    function commission(uint256 gtin, string calldata lot) external returns (bytes32 batchId) {
        address registered = resources.custody();
        if (registered != address(this)) revert NotResourcesCustody(registered);
        batchId = keccak256(abi.encode(gtin, lot));
        if (_ledgers[batchId].commissioned != 0) revert BatchAlreadyCommissioned(batchId);
        IResources.Batch memory batch = resources.batch_by_id(batchId);
        if (batch.status == 0) revert UnknownBatch(batchId);
        if (batch.manufacturer != msg.sender) revert NotBatchManufacturer(batchId, msg.sender);
        if (!participants.is_active(msg.sender, MANUFACTURER_ROLE)) {
            revert ParticipantNotActive(msg.sender, MANUFACTURER_ROLE);
        }
        if (batch.status != BATCH_ACTIVE) revert BatchNotActive(batchId, batch.status);

        // `Resources` keeps quantities below 2**64 and never zero.
        // `Resources` keeps dates below 2**40.
        uint64 quantity = uint64(batch.quantity);
        _ledgers[batchId] = BatchLedger({
            commissioned: quantity, inTransit: 0, expires: uint40(batch.expires), status: BATCH_ACTIVE
        });
        _serialsRoots[batchId] = batch.serials_root;
        _holdings[batchId][msg.sender] = Holding({balance: quantity, decommissioned: 0, everHeld: true});
        emit Commissioned(batchId, gtin, msg.sender, lot, quantity);
    }

    /// @inheritdoc ICustody
    function onBatchRetired(bytes32 batchId, uint8 status) external {
        if (msg.sender != address(resources)) revert NotResources(msg.sender);
        BatchLedger storage batchLedger = _ledgers[batchId];
        if (batchLedger.commissioned != 0) batchLedger.status = status;
    }

    /// @inheritdoc ICustody
    function ship(bytes32 batchId, address to, uint256 quantity, string calldata documentCid)
        external
        returns (uint256 shipmentId)
    {
        shipmentId = _ship(batchId, to, quantity, address(0), 0, documentCid);
    }

    /// @inheritdoc ICustody
    function shipForTender(
        bytes32 batchId,
        address to,
        uint256 quantity,
        address tenders,
        uint256 tenderId,
        string calldata documentCid
    ) external returns (uint256 shipmentId) {
        if (tenderId == 0 || tenders.code.length == 0) revert InvalidTender(tenders, tenderId);
        shipmentId = _ship(batchId, to, quantity, tenders, tenderId, documentCid);
    }

    /// @inheritdoc ICustody
    function receiveShipment(uint256 shipmentId, ShipmentRecord calldata shipment) external {
        _close(shipmentId, shipment, RECEIVED);
        Holding storage position = _holdings[shipment.batchId][msg.sender];
        unchecked {
            // The sum of all balances never exceeds the commissioned quantity (< 2**64).
            position.balance += uint64(shipment.quantity);
        }
        position.everHeld = true;
        emit Received(shipment.batchId, shipmentId, msg.sender, shipment.shipper, shipment.quantity);
    }

    /// @inheritdoc ICustody
    /// @dev Refused after the receipt period: a tender delivery may have been counted (paid for)
    /// as unanswered by then, and a rejection would hand its units back after payment.
    function reject(uint256 shipmentId, ShipmentRecord calldata shipment, string calldata reasonCid) external {
        if (bytes(reasonCid).length == 0) revert EmptyCid();
        uint256 deadline = shipment.shippedAt + RECEIPT_PERIOD;
        if (block.timestamp > deadline) revert ReceiptPeriodOver(shipmentId, deadline);
        _close(shipmentId, shipment, REJECTED);
        unchecked {
            _holdings[shipment.batchId][shipment.shipper].balance += uint64(shipment.quantity);
        }
        emit Rejected(shipment.batchId, shipmentId, msg.sender, shipment.shipper, shipment.quantity, reasonCid);
    }

    /// @inheritdoc ICustody
    function settleUnanswered(uint256 shipmentId, ShipmentRecord calldata shipment) external {
        uint256 stored = _shipments[shipmentId];
        if (stored == 0) revert UnknownShipment(shipmentId);
        uint256 digest = _digest(shipment);
        if (stored & ~_STATUS_MASK != digest) revert ShipmentMismatch(shipmentId);
        uint8 current = uint8(stored & _STATUS_MASK);
        if (current != IN_TRANSIT) revert ShipmentNotInTransit(shipmentId, current);
        uint256 deadline = shipment.shippedAt + RECEIPT_PERIOD;
        if (block.timestamp <= deadline) revert ReceiptPeriodNotOver(shipmentId, deadline);

        bool counted = shipment.tenders != address(0) && _isCounted(shipment.tenders, shipment.tenderId, shipmentId);
        _shipments[shipmentId] = digest | (counted ? RECEIVED : RECLAIMED);
        bytes32 batchId = shipment.batchId;
        uint64 quantity = uint64(shipment.quantity);
        unchecked {
            // The shipment's quantity is part of the batch's in-transit count.
            _ledgers[batchId].inTransit -= quantity;
        }
        if (counted) {
            Holding storage position = _holdings[batchId][shipment.consignee];
            unchecked {
                position.balance += quantity;
            }
            position.everHeld = true;
            emit Received(batchId, shipmentId, shipment.consignee, shipment.shipper, quantity);
        } else {
            unchecked {
                _holdings[batchId][shipment.shipper].balance += quantity;
            }
            emit Reclaimed(batchId, shipmentId, shipment.shipper, shipment.consignee, quantity);
        }
    }

    /// @inheritdoc ICustody
    function moveToSuccessor(bytes32 batchId, address predecessor) external {
        address successor = participants.successor(predecessor);
        if (successor == address(0)) revert NoSuccessor(predecessor);
        Holding storage from = _holdings[batchId][predecessor];
        uint64 quantity = from.balance;
        from.balance = 0;
        Holding storage to = _holdings[batchId][successor];
        unchecked {
            to.balance += quantity;
        }
        if (from.everHeld) to.everHeld = true;
        emit MovedToSuccessor(batchId, predecessor, successor, quantity);
    }

    /// @inheritdoc ICustody
    /// @dev An inner node (a hash of 64 bytes) would need a 32-byte preimage under keccak256 to
    /// be the leaf computed here: out of reach.
    function decommission(bytes32 batchId, bytes32 unitHash, bytes32[] calldata proof, uint8 reason) external {
        if (reason == 0 || reason > SAMPLE) revert InvalidReason(reason);
        bytes32 leaf = keccak256(abi.encode(unitHash));
        _checkCustodian(msg.sender);
        Holding storage position = _holdings[batchId][msg.sender];
        uint64 balance = position.balance;
        if (balance == 0) revert InsufficientBalance(batchId, msg.sender, 0, 1);
        UnitState storage state = _units[batchId][leaf];
        uint8 previous = state.reason;
        if (previous != 0) revert UnitAlreadyDecommissioned(batchId, leaf, previous);

        if (!MerkleProof.verifyCalldata(proof, _serialsRoots[batchId], leaf)) revert InvalidProof(batchId, leaf);
        BatchLedger storage batchLedger = _ledgers[batchId];
        if (reason == DISPENSED) {
            uint8 status = batchLedger.status;
            if (status != BATCH_ACTIVE) revert BatchNotActive(batchId, status);
            uint256 expires = batchLedger.expires;
            if (block.timestamp > expires) revert BatchExpired(batchId, expires);
        }

        unchecked {
            // A holder never decommissions more than the batch's quantity (< 2**64).
            position.balance = balance - 1;
            position.decommissioned += 1;
        }
        _units[batchId][leaf] = UnitState({reason: reason, by: msg.sender, at: uint40(block.timestamp)});
        emit Decommissioned(batchId, leaf, msg.sender, reason);
    }

    /// @inheritdoc ICustody
    function undoDispense(bytes32 batchId, bytes32 leaf) external {
        UnitState memory state = _units[batchId][leaf];
        if (state.reason != DISPENSED) revert NotDispensed(batchId, leaf, state.reason);
        if (state.by != msg.sender) revert NotDispenser(batchId, leaf, msg.sender);
        uint256 deadline = uint256(state.at) + GRACE_PERIOD;
        if (block.timestamp > deadline) revert GracePeriodOver(batchId, leaf, deadline);
        _checkCustodian(msg.sender);

        delete _units[batchId][leaf];
        unchecked {
            // The unit was counted in both when it was dispensed.
            Holding storage position = _holdings[batchId][msg.sender];
            position.balance += 1;
            position.decommissioned -= 1;
        }
        emit DispenseUndone(batchId, leaf, msg.sender);
    }

    /// @inheritdoc ICustody
    /// @dev Nothing is stored: the event is the report. Spam costs the reporter gas, and only an
    /// active organization, which a regulator approved and may suspend, can report at all.
    function reportSuspectPack(bytes32 batchId, bytes32 unitHash, string calldata reportCid) external {
        if (bytes(reportCid).length == 0) revert EmptyCid();
        if (!participants.is_active(msg.sender, PARTICIPANT_ROLES)) {
            revert ParticipantNotActive(msg.sender, PARTICIPANT_ROLES);
        }
        emit SuspectPackReported(batchId, msg.sender, unitHash, reportCid);
    }

    /// @inheritdoc ICustody
    function balanceOf(bytes32 batchId, address holder) external view returns (uint256) {
        return _holdings[batchId][holder].balance;
    }

    /// @inheritdoc ICustody
    function everHeld(bytes32 batchId, address holder) external view returns (bool) {
        return _holdings[batchId][holder].everHeld;
    }

    /// @inheritdoc ICustody
    function holding(bytes32 batchId, address holder) external view returns (Holding memory) {
        return _holdings[batchId][holder];
    }

    /// @inheritdoc ICustody
    function ledger(bytes32 batchId) external view returns (BatchLedger memory) {
        return _ledgers[batchId];
    }

    /// @inheritdoc ICustody
    function shipmentStatus(uint256 shipmentId, ShipmentRecord calldata shipment) external view returns (uint8) {
        uint256 stored = _shipments[shipmentId];
        if (stored & ~_STATUS_MASK != _digest(shipment)) return 0;
        return uint8(stored & _STATUS_MASK);
    }

    /// @inheritdoc ICustody
    function shipmentCount() external view returns (uint256) {
        unchecked {
            return _nextShipmentId - 1;
        }
    }

    /// @inheritdoc ICustody
    function unit(bytes32 batchId, bytes32 leaf) external view returns (UnitState memory) {
        return _units[batchId][leaf];
    }

    /// @inheritdoc ICustody
    function verdictData(uint256 gtin, string calldata lot, bytes32 leaf, bytes32[] calldata proof, address scanner)
        external
        view
        returns (VerdictData memory data)
    {
        bytes32 batchId = keccak256(abi.encode(gtin, lot));
        data.batchId = batchId;
        address manufacturer = resources.product(gtin).manufacturer;
        data.productManufacturer = manufacturer;
        if (manufacturer != address(0)) {
            data.manufacturerActive = participants.is_active(manufacturer, MANUFACTURER_ROLE);
        }

        IResources.Batch memory batch = resources.batch_by_id(batchId);
        data.batchExists = batch.status != 0;
        data.batchStatus = batch.status;
        data.batchReasonCode = batch.reason_code;
        data.manufactured = batch.manufactured;
        data.expires = batch.expires;
        data.quantity = batch.quantity;
        data.documentsCidHash = batch.documents_cid_hash;
        data.inBatch = data.batchExists && MerkleProof.verifyCalldata(proof, batch.serials_root, leaf);

        data.commissioned = _ledgers[batchId].commissioned != 0;
        UnitState memory state = _units[batchId][leaf];
        data.unitReason = state.reason;
        data.unitBy = state.by;
        data.unitAt = state.at;
        data.scannerHeld = scanner != address(0) && _holdings[batchId][scanner].everHeld;
        data.timestamp = block.timestamp;
    }

    /// @dev Records a shipment from the caller; see {ship} and {shipForTender}.
    function _ship(
        bytes32 batchId,
        address to,
        uint256 quantity,
        address tenders,
        uint256 tenderId,
        string calldata documentCid
    ) private returns (uint256 shipmentId) {
        if (quantity == 0) revert ZeroQuantity();
        if (to == msg.sender) revert ShipmentToSelf(msg.sender);
        if (bytes(documentCid).length == 0) revert EmptyCid();
        _checkCustodian(msg.sender);
        _checkCustodian(to);
        Holding storage position = _holdings[batchId][msg.sender];
        uint256 balance = position.balance;
        if (balance < quantity) revert InsufficientBalance(batchId, msg.sender, balance, quantity);

        unchecked {
            // quantity <= balance < 2**64, and in transit never exceeds the commissioned quantity.
            position.balance = uint64(balance - quantity);
            _ledgers[batchId].inTransit += uint64(quantity);
            shipmentId = _nextShipmentId++;
        }
        ShipmentRecord memory record = ShipmentRecord({
            batchId: batchId,
            shipper: msg.sender,
            consignee: to,
            quantity: quantity,
            tenders: tenders,
            tenderId: tenderId,
            shippedAt: block.timestamp
        });
        _shipments[shipmentId] = _digest(record) | IN_TRANSIT;
        emit Shipped(batchId, shipmentId, tenderId, msg.sender, to, quantity, tenders, block.timestamp, documentCid);
    }

    /// @dev Whether the tender contract `tenders` counted the shipment. A contract that reverts,
    /// answers anything but `true`, or burns gas (capped at 100,000) has not counted it, and
    /// at most 32 bytes of its answer are copied: only a shipper's own tagging can name a
    /// hostile contract, and settling that shipment still works.
    function _isCounted(address tenders, uint256 tenderId, uint256 shipmentId) private view returns (bool counted) {
        bytes4 selector = ITenderDeliveries.isDeliveryCounted.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 4), tenderId)
            mstore(add(ptr, 36), shipmentId)
            let ok := staticcall(100000, tenders, ptr, 68, ptr, 32)
            counted := and(ok, and(eq(returndatasize(), 32), eq(mload(ptr), 1)))
        }
    }

    /// @dev Closes the in-transit shipment `shipment` to the caller with `status`.
    function _close(uint256 shipmentId, ShipmentRecord calldata shipment, uint8 status) private {
        uint256 stored = _shipments[shipmentId];
        if (stored == 0) revert UnknownShipment(shipmentId);
        uint256 digest = _digest(shipment);
        if (stored & ~_STATUS_MASK != digest) revert ShipmentMismatch(shipmentId);
        if (shipment.consignee != msg.sender) revert NotConsignee(shipmentId, msg.sender);
        uint8 current = uint8(stored & _STATUS_MASK);
        if (current != IN_TRANSIT) revert ShipmentNotInTransit(shipmentId, current);
        _checkCustodian(msg.sender);

        _shipments[shipmentId] = digest | status;
        unchecked {
            // The shipment's quantity is part of the batch's in-transit count.
            _ledgers[shipment.batchId].inTransit -= uint64(shipment.quantity);
        }
    }

    /// @dev keccak256 of the ABI-encoded terms, its low byte cleared for the status.
    function _digest(ShipmentRecord memory shipment) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(shipment))) & ~_STATUS_MASK;
    }

    /// @dev Throws unless `account` is an active organization holding a custody role.
    function _checkCustodian(address account) private view {
        if (!participants.is_active(account, CUSTODY_ROLES)) revert ParticipantNotActive(account, CUSTODY_ROLES);
    }
}
