// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title BulkCaller
/// @notice Benchmark fixture only, never deployed by the scripts: an organization's account
/// that makes many calls in one transaction, so that a benchmark can fill a chain with
/// 100,000 real platform events (shipments and receipts) in a few hundred transactions.
contract BulkCaller {
    /// @notice The key that makes the account act.
    address public immutable owner;

    error NotOwner(address account);
    error CallFailed(uint256 index, bytes reason);

    /// @param owner_ The key that makes the account act.
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Calls `target` with each of `calls` in turn, as this account.
    /// @dev Requirements: the caller is the owner ({NotOwner}); every call succeeds ({CallFailed}).
    function callAll(address target, bytes[] calldata calls) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory reason) = target.call(calls[i]);
            if (!ok) revert CallFailed(i, reason);
        }
    }
}
