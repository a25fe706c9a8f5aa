// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Exchange} from "../../contracts/Exchange.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";
import {MockFeed} from "../../contracts/test/MockFeed.sol";
import {PerpMath} from "../../contracts/lib/PerpMath.sol";

/// @notice What a random sequence of calls may do to the Exchange: deposits, withdrawal requests,
///         spot and perp trades settled in batches (on margin, borrowing; sometimes refused),
///         price moves, funding updates, time passing (interest, stale prices) and on-chain
///         cancels. Every input is bounded to something a real caller could send; refused calls
///         are fine.
contract Handler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    IExchange internal immutable ex;
    address internal immutable operator;
    uint256[3] internal keys;
    bytes32[3] internal subs;
    uint64 internal nonce = 1;
    IExchangeTypes.Order[] internal resting;

    /// how many calls of each kind went through (to see the sequence did something)
    uint256 public settled;
    uint256 public refused;

    MockFeed internal immutable feed;
    int256 internal answer = 2000e8;
    uint32 internal constant PERP = 3;

    constructor(IExchange ex_, address operator_, uint256[3] memory keys_, bytes32[3] memory subs_, MockFeed feed_) {
        ex = ex_;
        operator = operator_;
        keys = keys_;
        subs = subs_;
        feed = feed_;
    }

    /// The ETH feed moves by up to ±10% and a batch prices WETH/USDC and ETH-PERP with it.
    function movePrice(uint256 move) external {
        answer = answer * int256(900 + move % 201) / 1000;
        if (answer <= 0) answer = 1e8;
        uint80 round = feed.publish(answer, block.timestamp);
        IExchangeTypes.Batch memory b = _batch();
        b.prices = new IExchangeTypes.PriceRound[](2);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: 1, roundId: round});
        b.prices[1] = IExchangeTypes.PriceRound({marketId: PERP, roundId: round});
        _settle(b);
    }

    /// Time passes (interest accrues; past an hour the price is stale).
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + seconds_ % 7200);
    }

    /// A funding update, sometimes past the clamp.
    function payFunding(int256 rate) external {
        IExchangeTypes.Batch memory b = _batch();
        b.funding = new IExchangeTypes.FundingUpdate[](1);
        b.funding[0] = IExchangeTypes.FundingUpdate({marketId: PERP, rate: int128(rate % 0.02e18)});
        _settle(b);
    }

    function restingCount() external view returns (uint256) {
        return resting.length;
    }

    function restingAt(uint256 i) external view returns (IExchangeTypes.Order memory) {
        return resting[i];
    }

    function deposit(uint256 who, uint256 asset, uint256 amount) external {
        who %= 3;
        uint32 a = uint32(asset % 3);
        TestToken t = TestToken(ex.getAsset(a).token);
        amount = 1 + amount % (10 ** (ex.getAsset(a).decimals + 4));
        address owner = vm.addr(keys[who]);
        t.mint(owner, amount);
        vm.startPrank(owner);
        t.approve(address(ex), amount);
        ex.deposit(subs[who], a, amount);
        vm.stopPrank();
    }

    function withdraw(uint256 who, uint256 asset, uint256 amount) external {
        who %= 3;
        uint32 a = uint32(asset % 3);
        amount = 1 + amount % (10 ** (ex.getAsset(a).decimals + 4));
        vm.prank(vm.addr(keys[who]));
        ex.requestWithdrawal(subs[who], a, amount);
    }

    /// One maker order and one taker order on WETH/USDC or ETH-PERP, filled up to the smaller amount.
    function trade(uint256 makerSeed, uint256 takerSeed, uint256 price, uint256 makerLots, uint256 takerLots, bool takerBuys, bool perp)
        external
    {
        marketId = perp ? PERP : 1;
        uint256 m = makerSeed % 3;
        uint256 t = takerSeed % 3;
        if (m == t) t = (t + 1) % 3;
        uint128 p = uint128(1e18 + (price % 5000) * 1e18 + (price % 100) * 0.01e18);
        uint128 ma = uint128(1 + makerLots % 3000) * 0.001e18;
        uint128 ta = uint128(1 + takerLots % 3000) * 0.001e18;
        IExchangeTypes.Order memory maker = _order(m, !takerBuys, p, ma);
        IExchangeTypes.Order memory taker = _order(t, takerBuys, p, ta);
        IExchangeTypes.Batch memory b = _batch();
        b.orders = new IExchangeTypes.SignedOrder[](2);
        b.orders[0] = IExchangeTypes.SignedOrder({order: maker, signature: _sign(keys[m], maker)});
        b.orders[1] = IExchangeTypes.SignedOrder({order: taker, signature: _sign(keys[t], taker)});
        b.fills = new IExchangeTypes.Fill[](1);
        b.fills[0] = IExchangeTypes.Fill({maker: 0, taker: 1, amount: ma < ta ? ma : ta});
        _settle(b);
        if (ma > ta) resting.push(maker);
    }

    /// A later taker against an order that rested (perhaps cancelled on chain since).
    function takeResting(uint256 index, uint256 takerSeed, uint256 lots) external {
        if (resting.length == 0) return;
        IExchangeTypes.Order memory maker = resting[index % resting.length];
        uint256 t = takerSeed % 3;
        if (subs[t] == maker.subaccount) t = (t + 1) % 3;
        marketId = maker.marketId;
        IExchangeTypes.Order memory taker = _order(t, !maker.isBuy, maker.price, uint128(1 + lots % 3000) * 0.001e18);
        uint256 m;
        for (uint256 i; i < 3; ++i) if (subs[i] == maker.subaccount) m = i;
        IExchangeTypes.Batch memory b = _batch();
        b.orders = new IExchangeTypes.SignedOrder[](2);
        b.orders[0] = IExchangeTypes.SignedOrder({order: maker, signature: _sign(keys[m], maker)});
        b.orders[1] = IExchangeTypes.SignedOrder({order: taker, signature: _sign(keys[t], taker)});
        b.fills = new IExchangeTypes.Fill[](1);
        b.fills[0] = IExchangeTypes.Fill({maker: 0, taker: 1, amount: taker.amount});
        _settle(b);
    }

    function cancelResting(uint256 index) external {
        if (resting.length == 0) return;
        IExchangeTypes.Order[] memory one = new IExchangeTypes.Order[](1);
        one[0] = resting[index % resting.length];
        vm.prank(address(bytes20(one[0].subaccount)));
        ex.cancelOrders(one);
    }

    /// An empty batch: processes the queued requests.
    function processRequests() external {
        _settle(_batch());
    }

    uint32 internal marketId = 1;

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
    }

    function _batch() internal view returns (IExchangeTypes.Batch memory b) {
        b.batchId = ex.lastBatchId() + 1;
        b.timestamp = uint64(block.timestamp);
        b.requestCursor = ex.requestCount();
        b.stateHash = keccak256(abi.encode(b.batchId));
        b.prices = new IExchangeTypes.PriceRound[](0);
        b.funding = new IExchangeTypes.FundingUpdate[](0);
        b.orders = new IExchangeTypes.SignedOrder[](0);
        b.fills = new IExchangeTypes.Fill[](0);
    }

    function _sign(uint256 key, IExchangeTypes.Order memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, ex.orderHash(o));
        return abi.encodePacked(r, s, v);
    }

    function _settle(IExchangeTypes.Batch memory b) internal {
        vm.prank(operator);
        try ex.settleBatch(b) {
            ++settled;
        } catch {
            ++refused; // under margin, a stale price or an overfill: the batch is refused whole, nothing moves
        }
    }
}

/// @notice Conservation after every call of a random sequence (DESIGN §10): for each token, the
///         Exchange holds at least what every account can claim — balances (a loan counts
///         against its borrower), the fee and insurance funds, and for the quote token every
///         position's vQuote less the funding it owes (sizes sum to zero, so that is the
///         positions' value at any price).
contract InvariantsTest is Fixture {
    Handler internal handler;
    uint32 internal constant ETH_PERP = 3;

    function setUp() public override {
        super.setUp();
        IExchangeTypes.Market memory perp = market(WETH, 0.01e18, 0.001e18, ETH_MAKER_FEE, ETH_TAKER_FEE, "ETH-PERP");
        perp.kind = IExchangeTypes.MarketKind.Perp;
        ex.listMarket(ETH_PERP, perp);
        MockFeed feed = new MockFeed(8, "ETH / USD");
        IExchangeTypes.FeedConfig memory fc = IExchangeTypes.FeedConfig({aggregator: address(feed), maxStaleness: 3600, maxRoundLag: 5});
        ex.setPriceFeed(ETH_USDC, fc);
        ex.setPriceFeed(ETH_PERP, fc);
        ex.setMarketRisk(ETH_PERP, IExchangeTypes.MarketRisk({riskGroup: 1, concIM: 0.05e18, concThreshold: 100_000e18, maxFundingRate: 0.005e18, concMM: 0.025e18}));
        ex.setAssetRisk(WETH, 1, ETH_USDC);
        ex.setRiskGroup(1, 0.1e18, 0.02e18, 0.05e18, 0.01e18);
        ex.setPnlWeight(0.5e18);
        IExchangeTypes.Curve memory curve = IExchangeTypes.Curve({baseRate: 0.02e18, slope1: 0.1e18, slope2: 1e18, kink: 0.8e18, reserveFactor: 0.1e18});
        ex.setLendingCurve(USDC, curve);
        ex.setLendingCurve(WETH, curve);
        uint256[3] memory keys = [alicePk, bobPk, carolPk];
        bytes32[3] memory subs = [aliceSub, bobSub, carolSub];
        handler = new Handler(ex, operator, keys, subs, feed);
        handler.movePrice(100); // the first price: 2,000
    }

    /// Only the handler's functions are called (forge reads this list).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_TokensCoverEveryClaim() public view {
        bytes32[5] memory all = [aliceSub, bobSub, carolSub, feeSub, insuranceSub];
        int256 cum = ex.cumFunding(ETH_PERP);
        for (uint32 a; a < ex.assetCount(); ++a) {
            int256 claims;
            for (uint256 i; i < all.length; ++i) {
                claims += bal(all[i], a);
                if (a == USDC) {
                    IExchange.Position memory p = ex.positionOf(all[i], ETH_PERP);
                    claims += p.vQuote - PerpMath.fundingOwed(p.size, p.lastCumFunding, cum);
                }
            }
            uint256 scale = 10 ** (18 - uint256(ex.getAsset(a).decimals));
            assertGe(int256(token(a).balanceOf(address(ex)) * scale), claims, "the tokens cover every claim");
        }
    }

    function invariant_NoOrderFilledPastItsAmount() public view {
        for (uint256 i; i < handler.restingCount(); ++i) {
            IExchangeTypes.Order memory o = handler.restingAt(i);
            assertTrue(ex.filled(ex.orderHash(o)) <= o.amount, "filled within the amount");
        }
    }

    /// The handler's calls reach settlement (so the invariants above judge real trades).
    function test_TheHandlerTradesForReal() public {
        handler.deposit(0, 0, 5_000e6 - 1); // alice: 5,000 USDC
        handler.deposit(1, 1, 2e18 - 1); // bob: 2 WETH
        handler.processRequests();
        handler.trade(1, 0, 1000, 999, 499, true, false); // alice (taker) buys 0.5 WETH at 1,001 from bob's 1 WETH ask
        assertEq(handler.settled(), 3, "the batches settled (the first price's too)");
        assertEq(bal(aliceSub, WETH), 0.5e18, "alice received WETH");
        assertEq(handler.restingCount(), 1, "bob's remainder rests");
        handler.cancelResting(0);
        handler.takeResting(0, 0, 100);
        assertEq(handler.refused(), 1, "a cancelled order cannot be taken");
        // a perp position on margin, and a loan by buying past a balance
        handler.trade(0, 1, 1999, 999, 999, true, true); // bob buys 1 ETH-PERP at 2,000 from alice
        assertEq(ex.positionOf(bobSub, ETH_PERP).size, 1e18, "bob long");
        handler.deposit(1, 1, 5e18 - 1); // bob: 5 WETH more
        handler.processRequests();
        handler.trade(1, 0, 1999, 2999, 2999, true, false); // alice buys 3 WETH at 2,000.99: more USDC than she holds
        assertLt(bal(aliceSub, USDC), 0, "a loan");
        handler.warp(3600);
        handler.payFunding(1e18);
        handler.movePrice(150);
        assertEq(handler.refused(), 1, "all settled");
        invariant_TokensCoverEveryClaim();
    }
}
