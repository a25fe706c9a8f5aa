// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Fixture} from "./utils/Fixture.sol";
import {InvariantHandler} from "./utils/InvariantHandler.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {BlockingToken} from "../../contracts/test/BlockingToken.sol";
import {MockFeed} from "../../contracts/test/MockFeed.sol";
import {PerpMath} from "../../contracts/lib/PerpMath.sol";

/// @notice The market, feeds, lending, a refusing token and the handler the invariant suite and
///         the handler's own tests share; each invariant as a check.
abstract contract InvariantSetup is Fixture {
    InvariantHandler internal handler;
    BlockingToken internal blk;
    uint32 internal constant ETH_PERP = 3;
    uint32 internal constant BLK = 3;
    /// rounding: a wei per account and asset, and some
    int256 internal constant DUST = 100;

    function setUp() public virtual override {
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
        blk = new BlockingToken(6);
        ex.listAsset(address(blk), "BLK");
        uint256[3] memory keys = [alicePk, bobPk, carolPk];
        bytes32[3] memory subs = [aliceSub, bobSub, carolSub];
        handler = new InvariantHandler(ex, operator, keys, subs, feed, blk);
        fund(bob, insuranceSub, USDC, 300e6); // a small fund: sometimes it covers a deficit, sometimes not
        handler.movePrice(150); // the first price: 2,000
    }

    function accounts() internal view returns (bytes32[5] memory) {
        return [aliceSub, bobSub, carolSub, feeSub, insuranceSub];
    }

    /// The owners of those accounts (the fee and insurance subaccounts share one).
    function owners() internal view returns (address[4] memory) {
        return [alice, bob, carol, vm.addr(feePk)];
    }

    function scale(uint32 a) internal view returns (uint256) {
        return 10 ** (18 - uint256(ex.getAsset(a).decimals));
    }

    function held(uint32 a) internal view returns (uint256) {
        return BlockingToken(ex.getAsset(a).token).balanceOf(address(ex));
    }

    function checkTokensCoverEveryClaim() internal view {
        bytes32[5] memory all = accounts();
        address[4] memory who = owners();
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
            for (uint256 i; i < who.length; ++i) claims += int256(ex.claimable(who[i], a) * scale(a));
            assertGe(int256(held(a) * scale(a)), claims, "the tokens cover every claim");
        }
    }

    function checkPositionsNetToZero() internal view {
        bytes32[5] memory all = accounts();
        int256 net;
        for (uint256 i; i < all.length; ++i) net += ex.positionOf(all[i], ETH_PERP).size;
        assertEq(net, 0, "every long has its short");
    }

    function checkNoOrderFilledPastItsAmount() internal view {
        for (uint256 i; i < handler.sentCount(); ++i) {
            IExchangeTypes.Order memory o = handler.sentAt(i);
            assertTrue(ex.filled(ex.orderHash(o)) <= o.amount, "filled within the amount");
        }
    }

    function checkEveryDebtIsBackedOrVisibleBadDebt() internal view {
        (uint256 ethPrice,) = ex.price(ETH_USDC);
        // the vault's tokens at the index prices (WBTC and BLK have none: worth nothing to either side)
        int256 vault = int256(held(USDC) * scale(USDC) + held(WETH) * ethPrice / 1e18);
        int256 owed;
        int256 badDebt;
        bytes32[5] memory all = accounts();
        for (uint256 i; i < all.length; ++i) {
            (bool priced, int256 equity,) = ex.maintenance(all[i]);
            assertTrue(priced, "every account has a price for what it owes");
            if (equity >= 0) owed += equity;
            else badDebt -= equity;
        }
        assertGe(vault + badDebt + DUST, owed, "what is owed is in the vault, or shows as bad debt");
    }

    /// The operators vanish: anyone freezes, every account leaves.
    function checkEveryoneExits() internal {
        vm.warp(block.timestamp + ex.forceDelay() + 1);
        ex.freeze();
        bytes32[5] memory all = accounts();
        int256[4] memory equity;
        for (uint256 i; i < 4; ++i) {
            (, equity[i]) = ex.exitClaim(all[i]);
            ex.exitFrozen(all[i]); // registers; never reverts
        }
        vm.warp(block.timestamp + ex.claimWindow());
        uint256 ethPrice = ex.freezePrice(ETH_USDC);
        for (uint256 i; i < 4; ++i) {
            uint256[] memory paid = ex.exitFrozen(all[i]); // pays, to the owner or as a claim
            int256 value = int256(paid[USDC] * scale(USDC) + paid[WETH] * ethPrice / 1e18);
            assertGe(equity[i] > 0 ? equity[i] : int256(0), value, "no account takes more than its equity");
        }
        vm.warp(block.timestamp + ex.claimWindow());
        ex.takeResidual();
        address[4] memory who = owners();
        for (uint32 a; a < ex.assetCount(); ++a) {
            uint256 claimable;
            for (uint256 i; i < who.length; ++i) claimable += ex.claimable(who[i], a);
            assertGe(held(a), claimable, "the vault still holds every refused payout");
        }
    }
}

/// @notice What holds after every call of a random sequence (spec/contracts.md), and at its end:
///
///         - conservation: for each token, the Exchange holds at least what every account can
///           claim — balances (a loan counts against its borrower), the fee and insurance funds,
///           payouts left claimable, and for the quote token every position's vQuote less the
///           funding it owes (sizes sum to zero, so that is the positions' value at any price);
///         - no order is filled past its amount;
///         - every debt is backed: what the accounts with positive equity are owed is covered, in
///           value at the index prices, by the tokens the vault holds plus the bad debt the
///           accounts with negative equity show — no loss hides anywhere else;
///         - at the end, frozen: every account exits without a revert, takes at most its equity
///           at the freeze prices, and the fund takes what is left.
///
///         The traders start with a little of each token, so most sequences trade from the start.
contract InvariantsTest is InvariantSetup {
    function setUp() public override {
        super.setUp();
        // every trader starts with 400 USDC and 0.1 WETH: most sequences trade from the start, on
        // enough leverage that price moves bring margin calls, liquidations and bankruptcies
        bytes32[3] memory subs = [aliceSub, bobSub, carolSub];
        address[3] memory who = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            deposit(who[i], subs[i], USDC, 400e6);
            deposit(who[i], subs[i], WETH, 0.1e18);
        }
        handler.processRequests();
    }

    /// Only the handler's functions are called (forge reads this list).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_TokensCoverEveryClaim() public view {
        checkTokensCoverEveryClaim();
    }

    function invariant_PositionsNetToZero() public view {
        checkPositionsNetToZero();
    }

    function invariant_NoOrderFilledPastItsAmount() public view {
        checkNoOrderFilledPastItsAmount();
    }

    function invariant_EveryDebtIsBackedOrVisibleBadDebt() public view {
        checkEveryDebtIsBackedOrVisibleBadDebt();
    }

    /// At the end of every sequence the operators vanish.
    function afterInvariant() public {
        checkEveryoneExits();
    }
}

/// @notice The handler's calls reach settlement (so the invariants judge real trades, plans,
///         liquidations, absorption and deleveraging), step by step.
contract InvariantHandlerTest is InvariantSetup {
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
        handler.payFunding(0.001e18, false);
        handler.payFunding(0.001e18, true);
        assertEq(handler.refused(), 2, "a repeated update is refused");
        handler.movePrice(150);
        assertEq(handler.refused(), 2, "the rest settled");
        // a payout the token refuses becomes a claim, and is claimed once the token allows it
        handler.deposit(2, 3, 10e6 - 1); // carol: 10 BLK
        handler.processRequests();
        handler.withdraw(2, 3, 4e6 - 1); // (odd: the token has blacklisted carol)
        handler.processRequests();
        assertEq(ex.claimable(carol, BLK), 4e6, "deferred");
        assertEq(blk.balanceOf(carol), 0, "nothing reached carol");
        handler.claimDeferred(2); // the token lets her through again
        assertEq(blk.balanceOf(carol), 4e6, "claimed");
        handler.claimDeferred(2);
        assertEq(handler.done("claim"), 1, "once");
        checkTokensCoverEveryClaim();
        checkEveryDebtIsBackedOrVisibleBadDebt();
        checkEveryoneExits();
    }

    /// The de-risking calls reach settlement too: a margin call, a plan, a plan step, a backstop
    /// liquidation, deleveraging and absorption.
    function test_TheHandlerDeRisksForReal() public {
        handler.deposit(0, 0, 220e6 - 1); // alice: 220 USDC
        handler.deposit(1, 0, 10_000e6 - 1); // bob: 10,000 USDC
        handler.deposit(2, 0, 10_000e6 - 1); // carol: 10,000 USDC
        handler.processRequests();
        handler.trade(1, 0, 1999, 999, 999, true, true); // alice buys 1 ETH-PERP at 2,000 from bob
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 1e18, "alice long on 220 USDC");
        handler.setPlan(0, 100, 60, 1);
        assertEq(handler.done("plan"), 1, "plan stored");
        handler.movePrice(0); // ETH −15%: 1,700, alice's equity ~ −80: bankrupt
        handler.flag(0);
        assertEq(handler.done("flag"), 1, "alice flagged");
        handler.liquidate(2, 0, 499); // carol takes 0.5 of alice's long (all of it may go: she is bankrupt)
        assertEq(handler.done("liquidation"), 1, "the liquidation batch settled");
        assertEq(ex.positionOf(carolSub, ETH_PERP).size, 0.5e18, "carol took half");
        handler.deleverage(0, 0, false); // the fund (300 USDC and reserves) can cover: refused
        assertEq(handler.done("deleverage"), 0, "no deleveraging while the fund covers");
        handler.warp(400); // past the grace window: 60 s, plus maxBatchAge (300 s)
        handler.movePrice(150); // fresh prices, unchanged
        handler.planStep(0, 1, 499, 0); // alice sells her last 0.5 to bob at the index
        assertEq(handler.done("planStep"), 1, "the plan step settled");
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "closed");
        handler.absorb(0);
        assertEq(handler.done("absorb"), 1, "the fund absorbed what alice owed");
        assertEq(bal(aliceSub, USDC), 0, "nothing left");
        checkTokensCoverEveryClaim();
        checkEveryDebtIsBackedOrVisibleBadDebt();
        checkEveryoneExits();
    }

    /// A deficit beyond the fund: the position is deleveraged against the counterparty named.
    function test_TheHandlerDeleveragesForReal() public {
        handler.deposit(0, 0, 220e6 - 1); // alice: 220 USDC
        handler.deposit(1, 0, 2_000e6 - 1); // bob: 2,000 USDC
        handler.processRequests();
        handler.trade(1, 0, 0, 999, 999, true, true); // alice buys 1 ETH-PERP at 2,000 from bob
        handler.movePrice(0);
        handler.movePrice(0);
        handler.movePrice(0); // 1,228: alice owes ~550, the fund holds ~300
        handler.deleverage(0, 1, false); // against carol, who holds nothing: refused
        assertEq(handler.done("deleverage"), 0, "only an opposite position takes part");
        handler.deleverage(0, 0, false); // against bob, short 1
        assertEq(handler.done("deleverage"), 1, "deleveraged");
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "alice closed");
        assertEq(ex.positionOf(bobSub, ETH_PERP).size, 0, "against bob");
        assertLt(bal(bobSub, USDC), 2_700e18, "bob is paid less than his gain at the index (~770): he bears the deficit");
        (, int256 equity,) = ex.maintenance(aliceSub);
        assertEq(equity, 0, "at the price that leaves her equity at zero");
        checkTokensCoverEveryClaim();
        checkEveryDebtIsBackedOrVisibleBadDebt();
        checkEveryoneExits();
    }
}
