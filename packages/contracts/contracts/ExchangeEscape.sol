// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Escape} from "./exchange/Escape.sol";
import {ExchangeStorage} from "./exchange/ExchangeStorage.sol";

/// @title The Exchange's escape hatch (spec/contracts.md), run by delegatecall: the last code in the
///        chain the Exchange forwards through (Exchange → extension → admin code → this).
contract ExchangeEscape is Escape {
    constructor(Config memory config) ExchangeStorage(config) {}

    /// The configuration this code was made with, hashed (the code before it checks it).
    function configHash() external view returns (bytes32) {
        return _configHash();
    }

}
