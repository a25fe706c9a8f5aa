// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExchangeAdmin} from "./ExchangeAdmin.sol";
import {Requests} from "./exchange/Requests.sol";
import {Views} from "./exchange/Views.sol";

/// @title What traders do on chain and most of the Exchange's views, run by delegatecall.
/// @notice The Exchange forwards every call it has no function for here, and this contract
///         forwards what it has no function for to ExchangeAdmin, so all of this code runs
///         against the Exchange's storage (one code is capped at 24 KiB: EIP-170). Both share the
///         Exchange's storage layout (ExchangeStorage) and are made with the same constructor
///         values, which the Exchange and this contract check, so their immutables agree. Called
///         directly, they only ever see their own, empty, storage.
contract ExchangeExtension is Views, Requests {
    address private immutable _adminCode;

    constructor(
        address admin_,
        bytes32 feeSubaccount_,
        bytes32 insuranceSubaccount_,
        uint64 maxBatchAge_,
        ExchangeAdmin adminCode_
    ) {
        if (
            adminCode_.admin() != admin_ || adminCode_.feeSubaccount() != feeSubaccount_
                || adminCode_.insuranceSubaccount() != insuranceSubaccount_ || adminCode_.maxBatchAge() != maxBatchAge_
        ) revert InvalidParams();
        admin = admin_;
        feeSubaccount = feeSubaccount_;
        insuranceSubaccount = insuranceSubaccount_;
        maxBatchAge = maxBatchAge_;
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
