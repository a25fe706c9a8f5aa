// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";

contract SettlementTest is Fixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceSub, USDC, 100_000e6);
        deposit(bob, bobSub, WETH, 10e18);
        deposit(carol, carolSub, USDC, 50_000e6);
        deposit(carol, carolSub, WETH, 5e18);
        settle(emptyBatch());
    }

    // ------------------------------------------------------------ happy path

    function test_SettlesAFillAtTheMakerPriceWithFees() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 2e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2010e18, 1.5e18);
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1.5e18);

        vm.expectEmit(address(ex));
        emit IExchangeTypes.BatchSettled(b.batchId, b.stateHash, b.timestamp, b.requestCursor, 1);
        settle(b);

        // notional 3000; taker (buyer) pays 5 bp = 1.5, maker (seller) earns a 1 bp rebate = 0.3
        assertEq(bal(aliceSub, USDC), 100_000e18 - 3000e18 - 1.5e18, "alice usdc");
        assertEq(bal(aliceSub, WETH), 1.5e18, "alice weth");
        assertEq(bal(bobSub, WETH), 8.5e18, "bob weth");
        assertEq(bal(bobSub, USDC), 3000e18 + 0.3e18, "bob usdc");
        assertEq(bal(feeSub, USDC), 1.2e18, "fees");
        assertEq(ex.filled(ex.orderHash(ask)), 1.5e18, "maker partly filled");
        // filled in full: its nonce is spent instead (one bit; consecutive nonces share a word)
        assertEq(ex.filled(ex.orderHash(bid)), 0, "taker not in filled");
        assertTrue(ex.nonceSpent(aliceSub, bid.nonce), "taker's nonce spent");
        assertTrue(!ex.nonceSpent(bobSub, ask.nonce), "maker's nonce not spent");
        assertEq(ex.lastBatchId(), b.batchId, "batch id");
        assertEq(ex.lastBatchTimestamp(), b.timestamp, "batch time");
        assertEq(ex.lastStateHash(), b.stateHash, "state hash");
        assertSolvent(everyone());
    }

    function test_TakerSellingIntoABid() public {
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 1990e18, 1e18);
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 1980e18, 3e18);
        settle(withFill(batch2(signed(alicePk, bid), signed(bobPk, ask)), 0, 1, 1e18));
        // maker alice buys at her 1990 with a 0.199 rebate; taker bob pays 0.995
        assertEq(bal(aliceSub, USDC), 100_000e18 - 1990e18 + 0.199e18, "alice usdc");
        assertEq(bal(aliceSub, WETH), 1e18, "alice weth");
        assertEq(bal(bobSub, USDC), 1990e18 - 0.995e18, "bob usdc");
        assertEq(bal(bobSub, WETH), 9e18, "bob weth");
        assertEq(bal(feeSub, USDC), 0.796e18, "fees");
        assertSolvent(everyone());
    }

    function test_OneTakerAcrossSeveralMakersAndBatches() public {
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2005e18, 4e18);
        IExchangeTypes.Order memory ask1 = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory ask2 = order(carolSub, ETH_USDC, false, 2005e18, 5e18);
        IExchangeTypes.Batch memory b = withOrder(batch2(signed(alicePk, bid), signed(bobPk, ask1)), signed(carolPk, ask2));
        b = withFill(b, 1, 0, 1e18);
        b = withFill(b, 2, 0, 2e18);
        settle(b);
        assertEq(ex.filled(ex.orderHash(bid)), 3e18, "taker filled");

        // the rest of the bid in a later batch, against the rest of carol's ask
        vm.warp(T0 + 10);
        IExchangeTypes.Batch memory next = withFill(batch2(signed(carolPk, ask2), signed(alicePk, bid)), 0, 1, 1e18);
        settle(next);
        assertTrue(ex.nonceSpent(aliceSub, bid.nonce), "taker filled in full after batch 2");
        assertEq(ex.filled(ex.orderHash(ask2)), 3e18, "carol filled");
        assertEq(bal(aliceSub, WETH), 4e18, "alice weth");
        assertSolvent(everyone());
    }

    function test_DepositInTheSameBatchFundsTheFill() public {
        bytes32 fresh = sub(alice, "fresh");
        deposit(alice, fresh, USDC, 2001e6); // queued, not yet credited
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(fresh, ETH_USDC, true, 2000e18, 1e18);
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18));
        assertEq(bal(fresh, USDC), 2001e18 - 2000e18 - 1e18, "requests are processed before fills");
        assertEq(bal(fresh, WETH), 1e18, "weth");
    }

    // ------------------------------------------------------------ fees

    function test_FeeRoundingChargesUpAndRebatesDown() public {
        // a market where notional has 1-wei resolution (tick·lot = 1e18) and fees are fractional
        ex.listMarket(3, market(WETH, 1e9, 1e9, -0.00015e18, 0.00025e18, "FINE"));
        settle(emptyBatch()); // a change takes effect with the batch that passes it
        uint128 amount = 1e18 + 3e9;
        uint128 price = 3e18 + 7e9;
        uint256 quote = 3000000016000000021; // amount·price / 1e18, exact
        IExchangeTypes.Order memory ask = order(bobSub, 3, false, price, amount);
        IExchangeTypes.Order memory bid = order(aliceSub, 3, true, price, amount);
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, amount));

        int256 takerFee = 750000004000001; // ceil(quote · 2.5e14 / 1e18) = ceil(750000004000000.00525)
        int256 makerRebate = 450000002400000; // floor(quote · 1.5e14 / 1e18) = floor(450000002400000.00315)
        assertEq(bal(aliceSub, USDC), 100_000e18 - int256(quote) - takerFee, "taker pays rounded up");
        assertEq(bal(bobSub, USDC), int256(quote) + makerRebate, "maker rebate rounded down");
        assertEq(bal(feeSub, USDC), takerFee - makerRebate, "fee subaccount");
        assertSolvent(everyone());
    }

    function test_PositiveMakerFee() public {
        // BTC market: maker 2 bp, taker 4 bp
        deposit(bob, bobSub, WBTC, 1e8);
        IExchangeTypes.Order memory ask = order(bobSub, BTC_USDC, false, 60_000e18, 0.5e18);
        IExchangeTypes.Order memory bid = order(aliceSub, BTC_USDC, true, 60_000e18, 0.5e18);
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 0.5e18));
        assertEq(bal(aliceSub, USDC), 100_000e18 - 30_000e18 - 12e18, "taker fee");
        assertEq(bal(bobSub, USDC), 30_000e18 - 6e18, "maker fee");
        assertEq(bal(bobSub, WBTC), 0.5e18, "bob wbtc");
        assertEq(bal(feeSub, USDC), 18e18, "fees");
        assertSolvent(everyone());
    }

    function test_FeeSubaccountAsBuyerIsCheckedAfterTheWholeFill() public {
        // The fee subaccount buys 1 WETH at 2000 as taker: it pays 2000 + 1 and receives the
        // 1 − 0.2 net fee, so 2000.2 suffices.
        fund(vm.addr(feePk), feeSub, USDC, 2000.2e6);
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(feeSub, ETH_USDC, true, 2000e18, 1e18);
        settle(withFill(batch2(signed(bobPk, ask), signed(feePk, bid)), 0, 1, 1e18));
        assertEq(bal(feeSub, USDC), 0, "fee subaccount spent everything");
        assertEq(bal(feeSub, WETH), 1e18, "fee subaccount weth");
    }

    // ------------------------------------------------------------ fill rejections

    function test_RejectsOverfillOfTheMaker() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid1 = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Order memory bid2 = order(carolSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Batch memory b = withOrder(batch2(signed(bobPk, ask), signed(alicePk, bid1)), signed(carolPk, bid2));
        b = withFill(b, 0, 1, 0.6e18);
        b = withFill(b, 0, 2, 0.5e18);
        expectSettleRevert(b, fillError(1, 4));
    }

    function test_RejectsOverfillOfTheTaker() public {
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Order memory ask1 = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory ask2 = order(carolSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Batch memory b = withOrder(batch2(signed(alicePk, bid), signed(bobPk, ask1)), signed(carolPk, ask2));
        b = withFill(b, 1, 0, 0.7e18);
        b = withFill(b, 2, 0, 0.7e18);
        expectSettleRevert(b, fillError(1, 4));
        // the same order twice in one batch is refused outright: each copy would count apart
        IExchangeTypes.Batch memory dup = withOrder(batch2(signed(alicePk, bid), signed(bobPk, ask1)), signed(alicePk, bid));
        dup = withFill(dup, 1, 0, 0.7e18);
        dup = withFill(dup, 1, 2, 0.3e18);
        expectSettleRevert(dup, orderError(2, 5));
        // and an order partly filled in one batch cannot take more than its rest in the next
        settle(withFill(batch2(signed(alicePk, bid), signed(bobPk, ask1)), 1, 0, 0.7e18));
        vm.warp(T0 + 5);
        expectSettleRevert(withFill(batch2(signed(alicePk, bid), signed(carolPk, ask2)), 1, 0, 0.4e18), fillError(0, 4));
    }

    function test_RejectsAFullyFilledOrderReplayedInALaterBatch() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18));

        vm.warp(T0 + 5);
        IExchangeTypes.Order memory bid2 = order(carolSub, ETH_USDC, true, 2000e18, 1e18);
        // its nonce is spent: the order is refused as it is checked (3: NONCE_CANCELLED)
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid2)), 0, 1, 1e18), orderError(0, 3));
        // and the taker side as well
        IExchangeTypes.Order memory ask2 = order(carolSub, ETH_USDC, false, 2000e18, 1e18);
        expectSettleRevert(
            withFill(batch2(signed(carolPk, ask2), signed(alicePk, bid)), 0, 1, 1), orderError(1, 3)
        );
        // so is another order of the same subaccount with the same nonce
        IExchangeTypes.Order memory again = ask;
        again.price = 2001e18;
        expectSettleRevert(withFill(batch2(signed(bobPk, again), signed(carolPk, bid2)), 0, 1, 1e18), orderError(0, 3));
    }

    function test_RejectsAFillWorseThanTheTakerLimit() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory lowBid = order(aliceSub, ETH_USDC, true, 1999.99e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, lowBid)), 0, 1, 1e18), fillError(0, 3));

        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Order memory highAsk = order(bobSub, ETH_USDC, false, 2000.01e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(alicePk, bid), signed(bobPk, highAsk)), 0, 1, 1e18), fillError(0, 3));
    }

    function test_RejectsBadIndexesSidesAndMarkets() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Batch memory base = batch2(signed(bobPk, ask), signed(alicePk, bid));
        expectSettleRevert(withFill(base, 0, 2, 1e18), fillError(0, 1));
        base.fills = new IExchangeTypes.Fill[](0);
        expectSettleRevert(withFill(base, 2, 1, 1e18), fillError(0, 1));
        base.fills = new IExchangeTypes.Fill[](0);
        expectSettleRevert(withFill(base, 1, 1, 1e18), fillError(0, 1));

        IExchangeTypes.Order memory ask2 = order(carolSub, ETH_USDC, false, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(carolPk, ask2)), 0, 1, 1e18), fillError(0, 2));

        IExchangeTypes.Order memory btcBid = order(aliceSub, BTC_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, btcBid)), 0, 1, 1e18), fillError(0, 2));
    }

    function test_RejectsAZeroAmountFill() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 0), fillError(0, 7));
    }

    function test_RejectsASelfTradeAcrossSubaccountsOfOneOwner() public {
        bytes32 other = sub(alice, "other");
        IExchangeTypes.Order memory ask = order(other, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(alicePk, ask), signed(alicePk, bid)), 0, 1, 1e18), fillError(0, 6));
    }

    function test_RejectsInsufficientBalances() public {
        // Without risk parameters nothing is worth anything as collateral, so spending more than a
        // balance leaves the taker under margin (10: TAKER_INSUFFICIENT_MARGIN). Buyer short of quote:
        // dave has nothing.
        uint256 davePk = 0xDA7E;
        bytes32 daveSub = sub(vm.addr(davePk), "");
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(daveSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(davePk, bid)), 0, 1, 1e18), fillError(0, 10));

        // seller short of base
        IExchangeTypes.Order memory bid2 = order(aliceSub, ETH_USDC, true, 2000e18, 20e18);
        IExchangeTypes.Order memory ask2 = order(bobSub, ETH_USDC, false, 2000e18, 20e18);
        IExchangeTypes.Batch memory b = withFill(batch2(signed(alicePk, bid2), signed(bobPk, ask2)), 0, 1, 10e18);
        settle(b); // bob sells exactly his 10 WETH
        assertEq(bal(bobSub, WETH), 0, "bob sold out");
        vm.warp(T0 + 1);
        expectSettleRevert(withFill(batch2(signed(alicePk, bid2), signed(bobPk, ask2)), 0, 1, 0.001e18), fillError(0, 10));

        // a buyer with exactly notional + fee is fine, one wei less is not
        fund(vm.addr(davePk), daveSub, USDC, 2001e6);
        IExchangeTypes.Order memory ask3 = order(carolSub, ETH_USDC, false, 2000e18, 2e18);
        IExchangeTypes.Order memory bid3 = order(daveSub, ETH_USDC, true, 2000e18, 2e18);
        IExchangeTypes.Batch memory tooMuch = withFill(batch2(signed(carolPk, ask3), signed(davePk, bid3)), 0, 1, 1.001e18);
        expectSettleRevert(tooMuch, fillError(0, 10));
        settle(withFill(batch2(signed(carolPk, ask3), signed(davePk, bid3)), 0, 1, 1e18));
        assertEq(bal(daveSub, USDC), 0, "dave spent exactly his balance");
        assertSolvent(everyone());
    }

    function test_ABadFillRevertsTheWholeBatch() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Batch memory b = batch2(signed(bobPk, ask), signed(alicePk, bid));
        b = withFill(b, 0, 1, 0.5e18);
        b = withFill(b, 0, 1, 0.6e18);
        expectSettleRevert(b, fillError(1, 4));
        assertEq(ex.filled(ex.orderHash(ask)), 0, "nothing applied");
        assertEq(bal(aliceSub, WETH), 0, "nothing applied");
    }

    // ------------------------------------------------------------ order rejections

    function test_RejectsExpiredOrders() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        bid.expiry = T0; // expiry == batch timestamp is expired
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18), orderError(1, 4));
        bid.expiry = T0 - 1;
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18), orderError(1, 4));
        bid.expiry = T0 + 1;
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18));
    }

    function test_ExpiryUsesTheBatchClockNotTheBlockClock() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        ask.expiry = T0 + 10;
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        vm.warp(T0 + 50);
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18);
        b.timestamp = T0 + 9; // an older batch time, still within maxBatchAge
        settle(b);
    }

    function _pair() internal returns (IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid) {
        maker = signed(bobPk, order(bobSub, ETH_USDC, false, 2000e18, 1e18));
        bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
    }

    function _expectBadSignature(IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid, bytes memory sig)
        internal
    {
        expectSettleRevert(withFill(batch2(maker, IExchangeTypes.SignedOrder(bid, sig)), 0, 1, 1e18), orderError(1, 1));
    }

    function test_RejectsSignaturesOfAnotherKeyOrAnotherOrder() public {
        (IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid) = _pair();
        _expectBadSignature(maker, bid, signature(carolPk, bid));
        IExchangeTypes.Order memory bigger = bid;
        bytes memory sig = signature(alicePk, bid);
        bigger.amount = 2e18; // tampered after signing
        _expectBadSignature(maker, bigger, sig);
        bigger.amount = 1e18;
        settle(withFill(batch2(maker, IExchangeTypes.SignedOrder(bid, sig)), 0, 1, 1e18));
    }

    function test_RejectsTheMalleableHighSTwin() public {
        (IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid) = _pair();
        bytes32 digest = ex.orderHash(bid);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(alicePk, digest);
        uint8 v2 = v == 27 ? 28 : 27;
        bytes32 s2 = bytes32(SECP256K1_N - uint256(s));
        assertEq(ecrecover(digest, v2, r, s2), alice, "the twin recovers the same key");
        _expectBadSignature(maker, bid, abi.encodePacked(r, s2, v2));
    }

    function test_RejectsMalformedSignatures() public {
        (IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid) = _pair();
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(alicePk, ex.orderHash(bid));
        _expectBadSignature(maker, bid, abi.encodePacked(r, s, v - 27)); // v as 0/1
        _expectBadSignature(maker, bid, abi.encodePacked(r, s)); // 64 bytes
        _expectBadSignature(maker, bid, abi.encodePacked(r, s, v, uint8(0))); // 66 bytes
        _expectBadSignature(maker, bid, new bytes(65)); // zeros
        // no signature at all is a plan order, which needs its account in margin call
        IExchangeTypes.Batch memory b = batch2(maker, IExchangeTypes.SignedOrder({order: bid, signature: ""}));
        expectSettleRevert(withFill(b, 0, 1, 1e18), orderError(1, 6));
    }

    function test_RejectsABadOrderEvenWithoutFills() public {
        (IExchangeTypes.SignedOrder memory maker, IExchangeTypes.Order memory bid) = _pair();
        IExchangeTypes.Batch memory b = withOrder(batch2(maker, signed(alicePk, bid)), signed(carolPk, bid));
        expectSettleRevert(withFill(b, 0, 1, 1e18), orderError(2, 1));
    }

    function test_RejectsNoncesBelowTheOnChainMinimum() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 2e18);
        IExchangeTypes.Order memory old = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        old.nonce = 4;
        IExchangeTypes.Order memory current = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        current.nonce = 5;

        vm.prank(alice);
        ex.cancelUpTo(aliceSub, 5);
        assertEq(ex.minNonce(aliceSub), 5, "min nonce set at once");
        // effective before the request is processed by any batch
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, old)), 0, 1, 1e18);
        b.requestCursor = ex.processedRequests();
        expectSettleRevert(b, orderError(1, 3));

        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, current)), 0, 1, 1e18));

        // never lowered; the queued request carries the resulting minimum
        vm.prank(alice);
        uint64 id = ex.cancelUpTo(aliceSub, 3);
        assertEq(ex.minNonce(aliceSub), 5, "not lowered");
        IExchangeTypes.Request memory r = ex.getRequest(id);
        assertEq(uint256(r.kind), uint256(IExchangeTypes.RequestKind.CancelUpTo), "kind");
        assertEq(uint256(r.amount), 5, "request amount");

        // other subaccounts of the same owner are unaffected
        assertEq(ex.minNonce(sub(alice, "other")), 0, "per subaccount");

        vm.prank(bob);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.cancelUpTo(aliceSub, 100);
    }

    function test_OnChainCancelOfAnOrderIsFinal() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 2e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        // half of bob's ask fills first
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18));

        IExchangeTypes.Order[] memory orders = new IExchangeTypes.Order[](1);
        orders[0] = ask;
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.cancelOrders(orders); // alice does not own bob's order

        vm.prank(bob);
        uint64 id = ex.cancelOrders(orders);
        bytes32 digest = ex.orderHash(ask);
        assertEq(uint256(ex.filled(digest)), 2e18, "consumed whole");
        IExchangeTypes.Request memory r = ex.getRequest(id);
        assertEq(uint256(r.kind), uint256(IExchangeTypes.RequestKind.CancelOrder), "kind");
        assertEq(r.subaccount, bobSub, "subaccount");
        assertEq(r.data, digest, "order hash");

        // no batch can fill the rest, before or after the request is processed
        IExchangeTypes.Order memory bid2 = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, bid2)), 0, 1, 1e18);
        b.requestCursor = ex.processedRequests();
        expectSettleRevert(b, fillError(0, 4));

        IExchangeTypes.Order[] memory none = new IExchangeTypes.Order[](0);
        vm.prank(bob);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.cancelOrders(none);
    }

    function test_ALinkedSignerSignsOrdersUntilItsExpiry() public {
        address key = vm.addr(carolPk); // carol's key trades for alice's subaccount
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 3e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        // not yet linked: refused
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid)), 0, 1, 1e18), orderError(1, 1));

        vm.prank(bob);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.setLinkedSigner(aliceSub, key, 0);

        uint64 expiry = uint64(block.timestamp + 100);
        vm.prank(alice);
        uint64 id = ex.setLinkedSigner(aliceSub, key, expiry);
        IExchangeTypes.Request memory r = ex.getRequest(id);
        assertEq(uint256(r.kind), uint256(IExchangeTypes.RequestKind.LinkedSigner), "kind");
        assertEq(uint256(r.amount), expiry, "expiry in the request");
        assertEq(r.data, bytes32(uint256(uint160(key))), "signer in the request");
        settle(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid)), 0, 1, 1e18));

        // at the expiry (batch time), no longer
        vm.warp(expiry);
        IExchangeTypes.Order memory bid2 = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid2)), 0, 1, 1e18), orderError(1, 1));

        // renewed without expiry, then removed
        vm.prank(alice);
        ex.setLinkedSigner(aliceSub, key, 0);
        settle(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid2)), 0, 1, 1e18));
        vm.prank(alice);
        ex.setLinkedSigner(aliceSub, address(0), 55);
        (address s, uint64 e) = ex.linkedSigner(aliceSub);
        assertEq(s, address(0), "removed");
        assertEq(uint256(e), 0, "no expiry left");
        IExchangeTypes.Order memory bid3 = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(carolPk, bid3)), 0, 1, 1e18), orderError(1, 1));
        // the owner still signs
        settle(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid3)), 0, 1, 1e18));
    }

    function test_RejectsUnknownAndInactiveMarkets() public {
        IExchangeTypes.Order memory ask = order(bobSub, 9, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, 9, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18), orderError(0, 2));

        IExchangeTypes.Market memory halted = market(WETH, 0.01e18, 0.001e18, ETH_MAKER_FEE, ETH_TAKER_FEE, "WETH/USDC");
        halted.active = false;
        ex.listMarket(ETH_USDC, halted);
        settle(emptyBatch()); // a change takes effect with the batch that passes it
        IExchangeTypes.Order memory ask2 = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid2 = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        expectSettleRevert(withFill(batch2(signed(bobPk, ask2), signed(alicePk, bid2)), 0, 1, 1e18), orderError(0, 2));
    }

    function test_RejectsNonCanonicalOrderEncoding() public {
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18);
        bytes memory data = abi.encodeCall(ex.settleBatch, (b));
        // Find the encoded isBuy word of the bid (== 1) right after its subaccount and marketId, and dirty it.
        bytes32 subWord = aliceSub;
        uint256 pos;
        for (uint256 i = 4; i + 32 <= data.length; i += 32) {
            bytes32 w;
            assembly {
                w := mload(add(add(data, 0x20), i))
            }
            if (w == subWord) {
                pos = i + 64;
                break;
            }
        }
        assertTrue(pos != 0, "found the bid");
        data[pos + 31] = 0x03;
        vm.prank(operator);
        (bool ok, bytes memory ret) = address(ex).call(data);
        assertTrue(!ok, "dirty bool rejected");
        assertEq(ret.length, 0, "rejected by the encoding check, before the signature check");
    }

    // ------------------------------------------------------------ batch rejections

    function test_OnlyOperatorsSettle() public {
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectRevert(IExchangeTypes.NotOperator.selector);
        ex.settleBatch(b);
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotOperator.selector);
        ex.settleBatch(b);

        ex.setOperator(operator, false);
        expectSettleRevert(b, abi.encodeWithSelector(IExchangeTypes.NotOperator.selector));
        ex.setOperator(operator, true);
        settle(b);
    }

    function test_RejectsWrongBatchIds() public {
        IExchangeTypes.Batch memory b = emptyBatch();
        uint64 next = b.batchId;
        b.batchId = next + 1;
        expectSettleRevert(b, batchError(1));
        b.batchId = next - 1;
        expectSettleRevert(b, batchError(1));
        b.batchId = 0;
        expectSettleRevert(b, batchError(1));
        b.batchId = next;
        settle(b);
        expectSettleRevert(b, batchError(1)); // the same batch twice
    }

    function test_RejectsBadTimestamps() public {
        vm.warp(T0 + 1000);
        IExchangeTypes.Batch memory b = emptyBatch();
        b.timestamp = T0 + 1001; // in the future
        expectSettleRevert(b, batchError(2));
        b.timestamp = T0 + 1000 - MAX_BATCH_AGE - 1; // too old
        expectSettleRevert(b, batchError(2));
        b.timestamp = T0 + 1000 - MAX_BATCH_AGE; // the oldest allowed
        settle(b);

        IExchangeTypes.Batch memory c = emptyBatch();
        c.timestamp = T0 + 1000 - MAX_BATCH_AGE - 1 + 0; // before the last batch
        expectSettleRevert(c, batchError(2));
        c.timestamp = T0 + 1000 - MAX_BATCH_AGE; // equal to the last batch: allowed
        settle(c);
    }

    function test_RejectsBadCursors() public {
        deposit(alice, aliceSub, USDC, 1e6);
        deposit(alice, aliceSub, USDC, 2e6);
        IExchangeTypes.Batch memory b = emptyBatch();
        b.requestCursor = ex.requestCount() + 1;
        expectSettleRevert(b, batchError(3));
        b.requestCursor = ex.processedRequests() + 1; // part of the queue
        settle(b);
        assertEq(bal(aliceSub, USDC), 100_001e18, "only the first deposit");

        IExchangeTypes.Batch memory c = emptyBatch();
        c.requestCursor = ex.processedRequests() - 1; // backwards
        expectSettleRevert(c, batchError(3));
        c.requestCursor = ex.processedRequests(); // standing still is fine
        settle(c);
        assertEq(bal(aliceSub, USDC), 100_001e18, "still only the first");
        settle(emptyBatch());
        assertEq(bal(aliceSub, USDC), 100_003e18, "both");
    }

    // ------------------------------------------------------------ invariants

    function testFuzz_FillsConserveAndNeverGoNegative(uint64 lots, uint32 ticks, bool takerBuys, uint8 feeBp) public {
        lots = uint64(bound(lots, 1, 1_000_000)); // up to 1000 WETH
        ticks = uint32(bound(ticks, 1, 100_000_000)); // up to 1,000,000 USDC
        int64 taker = int64(uint64(bound(feeBp, 0, 100))) * 1e14;
        ex.listMarket(3, market(WETH, 0.01e18, 0.001e18, -taker / 2, taker, "FUZZ"));
        uint128 amount = uint128(lots) * 0.001e18;
        uint128 price = uint128(ticks) * 0.01e18;
        fund(bob, bobSub, WETH, amount);
        uint256 notional = uint256(amount) * price / 1e30; // USDC token units
        fund(alice, aliceSub, USDC, notional + notional / 100 + 1e6); // fees are at most 1 %

        IExchangeTypes.Order memory ask = order(bobSub, 3, false, price, amount);
        IExchangeTypes.Order memory bid = order(aliceSub, 3, true, price, amount);
        IExchangeTypes.Batch memory b = takerBuys
            ? withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, amount)
            : withFill(batch2(signed(alicePk, bid), signed(bobPk, ask)), 0, 1, amount);
        settle(b);

        int256 quoteTotal = bal(aliceSub, USDC) + bal(bobSub, USDC) + bal(carolSub, USDC) + bal(feeSub, USDC);
        assertEq(quoteTotal, int256(usdc.balanceOf(address(ex))) * 1e12, "quote conserved exactly");
        assertEq(bal(aliceSub, WETH) + bal(bobSub, WETH) + bal(carolSub, WETH), int256(weth.balanceOf(address(ex))), "base");
        assertGe(bal(feeSub, USDC), 0, "fees never negative");
        assertSolvent(everyone());
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }
}
