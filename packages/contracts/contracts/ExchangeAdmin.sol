// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExchangeEscape} from "./ExchangeEscape.sol";
import {Registry} from "./exchange/Registry.sol";
import {ExchangeStorage} from "./exchange/ExchangeStorage.sol";

/// @title The Exchange's admin functions (listings and parameters), run by delegatecall.
/// @notice The Exchange's extension forwards every call it has no function for here, and this
///         code forwards the rest to ExchangeEscape, so it runs against the Exchange's storage,
///         like the extension's. It is made with the same configuration as the Exchange, which
///         the extension checks. Called directly, it only ever sees its own, empty, storage.
contract ExchangeAdmin is Registry {
    address private immutable _escapeCode;

    constructor(Config memory config, ExchangeEscape escapeCode_) ExchangeStorage(config) {
        if (escapeCode_.configHash() != _configHash()) revert InvalidParams();
        _escapeCode = address(escapeCode_);
    }

    /// The configuration this code was made with, hashed (the code before it checks it).
    function configHash() external view returns (bytes32) {
        return _configHash();
    }

    fallback() external {
        address target = _escapeCode;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
