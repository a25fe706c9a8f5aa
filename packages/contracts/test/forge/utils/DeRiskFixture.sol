// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PerpFixture} from "./PerpFixture.sol";
import {IExchangeTypes} from "../../../contracts/interfaces/IExchangeTypes.sol";

/// @notice The PerpFixture with the devnet's de-risking parameters and the numbers of the
///         engine's own tests (core test/engine/de-risk.test.ts): alice long 2 ETH-PERP at 2,000
///         with 500 USDC, bob the market maker, carol 10 WETH. Helpers sign plans, name margin
///         calls, send plan steps and deleverage.
abstract contract DeRiskFixture is PerpFixture {
    bytes32 internal constant PLAN_TYPEHASH = keccak256(
        "RiskPlan(bytes32 subaccount,uint32[] marketOrder,uint16 maxSlippageBps,uint32 graceSeconds,uint64 nonce)"
    );

    function setUp() public virtual override {
        super.setUp();
        ex.setDeRiskParams(
            IExchangeTypes.DeRiskParams({
                backstopRatio: 0.5e18,
                liquidationDiscount: 0.01e18,
                insuranceShare: 0.5e18,
                maxGraceSeconds: 900,
                defaultGraceSeconds: 300,
                defaultSlippageBps: 100
            })
        );
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 2e18));
        next();
    }

    // ------------------------------------------------------------ helpers

    function plan(bytes32 subaccount, uint16 slippage, uint32 grace, uint64 nonce)
        internal
        pure
        returns (IExchangeTypes.RiskPlan memory p)
    {
        p.subaccount = subaccount;
        p.marketOrder = new uint32[](1);
        p.marketOrder[0] = ETH_PERP;
        p.maxSlippageBps = slippage;
        p.graceSeconds = grace;
        p.nonce = nonce;
    }

    function signPlan(uint256 pk, IExchangeTypes.RiskPlan memory p) internal view returns (IExchangeTypes.SignedRiskPlan memory) {
        bytes32 structHash = keccak256(
            abi.encode(PLAN_TYPEHASH, p.subaccount, keccak256(abi.encodePacked(p.marketOrder)), p.maxSlippageBps, p.graceSeconds, p.nonce)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", ex.domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return IExchangeTypes.SignedRiskPlan({plan: p, signature: abi.encodePacked(r, s, v)});
    }

    function withPlan(IExchangeTypes.Batch memory b, IExchangeTypes.SignedRiskPlan memory p)
        internal
        pure
        returns (IExchangeTypes.Batch memory)
    {
        b.plans = new IExchangeTypes.SignedRiskPlan[](1);
        b.plans[0] = p;
        return b;
    }

    function naming(IExchangeTypes.Batch memory b, bytes32 s) internal pure returns (IExchangeTypes.Batch memory) {
        b.marginCalls = new bytes32[](1);
        b.marginCalls[0] = s;
        return b;
    }

    /// A batch at `px` (8 decimals) that flags alice.
    function flagAlice(int256 px) internal {
        settle(naming(priced(px), aliceSub));
        assertEq(ex.marginCallAt(aliceSub), block.timestamp, "flagged at the batch's time");
        next();
    }

    /// Bob's bid at `bid` and alice's plan order (no signature) selling `amount` at worst `limit`.
    function planStep(uint128 bid, uint128 limit, uint128 amount, uint128 fill) internal returns (IExchangeTypes.Batch memory b) {
        b = priced(1800e8);
        b = withOrder(b, signed(bobPk, order(bobSub, ETH_PERP, true, bid, 5e18)));
        IExchangeTypes.Order memory o = order(aliceSub, ETH_PERP, false, limit, amount);
        (o.nonce, o.clientId, o.flags) = (0, 0, 5); // IOC, reduce-only
        b = withOrder(b, IExchangeTypes.SignedOrder({order: o, signature: ""}));
        b = withFill(b, 0, 1, fill);
    }

    /// A batch at 1,700 deleveraging alice against carol, then bob.
    function deleverage() internal returns (IExchangeTypes.Batch memory b) {
        b = priced(1700e8);
        b.deleverages = new IExchangeTypes.Deleverage[](1);
        b.deleverages[0].subaccount = aliceSub;
        b.deleverages[0].marketId = ETH_PERP;
        b.deleverages[0].counterparties = new bytes32[](2);
        b.deleverages[0].counterparties[0] = carolSub;
        b.deleverages[0].counterparties[1] = bobSub;
    }

}
