import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ORDER_TYPEHASH,
  RISK_PLAN_TYPEHASH,
  bytesToHex,
  domainSeparator,
  orderHash,
  orderStructHash,
  riskPlanDigest,
  type Hex,
  type Order,
} from '@kestrel/core';

interface Vector {
  name: string;
  domain: { name: 'Kestrel'; version: '1'; chainId: string; verifyingContract: Hex };
  domainSeparator: Hex;
  order: { subaccount: Hex; marketId: number; isBuy: boolean; price: string; amount: string; nonce: string; expiry: string; flags: number; clientId: string };
  structHash: Hex;
  digest: Hex;
}

const file = new URL('../../core/test/vectors/eip712.json', import.meta.url);
interface PlanVector {
  name: string;
  domain: Vector['domain'];
  plan: { subaccount: Hex; marketOrder: number[]; maxSlippageBps: number; graceSeconds: number; nonce: string };
  digest: Hex;
}

const doc = JSON.parse(readFileSync(file, 'utf8')) as { orderTypehash: Hex; vectors: Vector[]; riskPlanTypehash: Hex; riskPlans: PlanVector[] };

// The Solidity tests replay the same file against the contract (test/forge/Vectors.t.sol); this
// keeps it in step with core, so a change on either side fails one of the two.
describe('shared EIP-712 vectors', () => {
  it('match the core package', () => {
    expect(doc.orderTypehash).toBe(ORDER_TYPEHASH);
    expect(doc.vectors.length).toBeGreaterThanOrEqual(5);
    for (const v of doc.vectors) {
      const order: Order = {
        ...v.order,
        price: BigInt(v.order.price),
        amount: BigInt(v.order.amount),
        nonce: BigInt(v.order.nonce),
        expiry: BigInt(v.order.expiry),
        clientId: BigInt(v.order.clientId),
      };
      const sep = domainSeparator({ ...v.domain, chainId: BigInt(v.domain.chainId) });
      expect(sep, v.name).toBe(v.domainSeparator);
      expect(bytesToHex(orderStructHash(order)), v.name).toBe(v.structHash);
      expect(orderHash(sep, order), v.name).toBe(v.digest);
    }
  });

  it('match the core package for risk plans', () => {
    expect(doc.riskPlanTypehash).toBe(RISK_PLAN_TYPEHASH);
    expect(doc.riskPlans.length).toBeGreaterThanOrEqual(3);
    for (const v of doc.riskPlans) {
      const sep = domainSeparator({ ...v.domain, chainId: BigInt(v.domain.chainId) });
      expect(riskPlanDigest(sep, { ...v.plan, nonce: BigInt(v.plan.nonce) }), v.name).toBe(v.digest);
    }
  });
});
