// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchange} from "../interfaces/IExchange.sol";
import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";

/// @title EIP-712 hashing and signature checks for Kestrel orders (spec/orders.md).
library OrderLib {
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(bytes32 subaccount,uint32 marketId,bool isBuy,uint128 price,uint128 amount,uint64 nonce,uint64 expiry,uint32 flags,uint64 clientId)"
    );
    bytes32 internal constant RISK_PLAN_TYPEHASH = keccak256(
        "RiskPlan(bytes32 subaccount,uint32[] marketOrder,uint16 maxSlippageBps,uint32 graceSeconds,uint64 nonce)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Kestrel");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    /// secp256k1n / 2: an `s` above it is the malleable twin of a valid signature.
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainId, verifyingContract));
    }

    /// EIP-712 struct hash of an order read straight from calldata.
    function structHash(IExchangeTypes.Order calldata o) internal pure returns (bytes32 h) {
        uint256 scratch;
        assembly ("memory-safe") {
            scratch := mload(0x40)
        }
        // scratch space above the free memory pointer: not allocated, not kept
        h = copyAndHash(o, scratch);
    }

    /// Writes the ORDER_TYPEHASH and the order's nine fields (10 words) at memory `ptr` and
    /// returns the EIP-712 struct hash of those 10 words.
    /// @dev The nine fields are static, so the ABI encoding is exactly the EIP-712 encoding once
    ///      each word is checked to be canonical (no bits above the field's width), as the ABI
    ///      decoder would check; a non-canonical word reverts without data.
    function copyAndHash(IExchangeTypes.Order calldata o, uint256 ptr) internal pure returns (bytes32 h) {
        bytes32 typehash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            mstore(ptr, typehash)
            calldatacopy(add(ptr, 0x20), o, 0x120)
            // words: 1 subaccount, 2 marketId u32, 3 isBuy bool, 4 price u128, 5 amount u128,
            //        6 nonce u64, 7 expiry u64, 8 flags u32, 9 clientId u64
            let dirty := or(shr(32, mload(add(ptr, 0x40))), shr(1, mload(add(ptr, 0x60))))
            dirty := or(dirty, or(shr(128, mload(add(ptr, 0x80))), shr(128, mload(add(ptr, 0xa0)))))
            dirty := or(dirty, or(shr(64, mload(add(ptr, 0xc0))), shr(64, mload(add(ptr, 0xe0)))))
            dirty := or(dirty, or(shr(32, mload(add(ptr, 0x100))), shr(64, mload(add(ptr, 0x120)))))
            if dirty { revert(0, 0) }
            h := keccak256(ptr, 0x140)
        }
    }

    /// The digest a risk plan's owner signs (the array is hashed as its 32-byte words, EIP-712).
    function planDigest(bytes32 domainSep, IExchangeTypes.RiskPlan calldata p) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                RISK_PLAN_TYPEHASH,
                p.subaccount,
                keccak256(abi.encodePacked(p.marketOrder)),
                p.maxSlippageBps,
                p.graceSeconds,
                p.nonce
            )
        );
        return typedDataHash(domainSep, structHash);
    }

    /// keccak256("\x19\x01" ‖ domainSeparator ‖ structHash)
    function typedDataHash(bytes32 domainSep, bytes32 structHash_) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x1901000000000000000000000000000000000000000000000000000000000000)
            mstore(add(ptr, 0x02), domainSep)
            mstore(add(ptr, 0x22), structHash_)
            d := keccak256(ptr, 0x42)
        }
    }

    /// The signer of `digest`, or address(0) for anything but a canonical 65-byte r‖s‖v signature
    /// (v ∈ {27, 28}, s ≤ n/2) that recovers.
    function recover(bytes32 digest, bytes calldata sig) internal view returns (address signer) {
        if (sig.length != 65) return address(0);
        assembly ("memory-safe") {
            let s := calldataload(add(sig.offset, 0x20))
            let v := byte(0, calldataload(add(sig.offset, 0x40)))
            if and(iszero(gt(s, HALF_N)), or(eq(v, 27), eq(v, 28))) {
                // ecrecover precompile at 0x01, through scratch memory above the free pointer
                let ptr := mload(0x40)
                mstore(ptr, digest)
                mstore(add(ptr, 0x20), v)
                mstore(add(ptr, 0x40), calldataload(sig.offset))
                mstore(add(ptr, 0x60), s)
                mstore(0x00, 0)
                // on failure or no recovery, the output stays 0
                pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
        }
    }

    /// The owner embedded in a subaccount: its first 20 bytes.
    function owner(bytes32 subaccount) internal pure returns (address) {
        return address(bytes20(subaccount));
    }
}
