// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title UnitTokenBaseline
/// @notice Benchmark baseline only, never deployed by the scripts: serialization as one
/// OpenZeppelin ERC-721 token per unit, the approach the Merkle root replaces.
contract UnitTokenBaseline is ERC721 {
    constructor() ERC721("Unit", "UNIT") {}

    /// @notice Mints the unit `tokenId` (a leaf, as uint256) to `to`.
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
