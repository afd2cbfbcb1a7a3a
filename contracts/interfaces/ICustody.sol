// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IParticipants} from "./IParticipants.sol";
import {IResources} from "./IResources.sol";

/// @title ICustody
/// @notice The ownership chain of medical products: who holds how many units of each batch,
/// shipments between organizations, and the decommissioning of single units (dispensed to a
/// patient, destroyed, stolen, exported, taken as a sample), each unit proved by its Merkle
/// proof against the batch's serials root in `Resources`.
/// @dev Quantities are conserved: for every batch, the sum over its holders of their balances
/// and of the units they decommissioned, + the units in transit == the commissioned quantity. A batch id is
/// keccak256(abi.encode(uint256 gtin, string lot)), as `Resources.batch_id` computes it; a
/// unit is identified within its batch by its leaf,
/// keccak256(bytes.concat(keccak256(abi.encode(uint256 gtin, string serial)))), so serial
/// numbers never appear on-chain. Every event has the batch id as its first indexed topic:
/// one topic filter returns a batch's whole custody history.
interface ICustody {
    /// @notice The custody counters of a batch, its expiry and its status.
    /// @dev One storage slot. Decommissioned units are counted per holder ({Holding}), in the
    /// slot a decommission writes anyway. `expires` is copied from `Resources` at commissioning (it never
    /// changes there) and `status` kept in step by `Resources` (see {onBatchRetired}), so that
    /// a dispense checks both without another call.
    struct BatchLedger {
        uint64 commissioned;
        uint64 inTransit;
        uint40 expires;
        uint8 status;
    }

    /// @notice A holder's position in a batch: the units it holds, the units it decommissioned
    /// (net of undone dispenses), and whether it ever held the batch.
    /// @dev One storage slot.
    struct Holding {
        uint64 balance;
        uint64 decommissioned;
        bool everHeld;
    }

    /// @notice A shipment's terms, as {Shipped} logs them.
    /// @dev Only their digest is stored (with the status, in one slot): the consignee passes
    /// them back to receive or reject, and any contract checks them with `shipmentStatus`.
    /// `tenders` and `tenderId` name the tender contract and tender a delivery is for (both zero
    /// for a plain shipment): a tender contract counts only deliveries that name it, and only
    /// those shipped (`shippedAt`) after its contract was concluded.
    struct ShipmentRecord {
        bytes32 batchId;
        address shipper;
        address consignee;
        uint256 quantity;
        address tenders;
        uint256 tenderId;
        uint256 shippedAt;
    }

    /// @notice The state of one unit: `reason` 0 while it is in circulation, otherwise the
    /// decommissioning reason, the organization that decommissioned it and when.
    /// @dev One storage slot.
    struct UnitState {
        uint8 reason;
        address by;
        uint40 at;
    }

    /// @notice Everything a verdict on a scanned unit needs, read in one call.
    /// @param batchId keccak256(abi.encode(gtin, lot)).
    /// @param productManufacturer The product's manufacturer; zero when the GTIN is not registered.
    /// @param manufacturerActive Whether that manufacturer is active in the MANUFACTURER role.
    /// @param batchExists Whether `Resources` knows the batch.
    /// @param batchStatus ACTIVE 1, RECALLED 2, WITHDRAWN 3 (0 when unknown).
    /// @param batchReasonCode The recall or withdrawal reason code (0 when none).
    /// @param manufactured The manufacture date, unix seconds.
    /// @param expires The expiry, unix seconds (the end of the last valid day).
    /// @param quantity The batch's number of units.
    /// @param documentsCidHash keccak256 of the batch documents' CID.
    /// @param commissioned Whether the batch was commissioned into custody.
    /// @param inBatch Whether the proof places the leaf in the batch's serials tree.
    /// @param unitReason The unit's decommissioning reason, 0 while in circulation.
    /// @param unitBy Who decommissioned the unit (zero when none).
    /// @param unitAt When the unit was decommissioned (0 when not).
    /// @param scannerHeld Whether `scanner` ever held the batch (false for the zero address).
    /// @param timestamp The block timestamp the answer holds at, for the expiry check.
    struct VerdictData {
        bytes32 batchId;
        address productManufacturer;
        bool manufacturerActive;
        bool batchExists;
        uint8 batchStatus;
        uint8 batchReasonCode;
        uint256 manufactured;
        uint256 expires;
        uint256 quantity;
        bytes32 documentsCidHash;
        bool commissioned;
        bool inBatch;
        uint8 unitReason;
        address unitBy;
        uint256 unitAt;
        bool scannerHeld;
        uint256 timestamp;
    }

    /// @notice A constructor argument is the zero address.
    error ZeroAddress();
    /// @notice `Resources` tells `registered`, not this ledger, of recalls: no batch may enter.
    error NotResourcesCustody(address registered);
    /// @notice Only `Resources` reports recalls and withdrawals.
    error NotResources(address account);
    /// @notice `Resources` knows no batch `batchId`.
    error UnknownBatch(bytes32 batchId);
    /// @notice `account` is not the manufacturer of the batch's product.
    error NotBatchManufacturer(bytes32 batchId, address account);
    /// @notice `account` is not an active organization holding any of the flags in `roles`.
    error ParticipantNotActive(address account, uint256 roles);
    /// @notice The batch is recalled or withdrawn (`status`).
    error BatchNotActive(bytes32 batchId, uint8 status);
    /// @notice The batch is already in custody.
    error BatchAlreadyCommissioned(bytes32 batchId);
    /// @notice The batch expired at `expires`: its units may not be dispensed.
    error BatchExpired(bytes32 batchId, uint256 expires);
    /// @notice A shipment of no units.
    error ZeroQuantity();
    /// @notice `account` ships to itself.
    error ShipmentToSelf(address account);
    /// @notice A document CID is empty.
    error EmptyCid();
    /// @notice `holder` holds `balance` units of the batch and needs `needed`.
    error InsufficientBalance(bytes32 batchId, address holder, uint256 balance, uint256 needed);
    /// @notice There is no shipment `shipmentId`.
    error UnknownShipment(uint256 shipmentId);
    /// @notice The terms given are not those of shipment `shipmentId`.
    error ShipmentMismatch(uint256 shipmentId);
    /// @notice `account` is not the shipment's consignee.
    error NotConsignee(uint256 shipmentId, address account);
    /// @notice The shipment was already received, rejected or reclaimed (`status`).
    error ShipmentNotInTransit(uint256 shipmentId, uint8 status);
    /// @notice The consignee's time to answer the shipment ended at `deadline`: it may still
    /// receive it, no longer reject it.
    error ReceiptPeriodOver(uint256 shipmentId, uint256 deadline);
    /// @notice The consignee may answer the shipment until `deadline`; it is settled only after.
    error ReceiptPeriodNotOver(uint256 shipmentId, uint256 deadline);
    /// @notice A tender delivery must name a tender contract (a contract) and a tender.
    error InvalidTender(address tenders, uint256 tenderId);
    /// @notice `holder` has no successor recorded in `Participants`.
    error NoSuccessor(address holder);
    /// @notice `reason` is not a decommissioning reason (1 to 5).
    error InvalidReason(uint8 reason);
    /// @notice The proof does not place `leaf` in the batch's serials tree.
    error InvalidProof(bytes32 batchId, bytes32 leaf);
    /// @notice The unit is already decommissioned, with `reason`.
    error UnitAlreadyDecommissioned(bytes32 batchId, bytes32 leaf, uint8 reason);
    /// @notice The unit is not dispensed: its state's reason is `reason` (0: in circulation).
    error NotDispensed(bytes32 batchId, bytes32 leaf, uint8 reason);
    /// @notice `account` is not the organization that dispensed the unit.
    error NotDispenser(bytes32 batchId, bytes32 leaf, address account);
    /// @notice The grace period of the dispense ended at `deadline`.
    error GracePeriodOver(bytes32 batchId, bytes32 leaf, uint256 deadline);

    /// @notice The batch's quantity was placed with its manufacturer.
    event Commissioned(
        bytes32 indexed batchId, uint256 indexed gtin, address indexed manufacturer, string lot, uint256 quantity
    );
    /// @notice `quantity` units left the shipper's balance, in transit to the consignee; for
    /// the tender `tenderId` of the contract `tenders` when those are not zero. The fields are
    /// the shipment's {ShipmentRecord}.
    event Shipped(
        bytes32 indexed batchId,
        uint256 indexed shipmentId,
        uint256 indexed tenderId,
        address shipper,
        address consignee,
        uint256 quantity,
        address tenders,
        uint256 shippedAt,
        string documentCid
    );
    /// @notice The consignee received the shipment into its balance.
    event Received(
        bytes32 indexed batchId,
        uint256 indexed shipmentId,
        address indexed consignee,
        address shipper,
        uint256 quantity
    );
    /// @notice The consignee rejected the shipment: the units went back to the shipper's balance.
    event Rejected(
        bytes32 indexed batchId,
        uint256 indexed shipmentId,
        address indexed consignee,
        address shipper,
        uint256 quantity,
        string reasonCid
    );
    /// @notice Nobody answered the shipment within `RECEIPT_PERIOD`: its units went back to the
    /// shipper's balance.
    event Reclaimed(
        bytes32 indexed batchId, uint256 indexed shipmentId, address indexed shipper, address consignee, uint256 quantity
    );
    /// @notice A holder's balance of the batch moved to its successor (a rotated key, a merger)
    /// as `Participants` records it.
    event MovedToSuccessor(bytes32 indexed batchId, address indexed predecessor, address indexed successor, uint256 quantity);
    /// @notice One unit left circulation: `by`'s balance fell by one.
    event Decommissioned(bytes32 indexed batchId, bytes32 indexed leaf, address indexed by, uint8 reason);
    /// @notice A dispense was undone: the unit is back in circulation and in `by`'s balance.
    event DispenseUndone(bytes32 indexed batchId, bytes32 indexed leaf, address indexed by);
    /// @notice `reporter` reports a pack it believes suspect (counterfeit, tampered, diverted)
    /// to the regulators; the report itself is the document `reportCid`. `unitHash` is
    /// keccak256(abi.encode(uint256 gtin, string serial)): the serial stays off-chain. For a
    /// code whose batch nobody registered, `batchId` is still keccak256(abi.encode(gtin, lot)),
    /// with an empty lot when the code carries none.
    event SuspectPackReported(bytes32 indexed batchId, address indexed reporter, bytes32 unitHash, string reportCid);

    /// @notice Places the batch (`gtin`, `lot`) with its manufacturer: the caller's balance of it
    /// becomes the batch's quantity.
    /// @dev Requirements: `Resources` names this contract its custody ledger; the batch is not
    /// in custody yet; `Resources` knows it; the caller is
    /// its product's manufacturer and an active MANUFACTURER; the batch is ACTIVE.
    /// Emits {Commissioned}.
    /// @param gtin The product's GTIN.
    /// @param lot The lot number.
    /// @return batchId The batch's id.
    function commission(uint256 gtin, string calldata lot) external returns (bytes32 batchId);

    /// @notice Ships `quantity` units of a batch from the caller to `to`: they leave the caller's
    /// balance and stay in transit until `to` receives or rejects them, or, unanswered after
    /// `RECEIPT_PERIOD`, until the shipment is settled ({settleUnanswered}).
    /// @dev Requirements: `quantity` is not zero; `to` is not the caller; `documentCid` is not
    /// empty; the caller and `to` are both active organizations holding a custody role
    /// (MANUFACTURER, DISTRIBUTOR, MEDICAL_ORGANIZATION, PHARMACY or SUPPLIER); the caller holds
    /// at least `quantity` units. The batch may be recalled, withdrawn or expired: such units
    /// must still travel back to the manufacturer or to destruction. Emits {Shipped} (with no
    /// tender).
    /// @param batchId The batch.
    /// @param to The consignee.
    /// @param quantity The number of units.
    /// @param documentCid CID of the shipping document (waybill, invoice).
    /// @return shipmentId The shipment's id, counted from 1.
    function ship(bytes32 batchId, address to, uint256 quantity, string calldata documentCid)
        external
        returns (uint256 shipmentId);

    /// @notice `ship` as a delivery for the tender `tenderId` of the tender contract `tenders`.
    /// @dev Requirements as `ship`; `tenders` is a contract and `tenderId` is not zero
    /// ({InvalidTender}). Whether the delivery counts is for `tenders` to decide: the real one
    /// counts only deliveries that name it, from its winner to its hospital, shipped after the
    /// contract was concluded. Emits {Shipped}.
    function shipForTender(
        bytes32 batchId,
        address to,
        uint256 quantity,
        address tenders,
        uint256 tenderId,
        string calldata documentCid
    ) external returns (uint256 shipmentId);

    /// @notice Settles a shipment its consignee did not answer within `RECEIPT_PERIOD`: a
    /// tender delivery its tender contract counted goes to the consignee (deemed received:
    /// it was paid for); anything else goes back to the shipper. Anyone may call it.
    /// @dev Requirements: the shipment exists, `shipment` holds its terms, it is in transit and
    /// now > shippedAt + RECEIPT_PERIOD ({ReceiptPeriodNotOver}). `tenders.isDeliveryCounted`
    /// is asked by a static call; a tender contract that reverts counts as "not counted".
    /// Emits {Received} or {Reclaimed}.
    function settleUnanswered(uint256 shipmentId, ShipmentRecord calldata shipment) external;

    /// @notice Moves `predecessor`'s whole balance of the batch to the successor `Participants`
    /// records for it (`successor(predecessor)`). Anyone may call it: the units can only go to
    /// that successor.
    /// @dev Requirements: a successor is recorded ({NoSuccessor}). Emits {MovedToSuccessor}.
    function moveToSuccessor(bytes32 batchId, address predecessor) external;

    /// @notice `Resources` reports that the batch was recalled or withdrawn (`status`).
    /// @dev Requirements: the caller is `Resources`. Changes the ledger's status when the batch
    /// is in custody; `Resources` logs the change ({BatchRetired} there).
    /// @param batchId The batch.
    /// @param status Its new status, RECALLED 2 or WITHDRAWN 3.
    function onBatchRetired(bytes32 batchId, uint8 status) external;

    /// @notice The consignee receives a shipment: its units enter the caller's balance, and the
    /// caller is recorded as having held the batch.
    /// @dev Requirements: the shipment exists; `shipment` holds its terms as {Shipped} logged
    /// them; the caller is its consignee; it is in transit; the caller is an active organization
    /// holding a custody role. Emits {Received}.
    /// @param shipmentId The shipment.
    /// @param shipment Its terms.
    function receiveShipment(uint256 shipmentId, ShipmentRecord calldata shipment) external;

    /// @notice The consignee rejects a shipment: its units go back to the shipper's balance.
    /// @dev Requirements: `reasonCid` is not empty; the shipment exists; `shipment` holds its
    /// terms; the caller is its consignee; it is in transit; now <= shippedAt +
    /// RECEIPT_PERIOD ({ReceiptPeriodOver}); the caller is an active
    /// organization holding a custody role. Emits {Rejected}.
    /// @param shipmentId The shipment.
    /// @param shipment Its terms.
    /// @param reasonCid CID of the rejection report.
    function reject(uint256 shipmentId, ShipmentRecord calldata shipment, string calldata reasonCid) external;

    /// @notice Takes one unit of a batch out of circulation, out of the caller's balance.
    /// @dev The contract computes the unit's leaf, keccak256(bytes.concat(unitHash)), from the
    /// unit's hash (keccak256(abi.encode(gtin, serial))): an inner node of the tree, a hash of 64
    /// bytes, can never be such a leaf, so no inner node nor the root passes as a unit, and the
    /// serial stays out of the calldata. Requirements: `reason` is DISPENSED, DESTROYED, STOLEN,
    /// EXPORTED or SAMPLE; the caller is an active organization holding a custody role and holds
    /// at least one unit of the batch; the unit is not decommissioned; `proof` places the leaf
    /// in the batch's serials tree; for DISPENSED only, the batch is ACTIVE (not recalled or
    /// withdrawn) and not expired (`block.timestamp <= expires`). Emits {Decommissioned} with
    /// the leaf.
    /// @param batchId The batch.
    /// @param unitHash keccak256(abi.encode(uint256 gtin, string serial)).
    /// @param proof The Merkle proof of the leaf (OpenZeppelin MerkleProof, sorted pairs).
    /// @param reason DISPENSED 1, DESTROYED 2, STOLEN 3, EXPORTED 4, SAMPLE 5.
    function decommission(bytes32 batchId, bytes32 unitHash, bytes32[] calldata proof, uint8 reason) external;

    /// @notice Undoes a dispense made in error: the unit returns to circulation and to the caller's
    /// balance.
    /// @dev Requirements: the unit is DISPENSED; the caller dispensed it; at most GRACE_PERIOD has
    /// passed since; the caller is still an active organization holding a custody role.
    /// Emits {DispenseUndone}.
    /// @param batchId The batch.
    /// @param leaf The unit's leaf.
    function undoDispense(bytes32 batchId, bytes32 leaf) external;

    /// @notice Reports a suspect pack to the regulators, on the record: the report cannot be
    /// dropped silently by whoever keeps the reports' database.
    /// @dev Requirements: `reportCid` is not empty ({EmptyCid}); the caller is an active
    /// organization of any role ({ParticipantNotActive}). The batch and the unit need not be
    /// known: a falsified pack often carries a code nobody registered. Stores nothing.
    /// Emits {SuspectPackReported}.
    /// @param batchId keccak256(abi.encode(uint256 gtin, string lot)) of the code as read.
    /// @param unitHash keccak256(abi.encode(uint256 gtin, string serial)) of the code as read.
    /// @param reportCid CID of the report document (code without its serial, verdict, photo hash).
    function reportSuspectPack(bytes32 batchId, bytes32 unitHash, string calldata reportCid) external;

    /// @notice The registry asked who may act.
    function participants() external view returns (IParticipants);

    /// @notice The registry of products and batches.
    function resources() external view returns (IResources);

    /// @notice How long after a dispense the dispensing organization may undo it.
    function GRACE_PERIOD() external view returns (uint256);

    /// @notice How long a consignee has to answer a shipment (receive or reject) before it
    /// may be settled ({settleUnanswered}).
    function RECEIPT_PERIOD() external view returns (uint256);

    /// @notice The units of the batch `holder` holds.
    function balanceOf(bytes32 batchId, address holder) external view returns (uint256);

    /// @notice Whether `holder` ever held the batch: its manufacturer, or any consignee that received it.
    function everHeld(bytes32 batchId, address holder) external view returns (bool);

    /// @notice `holder`'s position in the batch: balance, units decommissioned, ever held.
    function holding(bytes32 batchId, address holder) external view returns (Holding memory);

    /// @notice The batch's custody counters (all zero when it is not in custody).
    function ledger(bytes32 batchId) external view returns (BatchLedger memory);

    /// @notice The status of shipment `shipmentId` if `shipment` holds its terms: IN_TRANSIT 1,
    /// RECEIVED 2, REJECTED 3 or RECLAIMED 4; 0 when there is no such shipment or the terms differ.
    function shipmentStatus(uint256 shipmentId, ShipmentRecord calldata shipment) external view returns (uint8);

    /// @notice How many shipments were made: the last shipment's id.
    function shipmentCount() external view returns (uint256);

    /// @notice The state of the unit `leaf` of the batch.
    function unit(bytes32 batchId, bytes32 leaf) external view returns (UnitState memory);

    /// @notice Everything a verdict on the scanned unit (`gtin`, `lot`, `leaf`) needs, in one call.
    /// @param gtin The GTIN read from the code.
    /// @param lot The lot read from the code.
    /// @param leaf The unit's leaf, computed from the GTIN and serial read from the code.
    /// @param proof The unit's Merkle proof, from the proof store (may be empty or wrong).
    /// @param scanner The organization scanning, or the zero address for a patient or the public.
    /// @return data See {VerdictData}.
    function verdictData(uint256 gtin, string calldata lot, bytes32 leaf, bytes32[] calldata proof, address scanner)
        external
        view
        returns (VerdictData memory data);
}
