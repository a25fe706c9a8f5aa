// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PerpFixture} from "./utils/PerpFixture.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {BlockingToken} from "../../contracts/test/BlockingToken.sol";

/// @notice The escape hatch (spec/contracts.md): if the operators stop or censor, anyone freezes the
///         Exchange and every account leaves on its own at the freeze prices — perps closed,
///         loans repaid from collateral, the rest paid in kind where the vault holds it and in
///         value where borrowers took it — and nobody takes more than its equity.
///
///         The book: alice long 2 ETH-PERP from bob at 2,000 (500 USDC); dave bought 1 WETH from
///         carol at 2,000 with 1,000 USDC (a 1,001 USDC loan, fee included); ETH then at 1,800.
contract EscapeTest is PerpFixture {
    uint256 internal davePk = 0xDA7E;
    address internal dave;
    bytes32 internal daveSub;

    function setUp() public override {
        super.setUp();
        dave = vm.addr(davePk);
        daveSub = sub(dave, "main");
        fund(dave, daveSub, USDC, 1000e6);
        IExchangeTypes.Batch memory b = trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 2e18);
        b = trade(b, ETH_USDC, carolPk, carolSub, davePk, daveSub, true, 2000e18, 1e18);
        settle(b);
        assertEq(bal(daveSub, USDC), -1001e18, "dave borrowed");
    }

    function ix() internal view returns (IExchange) {
        return IExchange(address(ex));
    }

    /// The operators stop: a day later ETH is at 1,800 on the feeds and anyone freezes.
    function freezeAt1800() internal {
        vm.warp(block.timestamp + 1 days + 1);
        ethFeed.publish(1800e8, block.timestamp);
        perpFeed.publish(1800e8, block.timestamp);
        vm.prank(address(0xBEEF));
        ix().freeze();
    }

    function register(bytes32 s) internal {
        vm.prank(address(0xBEEF));
        ix().exitFrozen(s);
    }

    // ------------------------------------------------------------ freezing

    function test_NobodyMayFreezeWhileBatchesLand() public {
        vm.expectRevert(IExchangeTypes.NotStalled.selector);
        ix().freeze();
        vm.warp(block.timestamp + 1 days);
        settle(emptyBatch()); // a batch lands just in time
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(IExchangeTypes.NotStalled.selector);
        ix().freeze();
        vm.warp(block.timestamp + 1);
        ix().freeze();
        assertEq(uint256(ix().frozenAt()), block.timestamp, "frozen");
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        ix().freeze();
    }

    /// The operators keep settling but never process alice's withdrawal: once it has waited
    /// longer than forceDelay, anyone may freeze.
    function test_ACensoredRequestLetsAnyoneFreeze() public {
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, USDC, 10e6);
        uint64 cursor = ex.processedRequests();
        for (uint256 i; i < 3; ++i) {
            vm.warp(block.timestamp + 12 hours);
            IExchangeTypes.Batch memory b = emptyBatch();
            b.requestCursor = cursor; // censored
            settle(b);
        }
        ix().freeze();
        assertGt(uint256(ix().frozenAt()), 0, "frozen");
    }

    function test_AFrozenExchangeSettlesNothingAndChangesNothing() public {
        freezeAt1800();
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        vm.prank(operator);
        ex.settleBatch(b);
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        ex.setOperator(alice, true); // the admin
        usdc.mint(alice, 1e6);
        vm.startPrank(alice);
        usdc.approve(address(ex), 1e6);
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        ex.deposit(aliceSub, USDC, 1e6);
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        ex.requestWithdrawal(aliceSub, USDC, 1e6);
        vm.stopPrank();
    }

    function test_AFeedThatRevertsCannotBlockTheFreeze() public {
        BlockingToken notAFeed = new BlockingToken(8); // has decimals(), no latestRoundData()
        ex.setPriceFeed(ETH_PERP, IExchangeTypes.FeedConfig({aggregator: address(notAFeed), maxStaleness: 3600, maxRoundLag: 5}));
        vm.warp(block.timestamp + 1 days + 1);
        ix().freeze();
        assertEq(ix().freezePrice(ETH_PERP), 2000e18, "the last batch's price");
    }

    // ------------------------------------------------------------ exits

    function test_EveryAccountLeavesWithAtMostItsEquityAndTheVaultCoversEveryClaim() public {
        freezeAt1800();
        assertEq(ix().freezePrice(ETH_PERP), 1800e18, "the feed's latest round");
        uint256 usdcBefore = usdc.balanceOf(address(ex));
        uint256 wethBefore = weth.balanceOf(address(ex));
        bytes32[5] memory subs = [aliceSub, bobSub, carolSub, daveSub, feeSub];
        int256[5] memory equity;
        for (uint256 i; i < 5; ++i) {
            (, equity[i]) = ix().exitClaim(subs[i]);
            register(subs[i]);
            assertEq(uint256(ix().exitState(subs[i])), 1, "registered in the window");
        }
        // alice: 498 USDC, the long closed at 1,800 (−400): 98
        assertEq(equity[0], 98e18, "alice's equity");
        // dave: 1 WETH (1,800) against a 1,001 USDC loan: 799, kept as 799/1,800 of his WETH
        assertEq(equity[3], 799e18, "dave's equity");
        (uint256[] memory daveClaim,) = ix().exitClaim(daveSub);
        assertEq(daveClaim[WETH], uint256(1e18) * 799 / 1800, "dave's WETH, cut by his loan");
        assertEq(daveClaim[USDC], 0, "nothing left in USDC");
        // within the window nothing is paid; after it, once
        register(aliceSub);
        assertEq(usdc.balanceOf(alice), 0, "nothing paid within the window");
        vm.warp(block.timestamp + 3 days);
        ix().exitFrozen(aliceSub);
        vm.expectRevert(IExchangeTypes.AlreadyExited.selector);
        ix().exitFrozen(aliceSub);

        address[5] memory owners = [alice, bob, carol, dave, vm.addr(feePk)];
        for (uint256 i = 1; i < 5; ++i) ix().exitFrozen(subs[i]);
        for (uint256 i; i < 5; ++i) {
            // at the freeze prices (USDC 6 decimals, WETH 18)
            uint256 value = usdc.balanceOf(owners[i]) * 1e12 + weth.balanceOf(owners[i]) * 1800;
            assertGe(equity[i], int256(value), "no account takes more than its equity");
            assertGe(int256(value) + 2e18, equity[i], "and every account gets its equity back (a little rounding aside)");
        }
        // USDC was short by dave's loan: bob is paid partly in the WETH dave left behind
        assertGt(weth.balanceOf(bob), 0, "bob gets some WETH");
        // the fund takes what is left after a second window: the vault ends empty
        vm.expectRevert(IExchangeTypes.TooEarly.selector);
        ix().takeResidual();
        vm.warp(block.timestamp + 3 days);
        ix().takeResidual();
        assertEq(usdc.balanceOf(address(ex)), 0, "every USDC paid");
        assertEq(weth.balanceOf(address(ex)), 0, "every WETH paid");
        assertEq(usdcBefore, 101_500e6, "the USDC deposited");
        assertEq(wethBefore, 10e18, "the WETH deposited");
        uint256 usdcOut;
        uint256 wethOut;
        for (uint256 i; i < 5; ++i) {
            usdcOut += usdc.balanceOf(owners[i]);
            wethOut += weth.balanceOf(owners[i]);
        }
        // (the fee and fund accounts share an owner: its balance holds both)
        assertEq(usdcOut, usdcBefore, "every USDC to an owner");
        assertEq(wethOut, wethBefore, "every WETH to an owner");
    }

    /// A bankrupt account claims nothing; the insurance fund, paid last, absorbs its deficit.
    function test_ABankruptAccountClaimsNothingAndTheFundAbsorbsItsDeficit() public {
        fund(bob, insuranceSub, USDC, 1000e6);
        vm.warp(block.timestamp + 1 days + 1);
        ethFeed.publish(1700e8, block.timestamp);
        perpFeed.publish(1700e8, block.timestamp);
        ix().freeze();
        (uint256[] memory claim, int256 equity) = ix().exitClaim(aliceSub);
        assertEq(equity, -102e18, "alice owes 102 at 1,700");
        assertEq(claim[USDC], 0, "and claims nothing");
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ix().exitFrozen(insuranceSub);
        bytes32[5] memory subs = [aliceSub, bobSub, carolSub, daveSub, feeSub];
        for (uint256 i; i < 5; ++i) register(subs[i]);
        vm.warp(block.timestamp + 3 days);
        for (uint256 i; i < 5; ++i) ix().exitFrozen(subs[i]);
        assertEq(usdc.balanceOf(alice), 0, "alice gets nothing");
        // bob's 100,600 is paid in full in value: the fund's 1,000 covers alice's 102
        assertGe(usdc.balanceOf(bob) * 1e12 + weth.balanceOf(bob) * 1700, 100_600e18 - 1e18, "bob whole");
        vm.warp(block.timestamp + 3 days);
        uint256[] memory residual = ix().takeResidual();
        address fundOwner = vm.addr(feePk);
        assertGt(residual[USDC] * 1e12 + residual[WETH] * 1700 + 2e18, 898e18, "the fund keeps 1,000 less the deficit");
        assertGe(usdc.balanceOf(fundOwner), residual[USDC], "paid to its owner");
    }

    /// A claim registered after the window comes after the others: paid from what they leave.
    function test_ALateClaimIsPaidFromWhatTheWindowsClaimsLeave() public {
        freezeAt1800();
        register(aliceSub);
        vm.warp(block.timestamp + 3 days);
        ix().exitFrozen(carolSub); // late: registers and is paid at once
        assertEq(uint256(ix().exitState(carolSub)), 3, "paid");
        assertEq(weth.balanceOf(carol), 9e18, "carol's WETH: nobody registered a claim on it in time");
        ix().exitFrozen(aliceSub);
        assertEq(usdc.balanceOf(alice), 98e6, "alice, in the window, in full");
    }

    function test_ADepositNoBatchCreditedGoesBack() public {
        deposit(alice, aliceSub, USDC, 77e6);
        uint64 id = ex.requestCount() - 1;
        vm.expectRevert(IExchangeTypes.NotFrozen.selector);
        ix().reclaimDeposit(id);
        freezeAt1800();
        uint256 before = usdc.balanceOf(alice);
        ix().reclaimDeposit(id);
        assertEq(usdc.balanceOf(alice) - before, 77e6, "back to its depositor");
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ix().reclaimDeposit(id);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ix().reclaimDeposit(0); // credited by a batch: part of the account's claim instead
    }
}
