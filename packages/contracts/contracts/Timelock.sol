// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The Exchange's admin: every listing and parameter change waits out a public delay.
/// @notice OpenZeppelin's TimelockController as deployed for Kestrel: proposals are scheduled,
///         visible on chain for `minDelay` seconds, then executed. The deploy helper sets the
///         exchange up through it with no delay, then raises the delay (itself a timelocked call).
contract Timelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
