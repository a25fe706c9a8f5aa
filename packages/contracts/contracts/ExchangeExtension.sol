// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExchangeAdmin} from "./ExchangeAdmin.sol";
import {Prelude} from "./exchange/Prelude.sol";
import {Requests} from "./exchange/Requests.sol";
import {Views} from "./exchange/Views.sol";
import {ExchangeStorage} from "./exchange/ExchangeStorage.sol";

/// @title What traders do on chain, most of the Exchange's views and a batch's prelude, run by
///        delegatecall.
/// @notice The Exchange forwards every call it has no function for here, and this contract
///         forwards what it has no function for to ExchangeAdmin, which forwards the rest to
///         ExchangeEscape, so all of this code runs against the Exchange's storage (one code is
///         capped at 24 KiB: EIP-170). All share the Exchange's storage layout (ExchangeStorage)
///         and are made with the same configuration, which each checks of the next, so their
///         immutables agree. Called directly, they only ever see their own, empty, storage.
contract ExchangeExtension is Views, Requests, Prelude {
    address private immutable _adminCode;

    constructor(Config memory config, ExchangeAdmin adminCode_) ExchangeStorage(config) {
        if (adminCode_.configHash() != _configHash()) revert InvalidParams();
        _adminCode = address(adminCode_);
    }

    fallback() external {
        address target = _adminCode;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
