// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";
import {IExchangeTypes} from "../../../contracts/interfaces/IExchangeTypes.sol";
import {IExchange} from "../../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../../contracts/test/TestToken.sol";
import {BlockingToken} from "../../../contracts/test/BlockingToken.sol";
import {MockFeed} from "../../../contracts/test/MockFeed.sol";

/// @notice What a random sequence of calls may do to the Exchange: deposits and withdrawal
///         requests (in a token that may refuse its payouts), spot and perp trades settled in
///         batches (on margin, borrowing; sometimes refused), price moves, funding updates (single,
///         and repeated within a batch), time passing (interest, stale prices), on-chain cancels,
///         backstop liquidations, risk plans, margin calls, plan orders, absorption and
///         deleveraging, and claims of deferred payouts. Every input is bounded to something a
///         real caller — or a careless or hostile sequencer — could send; refused calls are fine.
contract InvariantHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    bytes32 internal constant PLAN_TYPEHASH =
        keccak256("RiskPlan(bytes32 subaccount,uint32[] marketOrder,uint16 maxSlippageBps,uint32 graceSeconds,uint64 nonce)");
    uint32 internal constant SPOT = 1;
    uint32 internal constant PERP = 3;
    uint32 public constant BLK = 3;

    IExchange internal immutable ex;
    address internal immutable operator;
    MockFeed internal immutable feed;
    BlockingToken internal immutable blk;
    uint256[3] internal keys;
    bytes32[3] internal subs;
    uint64 internal nonce = 1;
    uint64[3] internal planNonce;
    int256 internal answer = 2000e8;
    uint32 internal marketId = SPOT;

    /// every order the handler signed or sent, to hold its fills to its amount
    IExchangeTypes.Order[] internal sent;
    /// makers with a remainder, for later takers and cancels
    IExchangeTypes.Order[] internal resting;

    /// how many calls went through, in all and by kind (to see the sequence did something)
    uint256 public settled;
    uint256 public refused;
    mapping(bytes32 kind => uint256) public done;

    constructor(IExchange ex_, address operator_, uint256[3] memory keys_, bytes32[3] memory subs_, MockFeed feed_, BlockingToken blk_) {
        ex = ex_;
        operator = operator_;
        keys = keys_;
        subs = subs_;
        feed = feed_;
        blk = blk_;
    }

    // ------------------------------------------------------------ prices, time, funding

    /// The ETH feed moves by −15% to +10% and a batch prices WETH/USDC and ETH-PERP with it.
    function movePrice(uint256 move) external {
        answer = answer * int256(850 + move % 251) / 1000;
        if (answer <= 0) answer = 1e8;
        uint80 round = feed.publish(answer, block.timestamp);
        IExchangeTypes.Batch memory b = _batch();
        b.prices = new IExchangeTypes.PriceRound[](2);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: SPOT, roundId: round});
        b.prices[1] = IExchangeTypes.PriceRound({marketId: PERP, roundId: round});
        _settle(b, "price");
    }

    /// Time passes (interest accrues; past an hour without a new round the price is stale).
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + seconds_ % 1800);
    }

    /// A funding update, sometimes past the clamp; `twice`: the same update repeated in one batch.
    function payFunding(int256 rate, bool twice) external {
        IExchangeTypes.Batch memory b = _batch();
        b.funding = new IExchangeTypes.FundingUpdate[](twice ? 2 : 1);
        for (uint256 i; i < b.funding.length; ++i) {
            b.funding[i] = IExchangeTypes.FundingUpdate({marketId: PERP, rate: int128(rate % 0.008e18)});
        }
        _settle(b, "funding");
    }

    // ------------------------------------------------------------ the queue

    /// `asset` 0–2 the fixture's tokens, 3 a token that may refuse payouts. Up to 2,000 USDC,
    /// 1 WETH, 0.1 WBTC or 100 BLK at a time: accounts stay small enough for a 3 ETH trade to
    /// lever them, and a price move to take them into margin call or bankruptcy.
    function deposit(uint256 who, uint256 asset, uint256 amount) external {
        who %= 3;
        uint32 a = uint32(asset % 4);
        TestToken t = TestToken(ex.getAsset(a).token);
        amount = 1 + amount % [uint256(2_000e6), 1e18, 0.1e8, 100e6][a];
        address owner = vm.addr(keys[who]);
        t.mint(owner, amount);
        vm.startPrank(owner);
        t.approve(address(ex), amount);
        ex.deposit(subs[who], a, amount);
        vm.stopPrank();
    }

    /// A withdrawal request; in the refusing token, half the time to an owner it has blacklisted.
    function withdraw(uint256 who, uint256 asset, uint256 amount) external {
        who %= 3;
        uint32 a = uint32(asset % 4);
        if (a == BLK && amount % 2 == 1) blk.setBlocked(vm.addr(keys[who]), true);
        amount = 1 + amount % (10 ** (ex.getAsset(a).decimals + 4));
        vm.prank(vm.addr(keys[who]));
        ex.requestWithdrawal(subs[who], a, amount);
    }

    /// The refusing token blacklists (or clears) an owner: its payouts become claims.
    function blockOwner(uint256 who, bool blocked) external {
        blk.setBlocked(vm.addr(keys[who % 3]), blocked);
    }

    /// The token lets an owner through again, and the owner claims what a refused payout left it
    /// (refused when nothing waits).
    function claimDeferred(uint256 who) external {
        address owner = vm.addr(keys[who % 3]);
        blk.setBlocked(owner, false);
        vm.prank(owner);
        try ex.claim(BLK, owner) {
            ++done["claim"];
        } catch {}
    }

    /// A liquidator queues a backstop liquidation of another account's perp (judged by the batch).
    function liquidate(uint256 liquidator, uint256 target, uint256 lots) external {
        uint256 l = liquidator % 3;
        uint256 t = (l + 1 + target % 2) % 3;
        vm.prank(vm.addr(keys[l]));
        try ex.liquidate(subs[l], subs[t], PERP, uint128(1 + lots % 5000) * 0.001e18) {
            _settle(_batch(), "liquidation");
        } catch {}
    }

    /// An empty batch: processes the queued requests.
    function processRequests() external {
        _settle(_batch(), "requests");
    }

    // ------------------------------------------------------------ trading

    /// One maker order and one taker order of up to 1 ETH on WETH/USDC or ETH-PERP, filled up to
    /// the smaller amount.
    function trade(uint256 makerSeed, uint256 takerSeed, uint256 price, uint256 makerLots, uint256 takerLots, bool takerBuys, bool perp)
        external
    {
        marketId = perp ? PERP : SPOT;
        uint256 m = makerSeed % 3;
        uint256 t = takerSeed % 3;
        if (m == t) t = (t + 1) % 3;
        _trade(m, t, _near(price), uint128(1 + makerLots % 1000) * 0.001e18, uint128(1 + takerLots % 1000) * 0.001e18, takerBuys);
    }

    function _trade(uint256 m, uint256 t, uint128 p, uint128 ma, uint128 ta, bool takerBuys) internal {
        IExchangeTypes.Order memory maker = _order(m, !takerBuys, p, ma);
        IExchangeTypes.Order memory taker = _order(t, takerBuys, p, ta);
        bool ok = _settle(_fill(_signed(m, maker), _signed(t, taker), ma < ta ? ma : ta), "trade");
        if (ok && ma > ta) resting.push(maker);
    }

    /// A price on the tick within ±40 of the index (most trades then pass the margin checks, and
    /// levered accounts are what de-risking needs); 1 to 5,000 before the first price.
    function _near(uint256 seed) internal view returns (uint128) {
        (uint256 index,) = ex.price(PERP);
        if (index == 0) return uint128(1e18 + (seed % 5000) * 1e18);
        return _offset(index, (seed % 401) * 0.1e18, seed % 2 == 0);
    }

    /// A taker levers up on ETH-PERP: as large a position as its initial health allows (a 10%
    /// shock), at the index, against a maker who may not afford it. De-risking needs such accounts.
    function lever(uint256 who, uint256 makerSeed, bool isLong) external {
        uint256 t = who % 3;
        uint256 m = (t + 1 + makerSeed % 2) % 3;
        (bool priced, int256 health) = ex.initialHealth(subs[t]);
        (uint256 index,) = ex.price(PERP);
        if (!priced || health <= 0 || index == 0) return;
        uint256 lots = uint256(health) * 1e18 / (index * 0.11e18 / 1e18) / 0.001e18;
        if (lots == 0) return;
        if (lots > 5000) lots = 5000;
        marketId = PERP;
        uint128 px = uint128(index / 0.01e18 * 0.01e18);
        uint128 amount = uint128(lots) * 0.001e18;
        IExchangeTypes.Order memory maker = _order(m, !isLong, px, amount);
        IExchangeTypes.Order memory taker = _order(t, isLong, px, amount);
        _settle(_fill(_signed(m, maker), _signed(t, taker), amount), "lever");
    }

    /// `index` moved by `off` up or down, on the tick (at least one tick).
    function _offset(uint256 index, uint256 off, bool up) internal pure returns (uint128) {
        uint256 px = index / 0.01e18 * 0.01e18;
        return uint128(up ? px + off : px > off + 0.01e18 ? px - off : 0.01e18);
    }

    /// A later taker against an order that rested (perhaps cancelled on chain since), for any amount.
    function takeResting(uint256 index, uint256 takerSeed, uint256 lots) external {
        if (resting.length == 0) return;
        IExchangeTypes.Order memory maker = resting[index % resting.length];
        uint256 t = takerSeed % 3;
        if (subs[t] == maker.subaccount) t = (t + 1) % 3;
        marketId = maker.marketId;
        IExchangeTypes.Order memory taker = _order(t, !maker.isBuy, maker.price, uint128(1 + lots % 3000) * 0.001e18);
        _settle(_fill(_signed(_who(maker.subaccount), maker), _signed(t, taker), taker.amount), "take");
    }

    function cancelResting(uint256 index) external {
        if (resting.length == 0) return;
        IExchangeTypes.Order[] memory one = new IExchangeTypes.Order[](1);
        one[0] = resting[index % resting.length];
        vm.prank(address(bytes20(one[0].subaccount)));
        ex.cancelOrders(one);
    }

    // ------------------------------------------------------------ de-risking

    /// The owner's signed plan: ETH-PERP alone, both markets, or none named.
    function setPlan(uint256 who, uint16 slippage, uint32 grace, uint8 markets) external {
        who %= 3;
        IExchangeTypes.RiskPlan memory p;
        p.subaccount = subs[who];
        p.marketOrder = new uint32[](markets % 3);
        if (p.marketOrder.length > 0) p.marketOrder[0] = PERP;
        if (p.marketOrder.length > 1) p.marketOrder[1] = SPOT;
        p.maxSlippageBps = uint16(10 + slippage % 600);
        p.graceSeconds = grace % 1200;
        p.nonce = ++planNonce[who];
        bytes32 structHash = keccak256(
            abi.encode(PLAN_TYPEHASH, p.subaccount, keccak256(abi.encodePacked(p.marketOrder)), p.maxSlippageBps, p.graceSeconds, p.nonce)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[who], keccak256(abi.encodePacked("\x19\x01", ex.domainSeparator(), structHash)));
        IExchangeTypes.Batch memory b = _batch();
        b.plans = new IExchangeTypes.SignedRiskPlan[](1);
        b.plans[0] = IExchangeTypes.SignedRiskPlan({plan: p, signature: abi.encodePacked(r, s, v)});
        _settle(b, "plan");
    }

    /// Flags (or clears) an account's margin call: refused unless its maintenance health says so.
    function flag(uint256 who) external {
        IExchangeTypes.Batch memory b = _batch();
        b.marginCalls = new bytes32[](1);
        b.marginCalls[0] = _any(who);
        _settle(b, "flag");
    }

    /// A plan order (unsigned, IOC, reduce-only) for the account's ETH-PERP position, against a
    /// signed order of another account, `ticks` from the index either way.
    function planStep(uint256 who, uint256 makerSeed, uint256 lots, uint256 ticks) external {
        who %= 3;
        int256 size = ex.positionOf(subs[who], PERP).size;
        if (size == 0) return;
        uint256 m = (who + 1 + makerSeed % 2) % 3;
        // up to 30 from the index either way: within or past the plan's slippage
        (uint256 index,) = ex.price(PERP);
        uint128 px = _offset(index, (ticks % 301) * 0.1e18, ticks % 2 == 0);
        uint128 amount = uint128(1 + lots % 3000) * 0.001e18;
        marketId = PERP;
        IExchangeTypes.Order memory plan = IExchangeTypes.Order({
            subaccount: subs[who],
            marketId: PERP,
            isBuy: size < 0,
            price: px,
            amount: amount,
            nonce: 0,
            expiry: 0,
            flags: 5, // IOC, reduce-only
            clientId: 0
        });
        IExchangeTypes.Order memory maker = _order(m, size > 0, px, amount);
        _settle(_fill(_signed(m, maker), IExchangeTypes.SignedOrder({order: plan, signature: ""}), amount), "planStep");
    }

    /// The insurance fund absorbs an account (refused unless bankrupt with nothing but debt left).
    function absorb(uint256 who) external {
        IExchangeTypes.Batch memory b = _batch();
        b.absorbs = new bytes32[](1);
        b.absorbs[0] = subs[who % 3];
        _settle(b, "absorb");
    }

    /// Deleverages an account's perp against one or two named counterparties, in either order.
    function deleverage(uint256 who, uint256 first, bool two) external {
        who %= 3;
        uint256 a = (who + 1 + first % 2) % 3;
        IExchangeTypes.Batch memory b = _batch();
        b.deleverages = new IExchangeTypes.Deleverage[](1);
        b.deleverages[0].subaccount = subs[who];
        b.deleverages[0].marketId = PERP;
        b.deleverages[0].counterparties = new bytes32[](two ? 2 : 1);
        b.deleverages[0].counterparties[0] = subs[a];
        if (two) b.deleverages[0].counterparties[1] = subs[3 - who - a];
        _settle(b, "deleverage");
    }

    // ------------------------------------------------------------ views for the invariants

    function sentCount() external view returns (uint256) {
        return sent.length;
    }

    function sentAt(uint256 i) external view returns (IExchangeTypes.Order memory) {
        return sent[i];
    }

    function restingCount() external view returns (uint256) {
        return resting.length;
    }

    function restingAt(uint256 i) external view returns (IExchangeTypes.Order memory) {
        return resting[i];
    }

    // ------------------------------------------------------------ internals

    function _order(uint256 who, bool isBuy, uint128 price, uint128 amount) internal returns (IExchangeTypes.Order memory o) {
        o = IExchangeTypes.Order({
            subaccount: subs[who],
            marketId: marketId,
            isBuy: isBuy,
            price: price,
            amount: amount,
            nonce: nonce,
            expiry: 0,
            flags: 0,
            clientId: 0
        });
        ++nonce;
        sent.push(o);
    }

    function _who(bytes32 subaccount) internal view returns (uint256 i) {
        while (subs[i] != subaccount) ++i;
    }

    /// One of the three traders, or (one time in four) the insurance fund itself.
    function _any(uint256 seed) internal view returns (bytes32) {
        return seed % 4 == 3 ? ex.insuranceSubaccount() : subs[seed % 3];
    }

    function _batch() internal view returns (IExchangeTypes.Batch memory b) {
        b.batchId = ex.lastBatchId() + 1;
        b.timestamp = uint64(block.timestamp);
        b.requestCursor = ex.requestCount();
        b.stateHash = keccak256(abi.encode(b.batchId));
    }

    /// A batch of two orders, the maker first, and one fill between them.
    function _fill(IExchangeTypes.SignedOrder memory maker, IExchangeTypes.SignedOrder memory taker, uint128 amount)
        internal
        view
        returns (IExchangeTypes.Batch memory b)
    {
        b = _batch();
        b.orders = new IExchangeTypes.SignedOrder[](2);
        (b.orders[0], b.orders[1]) = (maker, taker);
        b.fills = new IExchangeTypes.Fill[](1);
        b.fills[0] = IExchangeTypes.Fill({maker: 0, taker: 1, amount: amount});
    }

    function _signed(uint256 who, IExchangeTypes.Order memory o) internal view returns (IExchangeTypes.SignedOrder memory) {
        return IExchangeTypes.SignedOrder({order: o, signature: _sign(keys[who], o)});
    }

    function _sign(uint256 key, IExchangeTypes.Order memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, ex.orderHash(o));
        return abi.encodePacked(r, s, v);
    }

    function _settle(IExchangeTypes.Batch memory b, bytes32 kind) internal returns (bool ok) {
        vm.prank(operator);
        try ex.settleBatch(b) {
            ++settled;
            ++done[kind];
            ok = true;
        } catch {
            ++refused; // under margin, a stale price, an overfill, a bad step: the batch is refused whole, nothing moves
        }
    }
}
