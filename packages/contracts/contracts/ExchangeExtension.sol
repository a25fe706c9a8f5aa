// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OrderLib} from "./lib/OrderLib.sol";
import {Registry} from "./exchange/Registry.sol";
import {Views} from "./exchange/Views.sol";

/// @title The Exchange's admin functions and most of its views, run by delegatecall.
/// @notice The Exchange deploys this contract and forwards every call it has no function for
///         here, so this code runs against the Exchange's storage. It shares the Exchange's
///         storage layout (ExchangeStorage) and is made with the same constructor values, so its
///         immutables agree. Called directly, it only ever sees its own, empty, storage.
contract ExchangeExtension is Registry, Views {
    constructor(address admin_, bytes32 feeSubaccount_, bytes32 insuranceSubaccount_, uint64 maxBatchAge_) {
        admin = admin_;
        feeSubaccount = feeSubaccount_;
        insuranceSubaccount = insuranceSubaccount_;
        maxBatchAge = maxBatchAge_;
        _cachedChainId = block.chainid;
        _cachedThis = msg.sender; // the Exchange: its domain separator, wherever the code runs
        _cachedDomainSeparator = OrderLib.domainSeparator(block.chainid, msg.sender);
    }
}
