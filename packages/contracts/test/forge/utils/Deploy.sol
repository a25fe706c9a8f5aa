// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Exchange} from "../../../contracts/Exchange.sol";
import {ExchangeAdmin} from "../../../contracts/ExchangeAdmin.sol";
import {ExchangeExtension} from "../../../contracts/ExchangeExtension.sol";

/// @notice The Exchange's three codes, deployed in order with the same values.
library Deploy {
    function exchange(address admin, bytes32 feeSub, bytes32 insuranceSub, uint64 maxBatchAge) internal returns (Exchange) {
        ExchangeAdmin adminCode = new ExchangeAdmin(admin, feeSub, insuranceSub, maxBatchAge);
        ExchangeExtension extension = new ExchangeExtension(admin, feeSub, insuranceSub, maxBatchAge, adminCode);
        return new Exchange(admin, feeSub, insuranceSub, maxBatchAge, extension);
    }
}
