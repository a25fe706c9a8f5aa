// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Exchange} from "../../contracts/Exchange.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";

/// @notice What a random sequence of calls may do to the Exchange: deposits, withdrawal requests,
///         trades settled in batches (sometimes refused), on-chain cancels and linked signers.
///         Every input is bounded to something a real caller could send; refused calls are fine.
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

    constructor(IExchange ex_, address operator_, uint256[3] memory keys_, bytes32[3] memory subs_) {
        ex = ex_;
        operator = operator_;
        keys = keys_;
        subs = subs_;
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

    /// One maker order and one taker order on WETH/USDC, filled up to the smaller amount.
    function trade(uint256 makerSeed, uint256 takerSeed, uint256 price, uint256 makerLots, uint256 takerLots, bool takerBuys)
        external
    {
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

    function _order(uint256 who, bool isBuy, uint128 price, uint128 amount) internal returns (IExchangeTypes.Order memory o) {
        o = IExchangeTypes.Order({
            subaccount: subs[who],
            marketId: 1,
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
            ++refused; // a short balance or an overfill: the batch is refused whole, nothing moves
        }
    }
}

/// @notice Conservation after every call of a random sequence (DESIGN §10): for each token, the
///         Exchange holds at least what its balances add up to, and no balance is negative.
contract InvariantsTest is Fixture {
    Handler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[3] memory keys = [alicePk, bobPk, carolPk];
        bytes32[3] memory subs = [aliceSub, bobSub, carolSub];
        handler = new Handler(ex, operator, keys, subs);
    }

    /// Only the handler's functions are called (forge reads this list).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_TokensCoverEveryBalance() public view {
        assertSolvent(everyone());
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
        handler.trade(1, 0, 1000, 999, 499, true); // alice (taker) buys 0.5 WETH at 1,001 from bob's 1 WETH ask
        assertEq(handler.settled(), 2, "both batches settled");
        assertEq(bal(aliceSub, WETH), 0.5e18, "alice received WETH");
        assertEq(handler.restingCount(), 1, "bob's remainder rests");
        handler.cancelResting(0);
        handler.takeResting(0, 0, 100);
        assertEq(handler.refused(), 1, "a cancelled order cannot be taken");
        assertSolvent(everyone());
    }
}
