// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Exchange} from "../../../contracts/Exchange.sol";
import {ExchangeAdmin} from "../../../contracts/ExchangeAdmin.sol";
import {ExchangeEscape} from "../../../contracts/ExchangeEscape.sol";
import {ExchangeExtension} from "../../../contracts/ExchangeExtension.sol";
import {ExchangeStorage} from "../../../contracts/exchange/ExchangeStorage.sol";

/// @notice The Exchange's four codes, deployed in order with the same configuration.
library Deploy {
    function exchange(ExchangeStorage.Config memory c) internal returns (Exchange) {
        ExchangeEscape escape = new ExchangeEscape(c);
        ExchangeAdmin adminCode = new ExchangeAdmin(c, escape);
        ExchangeExtension extension = new ExchangeExtension(c, adminCode);
        return new Exchange(c, extension);
    }

    /// A devnet configuration: the escape hatch opens after a day, claims register for three.
    function devnet(address admin, bytes32 feeSub, bytes32 insuranceSub, uint64 maxBatchAge)
        internal
        pure
        returns (ExchangeStorage.Config memory c)
    {
        c = network(admin, feeSub, insuranceSub, maxBatchAge);
        c.devnet = true;
    }

    /// The same for a real network (any chain id; the admin's timelock delay is checked).
    function network(address admin, bytes32 feeSub, bytes32 insuranceSub, uint64 maxBatchAge)
        internal
        pure
        returns (ExchangeStorage.Config memory)
    {
        return ExchangeStorage.Config({
            admin: admin,
            feeSubaccount: feeSub,
            insuranceSubaccount: insuranceSub,
            maxBatchAge: maxBatchAge,
            forceDelay: 1 days,
            claimWindow: 3 days,
            epochSeconds: 1 hours,
            takeoverSeconds: 30,
            devnet: false
        });
    }
}
