// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title IPaymentToken
/// @notice The platform's settlement token: rubles counted in kopecks (2 decimals),
/// with EIP-2612 permits so a supplier or hospital can approve by signature.
interface IPaymentToken is IERC20, IERC20Metadata, IERC20Permit {
    /// @notice Creates `amount` kopecks for `to`.
    /// @dev Requirements: the caller is the owner; `to` is not the zero address.
    /// Emits {IERC20-Transfer} from the zero address.
    function mint(address to, uint256 amount) external;
}
