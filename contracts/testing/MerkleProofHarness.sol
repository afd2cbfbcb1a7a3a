// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MerkleProofHarness
/// @notice Test fixture only, never deployed by the scripts: exposes OpenZeppelin's
/// MerkleProof so the tests prove that serial trees built in Python verify on-chain
/// exactly as `Custody` will verify them.
contract MerkleProofHarness {
    /// @notice The StandardMerkleTree leaf of a unit: keccak256(bytes.concat(keccak256(abi.encode(gtin, serial)))).
    function leaf(uint256 gtin, string calldata serial) external pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(gtin, serial))));
    }

    /// @notice Whether `leaf_` is in the tree of `root`, by `proof`.
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf_) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf_);
    }
}
