// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LendingMath} from "../lib/LendingMath.sol";
import {MathX18} from "../lib/MathX18.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title Frozen mode (spec/contracts.md): when the operators stop or censor, every account leaves on
///        its own, with no operator.
/// @notice Anyone may freeze the Exchange once the oldest queued request has waited longer than
///         `forceDelay`, or no batch has landed for `forceDelay`. A freeze is for good: no batch
///         settles and no admin change is made again; each market's price is fixed at its feed's
///         latest valid round (else the last batch's price). Then, for each account:
///
///         1. its perp positions close at the freeze prices (what they owe in funding included),
///            the result moving into its quote balance;
///         2. its loans are repaid from its collateral at the freeze prices: every asset it holds
///            is cut by the same fraction, (collateral − debt) / collateral, in value — an
///            account whose debt is worth its collateral or more (bankrupt) claims nothing;
///         3. what is left is its claim, per token, in token units (rounded down).
///
///         Accounts register their claims (`exitFrozen`, by anyone for anyone: the tokens go to
///         the owner) during the claim window. After it, each registered claim is paid: in kind
///         where the vault holds enough of the token for every registered claim on it; otherwise
///         each claimant gets the same share of what the vault holds (held / claimed), and the
///         value it is short of is paid from the tokens the vault holds beyond their claims (the
///         collateral borrowers left behind), in proportion, at the freeze prices — never more
///         than the value short. The insurance fund claims last: after a second window it takes
///         whatever no claim reserves (its own equity less the deficits it absorbed, and the
///         rounding). A claim registered after the window is paid in kind from that remainder,
///         first come first served, while it lasts. Deposits no batch credited go back to their
///         depositors (`reclaimDeposit`), and payouts a token refused stay claimable (`claim`).
///
///         Nobody takes more than its equity at the freeze prices: a claim is worth at most the
///         account's equity, and a payout at most its claim.
abstract contract Escape is ExchangeStorage, ReentrancyGuardTransient {
    /// A feed's latest round is read with this much gas and at most five words of answer.
    uint256 private constant FEED_GAS = 200_000;

    // ------------------------------------------------------------ freezing

    /// True when anyone may freeze: the queue's head has waited longer than forceDelay, or no
    /// batch has landed for forceDelay.
    function stalled() public view returns (bool) {
        uint256 t = block.timestamp;
        if (t > uint256(_lastSettledAt) + _forceDelay) return true;
        Progress memory p = _progress;
        return p.processedRequests < p.requestCount && t > uint256(_requests[p.processedRequests].queuedAt) + _forceDelay;
    }

    function freeze() external nonReentrant {
        if (_frozenAt != 0) revert Frozen();
        if (!stalled()) revert NotStalled();
        _frozenAt = uint64(block.timestamp);
        uint32[] storage ids = _marketIds;
        for (uint256 i; i < ids.length; ++i) {
            uint32 marketId = ids[i];
            uint256 px = _lastValidPrice(marketId);
            _freezePrices[marketId] = px;
            emit FreezePrice(marketId, px);
        }
        emit ExchangeFrozen(uint64(block.timestamp));
    }

    /// The feed's latest round if it is valid (positive, not in the future, not older than the
    /// price a batch last used), else the last batch's price. A feed that reverts, burns its gas
    /// or answers garbage falls back too: no feed can block the escape hatch.
    function _lastValidPrice(uint32 marketId) private view returns (uint256 px) {
        MarketPrice storage last = _prices[marketId];
        px = last.price;
        PriceFeeds.Feed memory f = _feeds[marketId];
        if (address(f.aggregator) == address(0)) return px;
        bytes4 selector = f.aggregator.latestRoundData.selector;
        address feed = address(f.aggregator);
        bool ok;
        int256 answer;
        uint256 updatedAt;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            ok := staticcall(FEED_GAS, feed, ptr, 4, ptr, 0xa0)
            ok := and(ok, gt(returndatasize(), 0x9f))
            answer := mload(add(ptr, 0x20))
            updatedAt := mload(add(ptr, 0x60))
        }
        if (!ok || answer <= 0 || updatedAt > block.timestamp || updatedAt < last.publishedAt) return px;
        uint256 n = PriceFeeds.normalize(uint256(answer), f.decimals);
        if (n <= type(uint128).max) px = n;
    }

    // ------------------------------------------------------------ exits

    /// Registers the account's claim (within the window: with the others; after it: late), and
    /// once the window is over, pays it to the account's owner. Anyone may call it for anyone.
    /// Returns what was paid, per asset (empty while the window runs).
    function exitFrozen(bytes32 subaccount) external nonReentrant returns (uint256[] memory paid) {
        uint64 frozen = _frozenAt;
        if (frozen == 0) revert NotFrozen();
        if (subaccount == _insuranceSubaccount) revert NotOwner(); // the fund takes the residual
        uint8 state = _exitState[subaccount];
        if (state == EXIT_PAID) revert AlreadyExited();
        bool windowOver = block.timestamp >= uint256(frozen) + _claimWindow;
        if (state == EXIT_NONE) state = _register(subaccount, windowOver);
        if (!windowOver) return paid;
        _fixPayouts();
        paid = state == EXIT_SENIOR ? _seniorPayout(subaccount) : _latePayout(subaccount);
        _exitState[subaccount] = EXIT_PAID;
        if (state == EXIT_SENIOR && --_seniorsUnpaid == 0) {
            // every senior is paid: their rounding is nobody's, it joins the residual
            for (uint32 a; a < paid.length; ++a) _payouts[a].reserved = 0;
        }
        address owner = OrderLib.owner(subaccount);
        for (uint32 a; a < paid.length; ++a) _payOrDefer(owner, a, paid[a]);
        emit ExitPaid(subaccount, owner, paid);
    }

    function _register(bytes32 subaccount, bool late) private returns (uint8 state) {
        (uint256[] memory claim, int256 equity) = _claimOf(subaccount);
        state = late ? EXIT_LATE : EXIT_SENIOR;
        _exitState[subaccount] = state;
        for (uint32 a; a < claim.length; ++a) {
            if (claim[a] == 0) continue;
            _exitClaims[subaccount][a] = claim[a];
            if (!late) _seniorClaims[a] += claim[a];
        }
        if (!late) ++_seniorsUnpaid;
        emit ExitRegistered(subaccount, equity, late);
    }

    /// The account's claim per asset (token units) and its equity at the freeze prices (X18).
    function _claimOf(bytes32 subaccount) internal view returns (uint256[] memory claim, int256 equity) {
        uint256 n = _assets.length;
        int256[] memory balances = new int256[](n);
        uint256 header = _headers[subaccount];
        uint256 held = (header >> HELD_SHIFT) & MASK64;
        for (uint32 a; held >> a != 0; ++a) {
            if ((held >> a) & 1 == 0) continue;
            AssetState storage s = _assetState[a];
            LendingMath.Pool memory p;
            p.supplyIndex = s.supplyIndex;
            p.borrowIndex = s.borrowIndex;
            balances[a] = LendingMath.balanceOf(_balances[subaccount][a], p);
        }
        // 1. perps close at the freeze prices, into the quote balance (asset 0)
        uint256 perps = header >> PERPS_SHIFT;
        for (uint256 k; perps >> k != 0; ++k) {
            if ((perps >> k) & 1 == 0) continue;
            uint32 marketId = _perpMarkets[k];
            StoredPosition storage pos = _positions[subaccount][marketId];
            int256 size = pos.size;
            balances[0] += pos.vQuote - PerpMath.fundingOwed(size, pos.lastCumFunding, _cumFunding[marketId])
                + PerpMath.mulDivFloor(size, int256(_freezePrices[marketId]), int256(ONE));
        }
        // 2. loans against collateral, at the freeze prices
        uint256 collateral;
        uint256 debt;
        bool unpricedDebt;
        for (uint32 a; a < n; ++a) {
            int256 b = balances[a];
            if (b == 0) continue;
            uint256 px = _assetPrice(a);
            if (b > 0) {
                collateral += Math.mulDiv(uint256(b), px, ONE);
            } else if (px == 0) {
                unpricedDebt = true;
            } else {
                debt += Math.mulDiv(uint256(-b), px, ONE, Math.Rounding.Ceil);
            }
        }
        equity = int256(collateral) - int256(debt);
        claim = new uint256[](n);
        if (unpricedDebt || collateral <= debt) return (claim, equity);
        // 3. what is left, every holding cut by the same fraction, in token units
        for (uint32 a; a < n; ++a) {
            int256 b = balances[a];
            if (b <= 0) continue;
            uint256 x18 = _assetPrice(a) == 0 ? uint256(b) : Math.mulDiv(uint256(b), collateral - debt, collateral);
            claim[a] = x18 / MathX18.scale(_assets[a].decimals);
        }
    }

    /// An asset's freeze price per whole unit, X18: 1 for the quote asset, 0 without a price.
    function _assetPrice(uint32 assetId) private view returns (uint256) {
        if (assetId == 0) return ONE;
        uint32 market = _assetState[assetId].priceMarketId;
        return market == 0 ? 0 : _freezePrices[market];
    }

    /// The value of `units` of the asset at the freeze price, X18 quote (rounded down).
    function _value(uint32 assetId, uint256 units) private view returns (uint256) {
        return Math.mulDiv(units * MathX18.scale(_assets[assetId].decimals), _assetPrice(assetId), ONE);
    }

    /// The tokens of the asset the vault holds for the accounts: its balance less deposits no
    /// batch credited and payouts left claimable.
    function _vault(uint32 assetId) private view returns (uint256) {
        Asset storage asset = _assets[assetId];
        uint256 pending = (_depositsQueued[assetId] - _depositsCredited[assetId]) / MathX18.scale(asset.decimals);
        uint256 bal = _balanceOfToken(asset.token);
        uint256 owed = pending + _claimableTotal[assetId];
        return bal > owed ? bal - owed : 0;
    }

    function _balanceOfToken(address token) private view returns (uint256 bal) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("balanceOf(address)", address(this)));
        if (ok && data.length >= 32) bal = abi.decode(data, (uint256));
    }

    /// Fixes each asset's payout table at the first payout after the window.
    function _fixPayouts() private {
        if (_payoutsFixed) return;
        _payoutsFixed = true;
        uint256 n = _assets.length;
        uint256 shortValue;
        uint256 surplusValue;
        for (uint32 a; a < n; ++a) {
            AssetPayout memory p;
            p.held = _vault(a);
            p.claimed = _seniorClaims[a];
            if (p.claimed > p.held) {
                p.shortValue = _value(a, p.claimed - p.held);
                p.reserved = p.held;
            } else {
                p.reserved = p.claimed;
                // a surplus without a price has no value to share; it stays for the residual
                if (_assetPrice(a) != 0) p.surplus = p.held - p.claimed;
            }
            shortValue += p.shortValue;
            surplusValue += _value(a, p.surplus);
            _payouts[a] = p;
        }
        _shortValue = shortValue;
        _surplusValue = surplusValue;
        if (shortValue == 0) return;
        uint256 denominator = shortValue > surplusValue ? shortValue : surplusValue;
        for (uint32 a; a < n; ++a) {
            AssetPayout storage p = _payouts[a];
            if (p.surplus != 0) p.reserved += Math.mulDiv(shortValue, p.surplus, denominator);
        }
    }

    /// A senior claim: in kind at the asset's share held / claimed (all of it when the vault
    /// holds enough), and the value short of that from the surplus tokens, in proportion.
    function _seniorPayout(bytes32 subaccount) private returns (uint256[] memory out) {
        uint256 n = _assets.length;
        out = new uint256[](n);
        uint256 short;
        for (uint32 a; a < n; ++a) {
            uint256 c = _exitClaims[subaccount][a];
            if (c == 0) continue;
            AssetPayout storage p = _payouts[a];
            if (p.claimed <= p.held) {
                out[a] = c;
            } else {
                out[a] = Math.mulDiv(c, p.held, p.claimed);
                short += Math.mulDiv(c, p.shortValue, p.claimed);
            }
        }
        if (short != 0) {
            uint256 denominator = _shortValue > _surplusValue ? _shortValue : _surplusValue;
            for (uint32 a; a < n; ++a) {
                uint256 surplus = _payouts[a].surplus;
                if (surplus != 0) out[a] += Math.mulDiv(short, surplus, denominator);
            }
        }
        for (uint32 a; a < n; ++a) {
            if (out[a] != 0) _payouts[a].reserved -= out[a];
        }
    }

    /// A late claim: in kind, from what no senior claim reserves, while it lasts.
    function _latePayout(bytes32 subaccount) private view returns (uint256[] memory out) {
        uint256 n = _assets.length;
        out = new uint256[](n);
        for (uint32 a; a < n; ++a) {
            uint256 c = _exitClaims[subaccount][a];
            if (c == 0) continue;
            uint256 free = _unreserved(a);
            out[a] = c < free ? c : free;
        }
    }

    function _unreserved(uint32 assetId) private view returns (uint256) {
        uint256 held = _vault(assetId);
        uint256 reserved = _payouts[assetId].reserved;
        return held > reserved ? held - reserved : 0;
    }

    /// After a second claim window, the insurance fund's owner takes what no claim reserves.
    function takeResidual() external nonReentrant returns (uint256[] memory amounts) {
        uint64 frozen = _frozenAt;
        if (frozen == 0) revert NotFrozen();
        if (block.timestamp < uint256(frozen) + 2 * uint256(_claimWindow)) revert TooEarly();
        _fixPayouts();
        uint256 n = _assets.length;
        amounts = new uint256[](n);
        address owner = OrderLib.owner(_insuranceSubaccount);
        for (uint32 a; a < n; ++a) {
            amounts[a] = _unreserved(a);
            _payOrDefer(owner, a, amounts[a]);
        }
        emit ResidualTaken(owner, amounts);
    }

    /// In frozen mode, a deposit no batch credited goes back to its subaccount's owner.
    function reclaimDeposit(uint64 requestId) external nonReentrant {
        if (_frozenAt == 0) revert NotFrozen();
        StoredRequest storage r = _requests[requestId];
        if (
            requestId < _progress.processedRequests || requestId >= _progress.requestCount || r.kind != RequestKind.Deposit
                || _reclaimed[requestId]
        ) revert InvalidParams();
        _reclaimed[requestId] = true;
        uint32 assetId = r.assetId;
        _depositsCredited[assetId] += r.amount;
        uint256 units = uint256(r.amount) / MathX18.scale(_assets[assetId].decimals);
        _payOrDefer(OrderLib.owner(r.subaccount), assetId, units);
        emit DepositReclaimed(requestId, r.subaccount, assetId, units);
    }

    // ------------------------------------------------------------ views

    function freezePrice(uint32 marketId) external view returns (uint256) {
        return _freezePrices[marketId];
    }

    function depositReclaimed(uint64 requestId) external view returns (bool) {
        return _reclaimed[requestId];
    }

    /// 0: not registered, 1: registered within the window, 2: after it, 3: paid.
    function exitState(bytes32 subaccount) external view returns (uint8) {
        return _exitState[subaccount];
    }

    /// The account's claim per asset (token units): the registered one, or what it would
    /// register now (with its equity at the freeze prices).
    function exitClaim(bytes32 subaccount) external view returns (uint256[] memory claim, int256 equity) {
        if (_frozenAt == 0) revert NotFrozen();
        if (_exitState[subaccount] == EXIT_NONE) return _claimOf(subaccount);
        claim = new uint256[](_assets.length);
        for (uint32 a; a < claim.length; ++a) claim[a] = _exitClaims[subaccount][a];
        (, equity) = _claimOf(subaccount);
    }
}
