// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICustody} from "./interfaces/ICustody.sol";
import {IParticipants} from "./interfaces/IParticipants.sol";
import {IResources} from "./interfaces/IResources.sol";

/// @title Custody
/// @notice The ownership chain: custody balances per batch and holder, two-step shipments
/// (ship, then receive or reject), and the decommissioning of single units proved against the
/// batch's serials root. See {ICustody}.
/// @dev No owner and no upgrade path: who may act is asked of `Participants`, what exists of
/// `Resources`. Every loop is over a caller's own proof (at most the tree's depth).
///
/// Storage is packed for the common paths (gas of one cold slot written: 22,100):
/// - a batch's counters and its custody index share one slot ({BatchLedger});
/// - a holder's balance of a batch and its "ever held" flag share one slot;
/// - a shipment takes two slots: the batch is stored as its 48-bit custody index, not its
///   32-byte id, and the tender id takes a third slot only when there is one;
/// - a unit's state is one slot;
/// - the serials root is copied here at commissioning (it never changes in `Resources`), so
///   only a dispense, which must see the batch's current status and expiry, calls `Resources`.
contract Custody is ICustody {
    /// @notice The MANUFACTURER role flag of `Participants`.
    uint256 public constant MANUFACTURER_ROLE = 2;
    /// @notice The role flags that may hold custody: MANUFACTURER 2 | DISTRIBUTOR 4 |
    /// MEDICAL_ORGANIZATION 8 | PHARMACY 16 | SUPPLIER 32. A regulator-only organization may not.
    uint256 public constant CUSTODY_ROLES = 2 | 4 | 8 | 16 | 32;

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

    /// @inheritdoc ICustody
    /// @dev Ten days, the EU Falsified Medicines Directive's rule as the EMVS applies it: a pack
    /// decommissioned as supplied may be reverted to active within ten days by the same
    /// organization.
    uint256 public constant GRACE_PERIOD = 10 days;

    /// @inheritdoc ICustody
    IParticipants public immutable participants;
    /// @inheritdoc ICustody
    IResources public immutable resources;

    /// @dev A holder's position in a batch (one slot).
    struct Holding {
        uint64 balance;
        bool everHeld;
    }

    /// @dev A shipment as stored: two slots, the first the only one written on receive or reject.
    struct StoredShipment {
        address shipper;
        uint8 status;
        uint40 updatedAt;
        uint48 batchIndex;
        address consignee;
        uint64 quantity;
    }

    /// @dev How many batches were commissioned here: the last batch's index. Shares a slot with
    /// `_shipmentCount`.
    uint48 private _batchCount;
    /// @dev How many shipments were made: the last shipment's id.
    uint64 private _shipmentCount;

    mapping(bytes32 batchId => BatchLedger) private _ledgers;
    mapping(uint256 index => bytes32 batchId) private _batchIds;
    mapping(bytes32 batchId => bytes32 serialsRoot) private _serialsRoots;
    mapping(bytes32 batchId => mapping(address holder => Holding)) private _holdings;
    mapping(uint256 shipmentId => StoredShipment) private _shipments;
    mapping(uint256 shipmentId => uint256 tenderId) private _tenderIds;
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
        uint64 quantity = uint64(batch.quantity);
        uint48 index = ++_batchCount;
        _ledgers[batchId] = BatchLedger({commissioned: quantity, inTransit: 0, decommissioned: 0, index: index});
        _batchIds[index] = batchId;
        _serialsRoots[batchId] = batch.serials_root;
        _holdings[batchId][msg.sender] = Holding({balance: quantity, everHeld: true});
        emit Commissioned(batchId, gtin, msg.sender, lot, quantity);
    }

    /// @inheritdoc ICustody
    function ship(bytes32 batchId, address to, uint256 quantity, uint256 tenderId, string calldata documentCid)
        external
        returns (uint256 shipmentId)
    {
        if (quantity == 0) revert ZeroQuantity();
        if (to == msg.sender) revert ShipmentToSelf(msg.sender);
        if (bytes(documentCid).length == 0) revert EmptyCid();
        _checkCustodian(msg.sender);
        _checkCustodian(to);
        Holding storage holding = _holdings[batchId][msg.sender];
        uint256 balance = holding.balance;
        if (balance < quantity) revert InsufficientBalance(batchId, msg.sender, balance, quantity);

        BatchLedger storage batchLedger = _ledgers[batchId];
        unchecked {
            // quantity <= balance < 2**64, and in transit never exceeds the commissioned quantity.
            holding.balance = uint64(balance - quantity);
            batchLedger.inTransit += uint64(quantity);
            shipmentId = ++_shipmentCount;
        }
        _shipments[shipmentId] = StoredShipment({
            shipper: msg.sender,
            status: IN_TRANSIT,
            updatedAt: uint40(block.timestamp),
            batchIndex: batchLedger.index,
            consignee: to,
            quantity: uint64(quantity)
        });
        if (tenderId != 0) _tenderIds[shipmentId] = tenderId;
        emit Shipped(batchId, shipmentId, tenderId, msg.sender, to, quantity, documentCid);
    }

    /// @inheritdoc ICustody
    function receiveShipment(uint256 shipmentId) external {
        (bytes32 batchId, address shipper, uint64 quantity) = _close(shipmentId, RECEIVED);
        Holding storage holding = _holdings[batchId][msg.sender];
        unchecked {
            // The sum of all balances never exceeds the commissioned quantity (< 2**64).
            holding.balance += quantity;
        }
        holding.everHeld = true;
        emit Received(batchId, shipmentId, msg.sender, shipper, quantity);
    }

    /// @inheritdoc ICustody
    function reject(uint256 shipmentId, string calldata reasonCid) external {
        if (bytes(reasonCid).length == 0) revert EmptyCid();
        (bytes32 batchId, address shipper, uint64 quantity) = _close(shipmentId, REJECTED);
        unchecked {
            _holdings[batchId][shipper].balance += quantity;
        }
        emit Rejected(batchId, shipmentId, msg.sender, shipper, quantity, reasonCid);
    }

    /// @inheritdoc ICustody
    /// @dev `leaf` is taken as given: an inner node of the tree with the rest of its proof would
    /// verify too. That costs the caller a unit of its own balance and marks no real unit, so
    /// it gains nothing; verdicts compute the leaf from the scanned serial and are unaffected.
    function decommission(bytes32 batchId, bytes32 leaf, bytes32[] calldata proof, uint8 reason) external {
        if (reason == 0 || reason > SAMPLE) revert InvalidReason(reason);
        _checkCustodian(msg.sender);
        Holding storage holding = _holdings[batchId][msg.sender];
        uint64 balance = holding.balance;
        if (balance == 0) revert InsufficientBalance(batchId, msg.sender, 0, 1);
        UnitState storage state = _units[batchId][leaf];
        uint8 previous = state.reason;
        if (previous != 0) revert UnitAlreadyDecommissioned(batchId, leaf, previous);

        if (reason == DISPENSED) {
            // A recall or a withdrawal can come at any time: ask `Resources` now.
            IResources.Batch memory batch = resources.batch_by_id(batchId);
            if (!MerkleProof.verifyCalldata(proof, batch.serials_root, leaf)) revert InvalidProof(batchId, leaf);
            if (batch.status != BATCH_ACTIVE) revert BatchNotActive(batchId, batch.status);
            if (block.timestamp > batch.expires) revert BatchExpired(batchId, batch.expires);
        } else if (!MerkleProof.verifyCalldata(proof, _serialsRoots[batchId], leaf)) {
            revert InvalidProof(batchId, leaf);
        }

        unchecked {
            holding.balance = balance - 1;
            _ledgers[batchId].decommissioned += 1;
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
            _holdings[batchId][msg.sender].balance += 1;
            _ledgers[batchId].decommissioned -= 1;
        }
        emit DispenseUndone(batchId, leaf, msg.sender);
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
    function ledger(bytes32 batchId) external view returns (BatchLedger memory) {
        return _ledgers[batchId];
    }

    /// @inheritdoc ICustody
    function shipment(uint256 shipmentId) external view returns (Shipment memory) {
        StoredShipment memory stored = _shipments[shipmentId];
        return Shipment({
            batchId: stored.status == 0 ? bytes32(0) : _batchIds[stored.batchIndex],
            shipper: stored.shipper,
            consignee: stored.consignee,
            quantity: stored.quantity,
            tenderId: _tenderIds[shipmentId],
            status: stored.status,
            updatedAt: stored.updatedAt
        });
    }

    /// @inheritdoc ICustody
    function shipmentCount() external view returns (uint256) {
        return _shipmentCount;
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

    /// @dev Closes an in-transit shipment to the caller with `status`; returns what moves.
    function _close(uint256 shipmentId, uint8 status)
        private
        returns (bytes32 batchId, address shipper, uint64 quantity)
    {
        StoredShipment storage stored = _shipments[shipmentId];
        StoredShipment memory shipment_ = stored;
        if (shipment_.status == 0) revert UnknownShipment(shipmentId);
        if (shipment_.consignee != msg.sender) revert NotConsignee(shipmentId, msg.sender);
        if (shipment_.status != IN_TRANSIT) revert ShipmentNotInTransit(shipmentId, shipment_.status);
        _checkCustodian(msg.sender);

        stored.status = status;
        stored.updatedAt = uint40(block.timestamp);
        batchId = _batchIds[shipment_.batchIndex];
        unchecked {
            // The shipment's quantity is part of the batch's in-transit count.
            _ledgers[batchId].inTransit -= shipment_.quantity;
        }
        return (batchId, shipment_.shipper, shipment_.quantity);
    }

    /// @dev Throws unless `account` is an active organization holding a custody role.
    function _checkCustodian(address account) private view {
        if (!participants.is_active(account, CUSTODY_ROLES)) revert ParticipantNotActive(account, CUSTODY_ROLES);
    }
}
