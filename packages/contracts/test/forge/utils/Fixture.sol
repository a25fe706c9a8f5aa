// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deploy} from "./Deploy.sol";
import {Test} from "./Test.sol";
import {Exchange} from "../../../contracts/Exchange.sol";
import {IExchangeTypes} from "../../../contracts/interfaces/IExchangeTypes.sol";
import {IExchange} from "../../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../../contracts/test/TestToken.sol";

/// @notice A deployed exchange with USDC (6 decimals), WETH (18) and WBTC (8), two spot markets,
///         an operator, funded traders and helpers to sign orders and settle batches.
abstract contract Fixture is Test {
    uint32 internal constant USDC = 0;
    uint32 internal constant WETH = 1;
    uint32 internal constant WBTC = 2;
    uint32 internal constant ETH_USDC = 1;
    uint32 internal constant BTC_USDC = 2;

    uint64 internal constant T0 = 1_700_000_000;
    uint64 internal constant MAX_BATCH_AGE = 300;

    int64 internal constant ETH_MAKER_FEE = -0.0001e18; // 1 bp rebate
    int64 internal constant ETH_TAKER_FEE = 0.0005e18; // 5 bp

    uint256 internal constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    IExchange internal ex;
    TestToken internal usdc;
    TestToken internal weth;
    TestToken internal wbtc;

    address internal operator = address(0x0b5e);
    uint256 internal alicePk = 0xA11CE;
    uint256 internal bobPk = 0xB0B;
    uint256 internal carolPk = 0xCA401;
    uint256 internal feePk = 0xFEE;
    address internal alice;
    address internal bob;
    address internal carol;
    bytes32 internal aliceSub;
    bytes32 internal bobSub;
    bytes32 internal carolSub;
    bytes32 internal feeSub;
    bytes32 internal insuranceSub;

    uint64 internal nonceSeq = 1;

    function setUp() public virtual {
        vm.warp(T0);
        alice = vm.addr(alicePk);
        bob = vm.addr(bobPk);
        carol = vm.addr(carolPk);
        aliceSub = sub(alice, "main");
        bobSub = sub(bob, "main");
        carolSub = sub(carol, "");
        feeSub = sub(vm.addr(feePk), "fees");

        insuranceSub = sub(vm.addr(feePk), "insurance");
        ex = IExchange(address(Deploy.exchange(Deploy.devnet(address(this), feeSub, insuranceSub, MAX_BATCH_AGE))));
        usdc = new TestToken("USD Coin", "USDC", 6);
        weth = new TestToken("Wrapped Ether", "WETH", 18);
        wbtc = new TestToken("Wrapped Bitcoin", "WBTC", 8);
        ex.listAsset(address(usdc), "USDC");
        ex.listAsset(address(weth), "WETH");
        ex.listAsset(address(wbtc), "WBTC");
        ex.listMarket(ETH_USDC, market(WETH, 0.01e18, 0.001e18, ETH_MAKER_FEE, ETH_TAKER_FEE, "WETH/USDC"));
        ex.listMarket(BTC_USDC, market(WBTC, 1e18, 0.0001e18, 0.0002e18, 0.0004e18, "WBTC/USDC"));
        ex.setOperator(operator, true);
    }

    // ------------------------------------------------------------ builders

    function sub(address owner, bytes12 name) internal pure returns (bytes32) {
        return bytes32(bytes20(owner)) | bytes32(uint256(uint96(name)));
    }

    function market(uint32 base, uint128 tick, uint128 lot, int64 makerFee, int64 takerFee, string memory symbol)
        internal
        pure
        returns (IExchangeTypes.Market memory)
    {
        return IExchangeTypes.Market({
            kind: IExchangeTypes.MarketKind.Spot,
            baseAssetId: base,
            quoteAssetId: USDC,
            active: true,
            tickSize: tick,
            lotSize: lot,
            minSize: lot,
            makerFee: makerFee,
            takerFee: takerFee,
            symbol: symbol
        });
    }

    function token(uint32 assetId) internal view returns (TestToken) {
        return TestToken(ex.getAsset(assetId).token);
    }

    /// Mints, approves and deposits `tokenAmount` token units; credited by the next batch.
    function deposit(address from, bytes32 subaccount, uint32 assetId, uint256 tokenAmount) internal {
        TestToken t = token(assetId);
        t.mint(from, tokenAmount);
        vm.startPrank(from);
        t.approve(address(ex), tokenAmount);
        ex.deposit(subaccount, assetId, tokenAmount);
        vm.stopPrank();
    }

    /// Deposits and settles an empty batch so the balance is credited.
    function fund(address from, bytes32 subaccount, uint32 assetId, uint256 tokenAmount) internal {
        deposit(from, subaccount, assetId, tokenAmount);
        settle(emptyBatch());
    }

    function order(bytes32 subaccount, uint32 marketId, bool isBuy, uint128 price, uint128 amount)
        internal
        returns (IExchangeTypes.Order memory o)
    {
        o = IExchangeTypes.Order({
            subaccount: subaccount,
            marketId: marketId,
            isBuy: isBuy,
            price: price,
            amount: amount,
            nonce: nonceSeq,
            expiry: 0,
            flags: 0,
            clientId: nonceSeq
        });
        ++nonceSeq;
    }

    function signature(uint256 pk, IExchangeTypes.Order memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, ex.orderHash(o));
        return abi.encodePacked(r, s, v);
    }

    function signed(uint256 pk, IExchangeTypes.Order memory o) internal view returns (IExchangeTypes.SignedOrder memory) {
        return IExchangeTypes.SignedOrder({order: o, signature: signature(pk, o)});
    }

    function emptyBatch() internal view returns (IExchangeTypes.Batch memory b) {
        uint64 id = ex.lastBatchId() + 1;
        b.batchId = id;
        b.timestamp = uint64(block.timestamp);
        b.requestCursor = ex.requestCount();
        b.stateHash = keccak256(abi.encode("state", id));
        b.prices = new IExchangeTypes.PriceRound[](0);
        b.funding = new IExchangeTypes.FundingUpdate[](0);
        b.orders = new IExchangeTypes.SignedOrder[](0);
        b.fills = new IExchangeTypes.Fill[](0);
        b.plans = new IExchangeTypes.SignedRiskPlan[](0);
        b.absorbs = new bytes32[](0);
        b.deleverages = new IExchangeTypes.Deleverage[](0);
        b.marginCalls = new bytes32[](0);
    }

    function batch2(IExchangeTypes.SignedOrder memory a, IExchangeTypes.SignedOrder memory b)
        internal
        view
        returns (IExchangeTypes.Batch memory batch)
    {
        batch = emptyBatch();
        batch.orders = new IExchangeTypes.SignedOrder[](2);
        batch.orders[0] = a;
        batch.orders[1] = b;
    }

    function withFill(IExchangeTypes.Batch memory b, uint32 maker, uint32 taker, uint128 amount)
        internal
        pure
        returns (IExchangeTypes.Batch memory)
    {
        IExchangeTypes.Fill[] memory fills = new IExchangeTypes.Fill[](b.fills.length + 1);
        for (uint256 i; i < b.fills.length; ++i) fills[i] = b.fills[i];
        fills[b.fills.length] = IExchangeTypes.Fill({maker: maker, taker: taker, amount: amount});
        b.fills = fills;
        return b;
    }

    function withOrder(IExchangeTypes.Batch memory b, IExchangeTypes.SignedOrder memory o)
        internal
        pure
        returns (IExchangeTypes.Batch memory)
    {
        IExchangeTypes.SignedOrder[] memory orders = new IExchangeTypes.SignedOrder[](b.orders.length + 1);
        for (uint256 i; i < b.orders.length; ++i) orders[i] = b.orders[i];
        orders[b.orders.length] = o;
        b.orders = orders;
        return b;
    }

    // ------------------------------------------------------------ settlement

    function settle(IExchangeTypes.Batch memory b) internal {
        vm.prank(operator);
        ex.settleBatch(b);
    }

    function expectSettleRevert(IExchangeTypes.Batch memory b, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(operator);
        ex.settleBatch(b);
    }

    function orderError(uint256 index, uint8 reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IExchangeTypes.InvalidOrder.selector, index, reason);
    }

    function fillError(uint256 index, uint8 reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IExchangeTypes.InvalidFill.selector, index, reason);
    }

    function batchError(uint8 reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IExchangeTypes.InvalidBatch.selector, reason);
    }

    // ------------------------------------------------------------ checks

    function bal(bytes32 subaccount, uint32 assetId) internal view returns (int256) {
        return ex.balanceOf(subaccount, assetId);
    }

    /// token.balanceOf(exchange) ≥ Σ balances (in token units, rounded up) over `subs`, and no
    /// balance is negative.
    function assertSolvent(bytes32[] memory subs) internal view {
        for (uint32 a; a < ex.assetCount(); ++a) {
            uint256 total;
            for (uint256 i; i < subs.length; ++i) {
                int256 b = bal(subs[i], a);
                assertGe(b, 0, "balance never negative");
                total += uint256(b);
            }
            uint256 scale = 10 ** (18 - uint256(ex.getAsset(a).decimals));
            assertGe(token(a).balanceOf(address(ex)) * scale, total, "conservation");
        }
    }

    function everyone() internal view returns (bytes32[] memory subs) {
        subs = new bytes32[](4);
        subs[0] = aliceSub;
        subs[1] = bobSub;
        subs[2] = carolSub;
        subs[3] = feeSub;
    }
}
