// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchange} from "../interfaces/IExchange.sol";
import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {OrderLib} from "./OrderLib.sol";

/// @title The batch's validated orders, cached in memory as flat 16-word records.
/// @notice A record is addressed by its memory offset. Layout (byte offsets):
///
///         0x000 digest (the order hash)   0x0c0 nonce
///         0x020 subaccount                0x0e0 expiry
///         0x040 marketId                  0x100 flags
///         0x060 isBuy                     0x120 clientId
///         0x080 price                     0x140 market (the packed MarketCore slot)
///         0x0a0 amount                   0x160 account (the batch's Net.Account)
///                                         0x180 market info (the batch's MarketInfo)
///                                         0x1a0 filled so far (this batch's fills included)
///                                         0x1c0 filled as stored before the batch
///                                         0x1e0 1 for a plan order (no signature)
///
///         Words 1–9 are the order exactly as hashed, copied from calldata in one go; word 0 holds
///         the type hash while hashing and the digest afterwards. Reading a field is one MLOAD:
///         no allocation, no bounds checks and no cleanup on the settlement hot path.
library OrderRecords {
    uint256 internal constant SIZE = 0x200;

    /// Allocates `n` records; returns the offset of the first.
    function alloc(uint256 n) internal pure returns (uint256 base) {
        assembly ("memory-safe") {
            base := mload(0x40)
            mstore(0x40, add(base, mul(n, SIZE)))
        }
    }

    /// Copies the order into record `rec`, checks its encoding, and stores and returns its digest.
    function load(uint256 rec, IExchangeTypes.Order calldata o, bytes32 domainSep) internal pure returns (bytes32 digest) {
        digest = OrderLib.typedDataHash(domainSep, OrderLib.copyAndHash(o, rec));
        assembly ("memory-safe") {
            mstore(rec, digest)
        }
    }
}
