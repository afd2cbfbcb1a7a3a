// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title HostileCustody
/// @notice Test fixture only, never deployed by the scripts: a custody ledger a hostile regulator
/// key could name in `Resources.set_custody`. It answers the wiring checks with the addresses it
/// was given, and its `onBatchRetired` reverts (mode 1) or burns all the gas it gets (mode 2).
contract HostileCustody {
    uint8 public constant REVERTS = 1;
    uint8 public constant BURNS_GAS = 2;

    address public immutable resources;
    address public immutable participants;
    uint8 public immutable mode;

    error Refused();

    /// @param resources_ What `resources()` answers.
    /// @param participants_ What `participants()` answers.
    /// @param mode_ REVERTS or BURNS_GAS.
    constructor(address resources_, address participants_, uint8 mode_) {
        resources = resources_;
        participants = participants_;
        mode = mode_;
    }

    /// @notice Refuses every recall: reverts, or loops until its gas is gone.
    function onBatchRetired(bytes32, uint8) external view {
        if (mode == REVERTS) revert Refused();
        uint256 spin;
        while (gasleft() > 0) {
            spin = uint256(keccak256(abi.encode(spin)));
        }
    }
}
