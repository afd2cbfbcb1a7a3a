// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPaymentToken} from "./interfaces/IPaymentToken.sol";

/// @title PaymentToken
/// @notice A ruble settlement token for tenders and escrow: 1 token unit is 1 kopeck.
/// @dev Minted only by its owner. On local and test networks the owner is the
/// deployer; a production deployment would hand ownership to the settlement bank's
/// account (or use a regulated stablecoin instead of this contract).
contract PaymentToken is ERC20, ERC20Permit, Ownable, IPaymentToken {
    /// @param initialOwner The account allowed to mint.
    constructor(address initialOwner)
        ERC20("Settlement Ruble", "RUBS")
        ERC20Permit("Settlement Ruble")
        Ownable(initialOwner)
    {}

    /// @inheritdoc IPaymentToken
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Kopecks: two decimals.
    function decimals() public pure override(ERC20, IERC20Metadata) returns (uint8) {
        return 2;
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
