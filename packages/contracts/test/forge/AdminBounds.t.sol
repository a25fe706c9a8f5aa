// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deploy} from "./utils/Deploy.sol";
import {PerpFixture} from "./utils/PerpFixture.sol";
import {ExchangeEscape} from "../../contracts/ExchangeEscape.sol";
import {Timelock} from "../../contracts/Timelock.sol";
import {ExchangeStorage} from "../../contracts/exchange/ExchangeStorage.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice The admin is bounded too (spec/contracts.md): every parameter has a hard range whatever the
///         timelock proposes; outside a devnet the timelock must delay changes longer than users
///         need to freeze and leave; and the insurance fund moves only by the protocol's rules.
contract AdminBoundsTest is PerpFixture {
    function invalid() internal {
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
    }

    /// A change is judged when the batch that passes it applies it: the Exchange's own call.
    function refusedWhenApplied() internal {
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        vm.prank(address(ex));
    }

    function deRisk() internal pure returns (IExchangeTypes.DeRiskParams memory) {
        return IExchangeTypes.DeRiskParams({
            backstopRatio: 0.5e18,
            liquidationDiscount: 0.01e18,
            insuranceShare: 0.5e18,
            maxGraceSeconds: 900,
            defaultGraceSeconds: 300,
            defaultSlippageBps: 100
        });
    }

    // ------------------------------------------------------------ hard ranges

    function test_FeesAndFundingHaveHardCaps() public {
        IExchangeTypes.Market memory m = market(WETH, 0.01e18, 0.001e18, 0, 0.01e18 + 1, "too dear");
        refusedWhenApplied();
        ex.listMarket(9, m);
        IExchangeTypes.MarketRisk memory r = IExchangeTypes.MarketRisk({riskGroup: GROUP_ETH, concIM: 0, concThreshold: 0, maxFundingRate: 0.01e18 + 1, concMM: 0});
        refusedWhenApplied();
        ex.setMarketRisk(ETH_PERP, r);
        r.maxFundingRate = 0.01e18;
        ex.setMarketRisk(ETH_PERP, r); // 1% an hour: the cap
        (r.concIM, r.concMM) = (0.1e18, 0.02e18); // maintenance below a quarter of initial
        refusedWhenApplied();
        ex.setMarketRisk(ETH_PERP, r);
    }

    function test_RiskGroupsKeepLeverageBounded() public {
        refusedWhenApplied();
        ex.setRiskGroup(GROUP_ETH, 0.004e18, 0, 0.004e18, 0); // shock below 0.5%
        refusedWhenApplied();
        ex.setRiskGroup(GROUP_ETH, 0.1e18, 0.02e18, 0.02e18, 0.01e18); // maintenance shock below a quarter
        refusedWhenApplied();
        ex.setRiskGroup(GROUP_ETH, 0.1e18, 0.2e18, 0.05e18, 0.1e18); // basis above the shock
        refusedWhenApplied();
        ex.setRiskGroup(GROUP_ETH, 0.1e18, 0.02e18, 0.05e18, 0.004e18); // maintenance basis below a quarter
        ex.setRiskGroup(GROUP_ETH, 0.1e18, 0.003e18, 0.05e18, 0.0015e18); // the devnet's
    }

    function test_DeRiskingParametersHaveHardRanges() public {
        IExchangeTypes.DeRiskParams memory p = deRisk();
        p.liquidationDiscount = 0.05e18 + 1;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        p = deRisk();
        p.backstopRatio = 0.1e18 - 1;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        p = deRisk();
        p.maxGraceSeconds = 59;
        p.defaultGraceSeconds = 0;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        p = deRisk();
        p.maxGraceSeconds = 1 days + 1;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        p = deRisk();
        p.defaultGraceSeconds = 901;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        p = deRisk();
        p.defaultSlippageBps = 9;
        refusedWhenApplied();
        ex.setDeRiskParams(p);
        ex.setDeRiskParams(deRisk());
    }

    function test_FeedsAndLendingHaveHardRanges() public {
        IExchangeTypes.FeedConfig memory f = IExchangeTypes.FeedConfig({aggregator: address(perpFeed), maxStaleness: 59, maxRoundLag: 5});
        refusedWhenApplied();
        ex.setPriceFeedWithDecimals(ETH_PERP, f, 8);
        f.maxStaleness = 2 days + 1;
        refusedWhenApplied();
        ex.setPriceFeedWithDecimals(ETH_PERP, f, 8);
        f.maxStaleness = 3600;
        f.maxRoundLag = 101;
        refusedWhenApplied();
        ex.setPriceFeedWithDecimals(ETH_PERP, f, 8);
        IExchangeTypes.Curve memory c = IExchangeTypes.Curve({baseRate: 0, slope1: 0.04e18, slope2: 0.75e18, kink: 0.9e18, reserveFactor: 0.5e18 + 1});
        refusedWhenApplied();
        ex.setLendingCurve(USDC, c);
        c.reserveFactor = 0.5e18;
        ex.setLendingCurve(USDC, c);
    }

    // ------------------------------------------------------------ the configuration

    function test_TheEscapeHatchKeepsRealDelaysOutsideADevnet() public {
        ExchangeStorage.Config memory c = Deploy.network(address(this), feeSub, insuranceSub, 60);
        c.forceDelay = 1 hours - 1;
        invalid();
        new ExchangeEscape(c);
        c.forceDelay = 1 days;
        c.claimWindow = 1 days - 1;
        invalid();
        new ExchangeEscape(c);
        c.claimWindow = 1 days;
        c.insuranceSubaccount = feeSub; // the fund must be its own account
        invalid();
        new ExchangeEscape(c);
        c.insuranceSubaccount = insuranceSub;
        c.devnet = true; // a devnet only on the local chain
        vm.chainId(1);
        invalid();
        new ExchangeEscape(c);
    }

    /// On a real network the timelock must delay a change at least forceDelay + a day: users see
    /// it coming, freeze (after forceDelay) and leave, before it takes effect.
    function test_OutsideADevnetAChangeWaitsLongerThanUsersNeedToLeave() public {
        address[] memory us = new address[](1);
        us[0] = address(this);
        Timelock timelock = new Timelock(0, us, us, address(0));
        IExchange net = IExchange(address(Deploy.exchange(Deploy.network(address(timelock), feeSub, insuranceSub, 300))));
        assertTrue(!net.devnet(), "a network deployment");
        // the setup, before any batch, may go at once
        _through(timelock, address(net), abi.encodeCall(net.setOperator, (operator, true)), 0);
        IExchangeTypes.Batch memory first = _empty(net);
        vm.prank(operator);
        net.settleBatch(first);
        // after the first batch: a change through a timelock with too short a delay is refused
        uint256 required = 1 days + 1 days; // forceDelay + the margin
        vm.expectRevert(); // AdminDelayTooShort, bubbled up through the timelock
        this.through(timelock, address(net), abi.encodeCall(net.setOperator, (alice, true)), 0);
        _through(timelock, address(timelock), abi.encodeCall(timelock.updateDelay, (required)), 0);
        _through(timelock, address(net), abi.encodeCall(net.setOperator, (alice, true)), required);
        assertTrue(net.isOperator(alice), "a change that waited long enough");
    }

    function through(Timelock timelock, address target, bytes calldata data, uint256 delay) external {
        _through(timelock, target, data, delay);
    }

    function _through(Timelock timelock, address target, bytes memory data, uint256 delay) internal {
        bytes32 salt = keccak256(abi.encode(target, data, block.timestamp));
        timelock.schedule(target, 0, data, bytes32(0), salt, delay);
        vm.warp(block.timestamp + delay);
        timelock.execute(target, 0, data, bytes32(0), salt);
    }

    function _empty(IExchange net) internal view returns (IExchangeTypes.Batch memory b) {
        b = emptyBatch();
        b.batchId = net.lastBatchId() + 1;
        b.requestCursor = net.requestCount();
    }

    // ------------------------------------------------------------ the insurance fund

    /// The fund's owner address holds no power over it: no withdrawal, no trading, no linked
    /// signer, no liquidating with it.
    function test_TheInsuranceFundMovesOnlyByTheProtocolsRules() public {
        fund(bob, insuranceSub, USDC, 1000e6);
        address owner = vm.addr(feePk);
        vm.startPrank(owner);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.requestWithdrawal(insuranceSub, USDC, 1e6);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.setLinkedSigner(insuranceSub, owner, 0);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.liquidate(insuranceSub, aliceSub, ETH_PERP, 1e18);
        vm.stopPrank();
        // an order signed by its owner: refused
        IExchangeTypes.Batch memory b = batch2(
            signed(bobPk, order(bobSub, ETH_PERP, false, 2000e18, 0.1e18)),
            signed(feePk, order(insuranceSub, ETH_PERP, true, 2000e18, 0.1e18))
        );
        b.prices = priced(2000e8).prices;
        expectSettleRevert(withFill(b, 0, 1, 0.1e18), orderError(1, 13));
        assertEq(bal(insuranceSub, USDC), 1000e18, "untouched");
    }

    function test_ADepositToASubaccountWithoutAnOwnerIsRefused() public {
        usdc.mint(alice, 1e6);
        vm.startPrank(alice);
        usdc.approve(address(ex), 1e6);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.deposit(bytes32(uint256(1)), USDC, 1e6);
        vm.stopPrank();
    }
}
