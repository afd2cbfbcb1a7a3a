// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IParticipants
/// @notice The registry of organizations (contracts/Participants.vy), as Solidity sees it.
/// @dev Mirrors the Vyper contract's ABI exactly (names included, so its snake_case): a test
/// compares the two. Roles are a Vyper `flag`, a uint256 bit set in the ABI: REGULATOR = 1,
/// MANUFACTURER = 2, DISTRIBUTOR = 4, MEDICAL_ORGANIZATION = 8, PHARMACY = 16, SUPPLIER = 32.
/// Statuses: NONE 0, APPLIED 1, ACTIVE 2, SUSPENDED 3, REVOKED 4.
/// One function is missing: `apply(string)`, as `apply` is a reserved word in Solidity; call it
/// with its selector (`abi.encodeWithSignature("apply(string)", cid)`) if a contract ever must.
interface IParticipants {
    /// @notice An organization's registry entry, as `organization` returns it.
    struct Organization {
        uint8 status;
        uint256 roles;
        string metadata_cid;
        uint256 updated_at;
    }

    event Applied(address indexed account, string metadata_cid);
    event MetadataUpdated(address indexed account, string metadata_cid);
    event Approved(address indexed account, address indexed regulator, uint256 roles);
    event RolesChanged(address indexed account, address indexed regulator, uint256 previous_roles, uint256 roles);
    event Suspended(address indexed account, address indexed regulator, string reason_cid);
    event Reinstated(address indexed account, address indexed regulator);
    event Revoked(address indexed account, address indexed regulator, string reason_cid);
    /// @notice An approved organization submitted new metadata; it applies once a regulator
    /// approves it ({MetadataUpdated}).
    event MetadataSubmitted(address indexed account, string metadata_cid);
    event MetadataRejected(address indexed account, address indexed regulator, string metadata_cid, string reason_cid);
    /// @notice A regulator confirmed a governed action; it is carried out at `required` confirmations.
    event ActionConfirmed(bytes32 indexed action, address indexed regulator, uint256 confirmations, uint256 required);
    event MovedToSuccessor(address indexed account, address indexed successor, address indexed regulator);

    /// @notice The caller replaces its metadata document.
    function update_metadata(string calldata metadata_cid) external;

    /// @notice A regulator approves an application with the organization's role flags.
    function approve(address account, uint256 roles) external;

    /// @notice A regulator replaces the roles of an approved organization.
    function set_roles(address account, uint256 roles) external;

    /// @notice A regulator suspends an active organization.
    function suspend(address account, string calldata reason_cid) external;

    /// @notice A regulator lifts a suspension.
    function reinstate(address account) external;

    /// @notice A regulator revokes an organization for good, or refuses an application.
    function revoke(address account, string calldata reason_cid) external;

    /// @notice Whether `account` is an active organization holding any of the flags in `role`.
    function is_active(address account, uint256 role) external view returns (bool);

    /// @notice The registry entry of `account` (all zero when it never applied).
    function organization(address account) external view returns (Organization memory);

    function STATUS_NONE() external view returns (uint8);
    function STATUS_APPLIED() external view returns (uint8);
    function STATUS_ACTIVE() external view returns (uint8);
    function STATUS_SUSPENDED() external view returns (uint8);
    function STATUS_REVOKED() external view returns (uint8);

    /// @notice How many organizations are active regulators.
    function active_regulators() external view returns (uint256);

    /// @notice A regulator approves the metadata an approved organization submitted.
    function approve_metadata(address account) external;

    /// @notice A regulator rejects the metadata an approved organization submitted.
    function reject_metadata(address account, string calldata reason_cid) external;

    /// @notice Regulators (a quorum) move an organization to a successor address.
    function move_to_successor(address account, address successor) external;

    /// @notice The metadata CID an approved organization submitted, awaiting review ("" when none).
    function pending_metadata(address account) external view returns (string memory);

    /// @notice The id of a governed action: its request bound to its occurrence.
    function action_id(bytes32 request) external view returns (bytes32);

    /// @notice The regulators that confirmed a governed action so far.
    function confirmers(bytes32 action) external view returns (address[] memory);

    /// @notice The account regulators moved `account` to (a rotated key, a merger), or zero.
    function successor(address account) external view returns (address);
}
