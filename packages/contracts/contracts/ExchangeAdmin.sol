// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Registry} from "./exchange/Registry.sol";

/// @title The Exchange's admin functions (listings and parameters), run by delegatecall.
/// @notice The Exchange's extension forwards every call it has no function for here, so this code
///         runs against the Exchange's storage, like the extension's. It is made with the same
///         constructor values as the Exchange, which the extension checks. Called directly, it
///         only ever sees its own, empty, storage.
contract ExchangeAdmin is Registry {
    constructor(address admin_, bytes32 feeSubaccount_, bytes32 insuranceSubaccount_, uint64 maxBatchAge_) {
        admin = admin_;
        feeSubaccount = feeSubaccount_;
        insuranceSubaccount = insuranceSubaccount_;
        maxBatchAge = maxBatchAge_;
    }
}
