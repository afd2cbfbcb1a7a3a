// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ContractWallet
/// @notice Test fixture only, never deployed by the scripts: the smallest smart-contract
/// wallet, as an organization using a multisig would hold its account. Its owner makes it act
/// (`execute`) and signs for it: `isValidSignature` (ERC-1271) approves what the owner's key
/// signed, so `Tenders.commitBidBySig` can be tested with a bidder that is a contract.
contract ContractWallet is IERC1271 {
    /// @notice The key that acts and signs for the wallet.
    address public immutable owner;

    error NotOwner(address account);

    /// @param owner_ The key that acts and signs for the wallet.
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Calls `target` with `data` as the wallet, passing its revert on.
    /// @dev Requirements: the caller is the owner ({NotOwner}).
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == owner ? this.isValidSignature.selector : bytes4(0xffffffff);
    }
}
