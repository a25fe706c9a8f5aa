// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deploy} from "./utils/Deploy.sol";
import {Fixture} from "./utils/Fixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Exchange} from "../../contracts/Exchange.sol";
import {ExchangeAdmin} from "../../contracts/ExchangeAdmin.sol";
import {ExchangeEscape} from "../../contracts/ExchangeEscape.sol";
import {ExchangeExtension} from "../../contracts/ExchangeExtension.sol";
import {ExchangeStorage} from "../../contracts/exchange/ExchangeStorage.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";

contract AdminTest is Fixture {
    function test_ConstructorAndRegistry() public view {
        assertEq(ex.admin(), address(this), "admin");
        assertEq(ex.feeSubaccount(), feeSub, "fee subaccount");
        assertEq(uint256(ex.maxBatchAge()), MAX_BATCH_AGE, "max batch age");
        assertEq(uint256(ex.assetCount()), 3, "assets");
        IExchangeTypes.Asset memory a = ex.getAsset(USDC);
        assertEq(a.token, address(usdc), "usdc token");
        assertEq(uint256(a.decimals), 6, "usdc decimals");
        assertEq(keccak256(bytes(a.symbol)), keccak256("USDC"), "symbol");
        assertEq(uint256(ex.getAsset(WBTC).decimals), 8, "wbtc decimals");
        uint32[] memory ids = ex.marketIds();
        assertEq(ids.length, 2, "market count");
        assertEq(uint256(ids[0]), ETH_USDC, "first market");
        assertEq(uint256(ids[1]), BTC_USDC, "second market");
        IExchangeTypes.Market memory m = ex.getMarket(ETH_USDC);
        assertEq(uint256(m.baseAssetId), WETH, "base");
        assertEq(uint256(m.tickSize), 0.01e18, "tick");
        assertEq(int256(m.makerFee), ETH_MAKER_FEE, "maker fee");
        assertTrue(m.active, "active");
        assertTrue(ex.isOperator(operator), "operator");
        assertTrue(!ex.isOperator(alice), "not operator");
        assertEq(uint256(ex.getMarket(77).tickSize), 0, "unlisted market is the zero market");
    }

    function test_DomainSeparatorFollowsTheChain() public {
        bytes32 before = ex.domainSeparator();
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Kestrel"),
                keccak256("1"),
                block.chainid,
                address(ex)
            )
        );
        assertEq(before, expected, "domain separator");
        vm.chainId(block.chainid + 1);
        assertTrue(ex.domainSeparator() != before, "recomputed on another chain");
    }

    function test_OnlyTheAdminManages() public {
        vm.startPrank(alice);
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.listAsset(address(usdc), "X");
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.listMarket(5, market(WETH, 1e18, 1e18, 0, 0, "X"));
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.setOperator(alice, true);
        vm.stopPrank();
    }

    function test_ListAssetChecks() public {
        TestToken wide = new TestToken("Wide", "W", 19);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.listAsset(address(wide), "W");
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.listAsset(address(usdc), "USDC again");
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.listAsset(address(0), "none");

        TestToken zero = new TestToken("Zero", "Z", 0);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.AssetListed(3, address(zero), 0, "Z");
        ex.listAsset(address(zero), "Z");
        uint32 id = 3;
        // a 0-decimals token scales by 1e18
        deposit(alice, aliceSub, id, 5);
        settle(emptyBatch());
        assertEq(bal(aliceSub, id), 5e18, "scaled");
    }

    function test_ListMarketChecks() public {
        _expectInvalid(0, market(WETH, 1e18, 1e18, 0, 0, "id 0"));
        IExchangeTypes.Market memory m = market(WETH, 1e18, 1e18, 0, 0, "same");
        m.quoteAssetId = WETH;
        _expectInvalid(5, m);
        _expectInvalid(5, market(WETH, 0, 1e18, 0, 0, "tick 0"));
        _expectInvalid(5, market(WETH, 1e18, 0, 0, 0, "lot 0"));
        m = market(WETH, 1e18, 1e18, 0, 0, "min 0");
        m.minSize = 0;
        _expectInvalid(5, m);
        _expectInvalid(5, market(WETH, 1.5e9, 1e9, 0, 0, "tick*lot not whole")); // 1.5e18 % 1e18 != 0
        _expectInvalid(5, market(WETH, 1e9, 1e8, 0, 0, "too fine"));
        _expectInvalid(5, market(WETH, 1e18, 1e18, 0, 0.01e18 + 1, "taker above 1%"));
        _expectInvalid(5, market(WETH, 1e18, 1e18, 0, -1, "negative taker"));
        _expectInvalid(5, market(WETH, 1e18, 1e18, 0.0006e18, 0.0005e18, "maker above taker"));
        _expectInvalid(5, market(WETH, 1e18, 1e18, -0.0006e18, 0.0005e18, "rebate above taker"));
        _expectInvalid(5, market(WETH, 1e18, 1e18, type(int64).min, 0.0005e18, "min int64"));

        m = market(9, 1e18, 1e18, 0, 0, "unknown base");
        vm.expectRevert(IExchangeTypes.UnknownAsset.selector);
        ex.listMarket(5, m);
        m = market(WETH, 1e18, 1e18, 0, 0, "unknown quote");
        m.quoteAssetId = 9;
        vm.expectRevert(IExchangeTypes.UnknownAsset.selector);
        ex.listMarket(5, m);

        // limits are inclusive
        ex.listMarket(5, market(WETH, 1e9, 1e9, -0.01e18, 0.01e18, "edge"));
        assertEq(int256(ex.getMarket(5).makerFee), -0.01e18, "edge fees");
    }

    function test_RelistingUpdatesButNeverChangesAssets() public {
        IExchangeTypes.Market memory m = market(WETH, 0.1e18, 0.01e18, 0, 0.001e18, "WETH/USDC v2");
        vm.expectEmit(address(ex));
        emit IExchangeTypes.MarketListed(ETH_USDC, m);
        ex.listMarket(ETH_USDC, m);
        assertEq(uint256(ex.getMarket(ETH_USDC).tickSize), 0.1e18, "updated");
        assertEq(ex.marketIds().length, 2, "not listed twice");

        _expectInvalid(ETH_USDC, market(WBTC, 1e18, 1e18, 0, 0, "other base"));
    }

    function test_SetOperatorEmits() public {
        vm.expectEmit(address(ex));
        emit IExchangeTypes.OperatorSet(alice, true);
        ex.setOperator(alice, true);
        assertTrue(ex.isOperator(alice), "set");
        ex.setOperator(alice, false);
        assertTrue(!ex.isOperator(alice), "unset");
    }

    function test_ConstructorRejectsZeroAdmin() public {
        ExchangeStorage.Config memory c = Deploy.devnet(address(0), feeSub, insuranceSub, 60);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeEscape(c);
    }

    function test_ConstructorRejectsACodeMadeWithOtherValues() public {
        ExchangeStorage.Config memory c = Deploy.devnet(address(this), feeSub, insuranceSub, 60);
        ExchangeAdmin adminCode = new ExchangeAdmin(c, new ExchangeEscape(c));
        c.maxBatchAge = 61;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeExtension(c, adminCode);
        c.maxBatchAge = 60;
        ExchangeExtension extension = new ExchangeExtension(c, adminCode);
        c.forceDelay = 2 days;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new Exchange(c, extension);
    }

    function _expectInvalid(uint32 id, IExchangeTypes.Market memory m) internal {
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.listMarket(id, m);
    }
}
