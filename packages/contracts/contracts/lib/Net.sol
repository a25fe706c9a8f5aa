// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";

/// @title A batch's moves, netted in memory (spec/contracts.md: one clock, one price, one order of events).
/// @notice Settlement adds every move of a batch — deposits, withdrawals, interest reserves,
///         fills — to an in-memory entry per (subaccount, asset) balance and per (subaccount,
///         market) position, and stores each entry once at the end: one rounding per balance per
///         batch, exactly as the engine does, and one storage write per moved balance. Entries and
///         accounts sit in open-addressing hash tables keyed by storage slot (a keccak output, so
///         uniformly spread) and by subaccount (hashed by its balance root, so a trader cannot
///         choose keys that collide). Structs here are memory pointers cast with assembly; a
///         pointer of 0 means none. A table never fills up: an insert that would take its last
///         empty slot reverts with TableFull, so a lookup always ends.
library Net {
    /// A subaccount some input of the batch touched.
    struct Account {
        bytes32 subaccount;
        /// keccak(subaccount ‖ balances slot): the root of its balance slots
        uint256 balanceRoot;
        /// keccak(subaccount ‖ positions slot)
        uint256 positionRoot;
        /// the stored header word (minNonce and holdings bits), as read at first touch
        uint256 header;
        /// bit a: balance of asset a moved in this batch; bit 64 + k: the position of perp k
        uint256 touched;
        /// 1 + the index of the last fill that touched it; 0 when no fill did
        uint256 lastFill;
        /// the account's side in that fill
        bool lastWasMaker;
        /// the next account, in first-touch order
        uint256 next;
        /// 1 + the index of a plan order of this account in the batch; 0 when none
        uint256 planOrder;
        /// 1 + the place in its plan of the market of the account's last plan order; 0 when none
        uint256 planPlace;
    }

    /// One balance or one position of one account.
    struct Entry {
        /// the storage slot of the balance, or of the position's first word
        uint256 slot;
        /// its Account
        uint256 account;
        /// assetId of a balance; perp index of a position
        uint256 id;
        bool position;
        /// balance: the batch's net move; position: the net size move
        int256 a;
        /// balance: the part of `a` fills made; position: the net vQuote move
        int256 b;
        uint256 next;
        /// position: the part of `a` and of `b` made outside fills (liquidations)
        int256 c;
        int256 d;
    }

    struct Table {
        /// memory offset of the slot array: `mask + 1` words of pointers
        uint256 slots;
        uint256 mask;
        /// the first item inserted (items link through their `next`), and the last
        uint256 head;
        uint256 tail;
        /// items in the table: at most `mask`, so one slot is always empty
        uint256 count;
    }

    /// A table with room for at least `items` items at a load of at most one half.
    function table(uint256 items) internal pure returns (Table memory t) {
        uint256 size = 16;
        while (size < 2 * items) size <<= 1;
        uint256 slots;
        assembly ("memory-safe") {
            slots := mload(0x40)
            let bytes_ := shl(5, size)
            // fresh memory past the free pointer may be dirty: clear it
            calldatacopy(slots, calldatasize(), bytes_)
            mstore(0x40, add(slots, bytes_))
        }
        t.slots = slots;
        t.mask = size - 1;
    }

    /// The item whose first word is `key`, looked up at `hash`; 0 if absent, with the free slot.
    function find(Table memory t, uint256 key, uint256 hash) internal pure returns (uint256 item, uint256 free) {
        uint256 slots = t.slots;
        uint256 mask = t.mask;
        assembly ("memory-safe") {
            let i := and(hash, mask)
            for {} 1 {} {
                free := add(slots, shl(5, i))
                item := mload(free)
                if iszero(item) { break }
                if eq(mload(item), key) { break }
                i := and(add(i, 1), mask)
            }
        }
    }

    /// Puts `item` at the free slot that `find` returned, without listing it.
    function put(Table memory t, uint256 free, uint256 item) internal pure {
        _count(t);
        assembly ("memory-safe") {
            mstore(free, item)
        }
    }

    function _count(Table memory t) private pure {
        uint256 n = t.count + 1;
        if (n > t.mask) revert IExchangeTypes.TableFull();
        t.count = n;
    }

    /// Puts `item` at the free slot that `find` returned, and at the end of the list.
    /// @dev `next` is the item's last word; `nextOffset` says where it is.
    function insert(Table memory t, uint256 free, uint256 item, uint256 nextOffset) internal pure {
        _count(t);
        assembly ("memory-safe") {
            mstore(free, item)
        }
        uint256 tail = t.tail;
        if (tail == 0) {
            t.head = item;
        } else {
            assembly ("memory-safe") {
                mstore(add(tail, nextOffset), item)
            }
        }
        t.tail = item;
    }

    function account(uint256 p) internal pure returns (Account memory a) {
        assembly ("memory-safe") {
            a := p
        }
    }

    function entry(uint256 p) internal pure returns (Entry memory e) {
        assembly ("memory-safe") {
            e := p
        }
    }

    function ptr(Account memory a) internal pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := a
        }
    }

    function ptr(Entry memory e) internal pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := e
        }
    }

    uint256 internal constant ACCOUNT_NEXT = 0xe0;
    uint256 internal constant ENTRY_NEXT = 0xc0;
}
