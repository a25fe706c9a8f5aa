// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Devnet test token with configurable decimals and an open faucet.
/// @notice For local networks and tests only: anyone may mint any amount. Never deploy it on a
///         real network.
contract TestToken is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// The faucet: mints `amount` token units to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
