/**
 * A batch as one state transition (src/batch): the order of its steps, the digest an operator
 * signs, and the settlement the contract receives.
 */
import { describe, expect, it } from 'vitest';
import { applyBatch, Engine, planOrderFlags, proposalDigest, settlementOf, type BatchInput, type Hex, type Proposal } from '../../src/index.js';
import { alice, bob, brief, config, DOMAIN, ETH, order, USDC, WETH, x, depositRequest } from '../engine/fixtures.js';

const deposit = depositRequest;
const signedOrder = (o: ReturnType<typeof order>): BatchInput => ({ type: 'order', order: o.order, signature: '0x11', hash: o.hash });
const names = (h: Hex): string => h.slice(0, 6);

describe('applyBatch', () => {
  it('credits the queued requests before the orders, so a deposit in the same batch funds a fill', () => {
    const engine = new Engine(config);
    const ask = order(bob, 'sell', '2000', '1');
    const bid = order(alice, 'buy', '2000', '1');
    const events = applyBatch(engine, {
      timestamp: 1_000n,
      prices: [],
      funding: [],
      requests: [deposit(0n, bob, WETH, '1'), deposit(1n, alice, USDC, '2100')],
      inputs: [signedOrder(ask), signedOrder(bid)],
    });
    const kinds = events.map((e) => e.kind);
    expect(kinds.indexOf('deposited')).toBeLessThan(kinds.indexOf('fill'));
    expect(engine.balance(alice, WETH)).toBe(x('1'));
  });

  it('is the same function for every role: two engines given one batch reach one state', () => {
    const batch = {
      timestamp: 1_000n,
      prices: [],
      funding: [],
      requests: [deposit(0n, bob, WETH, '2'), deposit(1n, alice, USDC, '5000')],
      inputs: [signedOrder(order(bob, 'sell', '2000', '2')), signedOrder(order(alice, 'buy', '2001', '1.5'))],
    };
    const [a, b] = [new Engine(config), new Engine(config)];
    expect(brief(applyBatch(a, batch), names)).toEqual(brief(applyBatch(b, batch), names));
    expect(a.stateHash()).toBe(b.stateHash());
  });
});

describe('proposalDigest', () => {
  const proposal: Omit<Proposal, 'signature'> = {
    batchId: 7n,
    timestamp: 1_000n,
    requestCursor: 2n,
    prices: [{ marketId: ETH, roundId: 3n, price: x('2000'), publishedAt: 990n }],
    funding: [3],
    requests: [deposit(1n, alice, USDC, '10')],
    inputs: [signedOrder(order(alice, 'buy', '2000', '1')), { type: 'deleverage', subaccount: bob, marketId: 3 }],
    prevStateHash: `0x${'aa'.repeat(32)}`,
    stateHash: `0x${'bb'.repeat(32)}`,
  };

  it('binds every field and the deployment', () => {
    const base = proposalDigest(DOMAIN, proposal);
    const changed: Array<Omit<Proposal, 'signature'>> = [
      { ...proposal, batchId: 8n },
      { ...proposal, timestamp: 1_001n },
      { ...proposal, requestCursor: 3n },
      { ...proposal, prices: [{ ...proposal.prices[0]!, roundId: 4n }] },
      { ...proposal, funding: [4] },
      { ...proposal, requests: [deposit(1n, alice, USDC, '11')] },
      { ...proposal, inputs: [proposal.inputs[0]!, { type: 'deleverage', subaccount: bob, marketId: 4 }] },
      { ...proposal, prevStateHash: `0x${'ab'.repeat(32)}` },
      { ...proposal, stateHash: `0x${'bc'.repeat(32)}` },
    ];
    for (const p of changed) expect(proposalDigest(DOMAIN, p)).not.toBe(base);
    expect(proposalDigest(`0x${'01'.repeat(32)}`, proposal)).not.toBe(base);
    expect(proposalDigest(DOMAIN, { ...proposal })).toBe(base);
  });
});

describe('settlementOf', () => {
  it('names each order once, in first-use order, and the fills between them by index', () => {
    const engine = new Engine(config);
    const asks = [order(bob, 'sell', '2000', '1'), order(bob, 'sell', '2001', '1')];
    const bid = order(alice, 'buy', '2001', '2');
    const inputs = [...asks, bid].map(signedOrder);
    const b = {
      batchId: 1n,
      timestamp: 1_000n,
      requestCursor: 2n,
      prices: [],
      funding: [],
      requests: [deposit(0n, bob, WETH, '2'), deposit(1n, alice, USDC, '5000')],
      inputs,
    };
    const events = applyBatch(engine, b);
    const lookup = (h: Hex) => inputs.find((i) => i.type === 'order' && i.hash === h) as { hash: Hex; order: never; signature: Hex } | undefined;
    const args = settlementOf({ ...b, stateHash: engine.stateHash() }, events, lookup);
    expect(args.hashes).toEqual([asks[0]!.hash, bid.hash, asks[1]!.hash]);
    expect(args.fills).toEqual([
      { maker: 0, taker: 1, amount: x('1') },
      { maker: 2, taker: 1, amount: x('1') },
    ]);
    expect(args.stateHash).toBe(engine.stateHash());
  });

  it('sends a plan order as the contract checks it: IOC, reduce-only on a perp, unsigned', () => {
    expect(planOrderFlags(true)).toBe(5);
    expect(planOrderFlags(false)).toBe(1);
  });
});
