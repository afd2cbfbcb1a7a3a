// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IResources
/// @notice The registry of products and batches (contracts/Resources.vy), as Solidity sees it.
/// @dev Mirrors the Vyper contract's ABI exactly (names included, so its snake_case): a test
/// compares the two, and another checks that Solidity decodes the structs Vyper returns.
/// Batch statuses: NONE 0 (no such batch), ACTIVE 1, RECALLED 2, WITHDRAWN 3. A batch id is
/// keccak256(abi.encode(uint256 gtin, string lot)).
interface IResources {
    /// @notice A product, as `product` returns it (all zero when the GTIN is not registered).
    struct Product {
        address manufacturer;
        uint8 category;
        string name;
        string dosage_form;
        string characteristics_cid;
        string certificate_cid;
    }

    /// @notice A batch, as `batch` and `batch_by_id` return it (all zero when there is none).
    /// @dev `manufacturer` is the product's manufacturer; dates are unix seconds, `expires`
    /// being the end of the last valid day.
    struct Batch {
        uint256 gtin;
        address manufacturer;
        uint256 manufactured;
        uint256 expires;
        uint256 quantity;
        bytes32 serials_root;
        bytes32 documents_cid_hash;
        uint8 status;
        uint8 reason_code;
    }

    event ProductRegistered(
        uint256 indexed gtin,
        address indexed manufacturer,
        uint8 category,
        string name,
        string dosage_form,
        string characteristics_cid,
        string certificate_cid
    );
    event ProductUpdated(
        uint256 indexed gtin, address indexed manufacturer, string characteristics_cid, string certificate_cid
    );
    event BatchCommissioned(
        bytes32 indexed batch_id,
        uint256 indexed gtin,
        address indexed manufacturer,
        string lot,
        uint256 manufactured,
        uint256 expires,
        uint256 quantity,
        bytes32 serials_root,
        string documents_cid,
        string proof_tree_cid
    );
    event BatchRetired(
        bytes32 indexed batch_id,
        uint256 indexed gtin,
        address indexed by,
        string lot,
        uint8 status,
        uint8 reason_code,
        string reason_cid
    );
    event CustodySet(address indexed custody, address indexed regulator);
    /// @notice A regulator lifted a recall or withdrawal.
    event BatchReinstated(
        bytes32 indexed batch_id,
        uint256 indexed gtin,
        address indexed regulator,
        string lot,
        uint8 previous_status,
        string reason_cid
    );
    /// @notice The custody ledger could not be told of a status change (the recall stands).
    event CustodyUnreachable(address indexed custody, bytes32 indexed batch_id, uint8 status);
    event PrefixAssigned(
        uint256 indexed prefix,
        address indexed manufacturer,
        address indexed regulator,
        uint8 digits,
        address previous_manufacturer
    );
    event ProductReassigned(
        uint256 indexed gtin, address indexed previous_manufacturer, address indexed manufacturer, string reason_cid
    );
    /// @notice A regulator confirmed a governed action; it is carried out at `required` confirmations.
    event ActionConfirmed(bytes32 indexed action, address indexed regulator, uint256 confirmations, uint256 required);

    /// @notice An active manufacturer registers a product under its GTIN.
    function register_product(
        uint256 gtin,
        uint8 category,
        string calldata name,
        string calldata dosage_form,
        string calldata characteristics_cid,
        string calldata certificate_cid
    ) external;

    /// @notice The product's manufacturer replaces its documents.
    function update_product(uint256 gtin, string calldata characteristics_cid, string calldata certificate_cid)
        external;

    /// @notice The product's manufacturer commissions a batch with the Merkle root of its serials.
    function commission_batch(
        uint256 gtin,
        string calldata lot,
        uint256 manufactured,
        uint256 expires,
        uint256 quantity,
        bytes32 serials_root,
        string calldata documents_cid,
        string calldata proof_tree_cid
    ) external;

    /// @notice The manufacturer or a regulator recalls an active batch.
    function recall_batch(uint256 gtin, string calldata lot, uint8 reason_code, string calldata reason_cid) external;

    /// @notice The manufacturer or a regulator withdraws an active batch from circulation.
    function withdraw_batch(uint256 gtin, string calldata lot, uint8 reason_code, string calldata reason_cid)
        external;

    /// @notice The product registered under `gtin`.
    function product(uint256 gtin) external view returns (Product memory);

    /// @notice The batch (`gtin`, `lot`).
    function batch(uint256 gtin, string calldata lot) external view returns (Batch memory);

    /// @notice The batch with id `batch_id`.
    function batch_by_id(bytes32 batch_id) external view returns (Batch memory);

    /// @notice keccak256(abi.encode(gtin, lot)). The lot is at most 20 bytes.
    function batch_id(uint256 gtin, string calldata lot) external pure returns (bytes32);

    /// @notice Whether `gtin` is a GTIN-14 (or a shorter GTIN padded with zeros) with a right check digit.
    function is_valid_gtin(uint256 gtin) external pure returns (bool);

    function CATEGORY_DRUG() external view returns (uint8);
    function CATEGORY_DEVICE() external view returns (uint8);
    function CATEGORY_CONSUMABLE() external view returns (uint8);
    function BATCH_ACTIVE() external view returns (uint8);
    function BATCH_RECALLED() external view returns (uint8);
    function BATCH_WITHDRAWN() external view returns (uint8);

    /// @notice A regulator names, once, the custody ledger told of every recall and withdrawal.
    function set_custody(address custody) external;

    /// @notice Regulators assign a GS1 company prefix of `digits` digits to a manufacturer.
    function assign_prefix(uint256 prefix, uint8 digits, address manufacturer) external;

    /// @notice The manufacturer a company prefix is assigned to (zero when none).
    function prefix_owner(uint256 prefix, uint8 digits) external view returns (address);

    /// @notice Regulators (a quorum) give a product to another manufacturer.
    function reassign_product(uint256 gtin, address new_manufacturer, string calldata reason_cid) external;

    /// @notice The successor of a product's manufacturer takes the product over.
    function claim_product(uint256 gtin) external;

    /// @notice Regulators (a quorum) lift a recall or withdrawal, with a reason.
    function reinstate_batch(uint256 gtin, string calldata lot, string calldata reason_cid) external;

    /// @notice The id of a governed action: its request bound to its occurrence.
    function action_id(bytes32 request) external view returns (bytes32);

    /// @notice The regulators that confirmed a governed action so far.
    function confirmers(bytes32 action) external view returns (address[] memory);

    /// @notice The custody ledger told of every recall and withdrawal (zero until set).
    function custody() external view returns (address);

    /// @notice The Participants registry it asks who may act.
    function participants() external view returns (address);
}
