// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PerpFixture} from "./utils/PerpFixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice An order's flags and its market's grid bind on chain, whatever the operator sequences
///         (spec/orders.md, spec/contracts.md): reduce-only never grows or flips a position, post-only is never the
///         taker, IOC and FOK trade in one batch only and never rest, and price, amount and
///         minimum size are on the market's grid.
contract OrderFlagsTest is PerpFixture {
    uint32 internal constant GTC = 0;
    uint32 internal constant IOC = 1;
    uint32 internal constant FOK = 2;
    uint32 internal constant POST_ONLY = 3;
    uint32 internal constant REDUCE_ONLY = 4;

    function setUp() public override {
        super.setUp();
        settle(priced(2000e8));
        next();
    }

    function flagged(bytes32 s, bool isBuy, uint128 amount, uint32 flags) internal returns (IExchangeTypes.Order memory o) {
        o = order(s, ETH_PERP, isBuy, 2000e18, amount);
        o.flags = flags;
        if (flags & 3 == IOC || flags & 3 == FOK) o.expiry = uint64(block.timestamp + 30);
    }

    /// A batch with bob's resting order first and alice's order second, and one fill between them.
    function cross(IExchangeTypes.Order memory bobs, IExchangeTypes.Order memory alices, uint128 amount)
        internal
        view
        returns (IExchangeTypes.Batch memory b)
    {
        b = withFill(batch2(signed(bobPk, bobs), signed(alicePk, alices)), 0, 1, amount);
    }

    // ------------------------------------------------------------ reduce-only

    function test_AReduceOnlyOrderNeverFlipsAPosition() public {
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 0.1e18));
        next();
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, true, 0.2e18, GTC), flagged(aliceSub, false, 0.2e18, REDUCE_ONLY), 0.2e18);
        expectSettleRevert(b, fillError(0, 16));
        settle(cross(flagged(bobSub, true, 0.1e18, GTC), flagged(aliceSub, false, 0.1e18, REDUCE_ONLY), 0.1e18));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "reduced to flat, no further");
    }

    function test_AReduceOnlyOrderNeverOpensAPosition() public {
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, false, 0.1e18, REDUCE_ONLY), flagged(aliceSub, true, 0.1e18, GTC), 0.1e18);
        expectSettleRevert(b, fillError(0, 16)); // bob has no position to reduce
    }

    // ------------------------------------------------------------ post-only

    function test_APostOnlyOrderIsNeverTheTaker() public {
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, false, 0.1e18, GTC), flagged(aliceSub, true, 0.1e18, POST_ONLY), 0.1e18);
        expectSettleRevert(b, fillError(0, 14));
        settle(cross(flagged(bobSub, false, 0.1e18, POST_ONLY), flagged(aliceSub, true, 0.1e18, GTC), 0.1e18)); // as the maker: fine
    }

    // ------------------------------------------------------------ IOC and FOK

    /// An IOC order partly filled in one batch cannot be filled again in a later one.
    function test_AnIocRemainderCannotBeFilledInALaterBatch() public {
        IExchangeTypes.Order memory ioc = flagged(aliceSub, true, 0.2e18, IOC);
        settle(cross(flagged(bobSub, false, 0.1e18, GTC), ioc, 0.1e18));
        next();
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, false, 0.1e18, GTC), ioc, 0.1e18);
        expectSettleRevert(b, orderError(1, 3));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0.1e18, "only the first batch's fill");
    }

    function test_AnIocOrderNeedsAShortExpiry() public {
        IExchangeTypes.Order memory ioc = flagged(aliceSub, true, 0.1e18, IOC);
        ioc.expiry = 0;
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), ioc, 0.1e18), orderError(1, 11));
        ioc.expiry = uint64(block.timestamp + 121);
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), ioc, 0.1e18), orderError(1, 11));
        ioc.expiry = uint64(block.timestamp + 120);
        settle(cross(flagged(bobSub, false, 0.1e18, GTC), ioc, 0.1e18));
    }

    function test_AFokOrderFillsCompletelyInItsBatchOrNotAtAll() public {
        IExchangeTypes.Order memory fok = flagged(aliceSub, true, 0.2e18, FOK);
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), fok, 0.1e18), orderError(1, 12));
        settle(cross(flagged(bobSub, false, 0.2e18, GTC), fok, 0.2e18));
    }

    function test_AnIocOrderNeverRests() public {
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, false, 0.1e18, IOC), flagged(aliceSub, true, 0.1e18, GTC), 0.1e18);
        expectSettleRevert(b, fillError(0, 15)); // an IOC as the maker
    }

    function test_UnknownFlagBitsAreRefused() public {
        IExchangeTypes.Batch memory b = cross(flagged(bobSub, false, 0.1e18, 1 << 5), flagged(aliceSub, true, 0.1e18, GTC), 0.1e18);
        expectSettleRevert(b, orderError(0, 10));
        b = cross(flagged(bobSub, false, 0.1e18, 3 << 3), flagged(aliceSub, true, 0.1e18, GTC), 0.1e18); // self-trade mode 3
        expectSettleRevert(b, orderError(0, 10));
    }

    // ------------------------------------------------------------ the grid

    function test_PriceAmountAndMinimumSizeAreOnTheMarketsGrid() public {
        IExchangeTypes.Order memory offTick = flagged(aliceSub, true, 0.1e18, GTC);
        offTick.price = 2000.005e18;
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), offTick, 0.1e18), orderError(1, 9));
        IExchangeTypes.Order memory offLot = flagged(aliceSub, true, 0.1005e18, GTC);
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), offLot, 0.1e18), orderError(1, 9));
        IExchangeTypes.Order memory offLotFill = flagged(aliceSub, true, 0.1e18, GTC);
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), offLotFill, 0.0995e18), fillError(0, 17));

        IExchangeTypes.Market memory perp = market(WETH, 0.01e18, 0.001e18, 0, 0.0005e18, "ETH-PERP");
        perp.kind = IExchangeTypes.MarketKind.Perp;
        perp.minSize = 0.01e18;
        ex.listMarket(ETH_PERP, perp);
        settle(emptyBatch()); // a change takes effect with the batch that passes it
        IExchangeTypes.Order memory small = flagged(aliceSub, true, 0.005e18, GTC);
        expectSettleRevert(cross(flagged(bobSub, false, 0.1e18, GTC), small, 0.005e18), orderError(1, 9));
    }
}
