// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A test token that can refuse transfers, as real stablecoins do: a blacklist of
///        addresses, a pause, and a mode that answers `false` instead of reverting.
/// @notice For tests only: anyone may mint, block and pause.
contract BlockingToken is ERC20 {
    error Blocked(address account);
    error Paused();

    uint8 private immutable _decimals;
    mapping(address account => bool) public blocked;
    bool public paused;
    /// answer `false` (no revert) to a refused transfer, as some old tokens do
    bool public quiet;

    constructor(uint8 decimals_) ERC20("Blocking Token", "BLK") {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function setPaused(bool value) external {
        paused = value;
    }

    function setQuiet(bool value) external {
        quiet = value;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (_refuses(msg.sender, to)) return false;
        return super.transfer(to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        if (_refuses(from, to)) return false;
        return super.transferFrom(from, to, amount);
    }

    function _refuses(address from, address to) private view returns (bool) {
        bool refused = paused || blocked[from] || blocked[to];
        if (refused && !quiet) {
            if (paused) revert Paused();
            revert Blocked(blocked[from] ? from : to);
        }
        return refused;
    }
}
