import { NO_DE_RISKING, type SettlementArgs, type BatchInput } from '@kestrel/core';
import { describe, expect, it } from 'vitest';
import type { Hex, Order } from '@kestrel/core';
import { InvalidFillReason, InvalidOrderReason } from '@kestrel/contracts';
import { blame, refusalCode } from '../../src/sequencer/refusal.js';

const h = (n: number): Hex => `0x${String(n).repeat(64)}` as Hex;
const order = (isBuy: boolean): Order => ({
  subaccount: `0x${'11'.repeat(32)}`,
  marketId: 1,
  isBuy,
  price: 1n,
  amount: 1n,
  nonce: 0n,
  expiry: 0n,
  flags: 0,
  clientId: 0n,
});

/** Order 0 rests (a sell), order 1 is new in the batch (a buy), and fill 0 is 1 taking 0. */
function batch(takerIsBuy: boolean): { args: SettlementArgs; inputs: BatchInput[] } {
  const args = {
    batchId: 1n,
    timestamp: 1n,
    requestCursor: 0n,
    stateHash: h(9),
    prices: [],
    funding: [],
    orders: [
      { order: order(!takerIsBuy), signature: '0x' as Hex },
      { order: order(takerIsBuy), signature: '0x' as Hex },
    ],
    fills: [{ maker: 0, taker: 1, amount: 1n }],
    hashes: [h(1), h(2)],
    ...NO_DE_RISKING,
  } satisfies SettlementArgs;
  const inputs: BatchInput[] = [{ type: 'order', hash: h(2), order: order(takerIsBuy), signature: '0x' as Hex }];
  return { args, inputs };
}

describe('reading a refusal', () => {
  it.each([
    ['a bad order', true, 'InvalidOrder', [1n, InvalidOrderReason.EXPIRED], h(2), 'EXPIRED'],
    ['a bad resting order', true, 'InvalidOrder', [0n, InvalidOrderReason.NONCE_CANCELLED], h(1), 'NONCE_USED'],
    ['a taker under margin', true, 'InvalidFill', [0n, InvalidFillReason.TAKER_INSUFFICIENT_MARGIN], h(2), 'INSUFFICIENT_MARGIN'],
    ['a maker under margin', true, 'InvalidFill', [0n, InvalidFillReason.MAKER_INSUFFICIENT_MARGIN], h(1), 'INSUFFICIENT_MARGIN'],
    ['a maker adding risk on a stale price', false, 'InvalidFill', [0n, InvalidFillReason.MAKER_STALE_PRICE], h(1), 'STALE_PRICE'],
    ['a taker adding risk on a stale price', false, 'InvalidFill', [0n, InvalidFillReason.TAKER_STALE_PRICE], h(2), 'STALE_PRICE'],
    ['another fill refusal: the new order', true, 'InvalidFill', [0n, InvalidFillReason.PRICE], h(2), 'SETTLEMENT_REFUSED'],
    ['a fill that does not exist', true, 'InvalidFill', [5n, InvalidFillReason.PRICE], undefined, 'SETTLEMENT_REFUSED'],
    ['a batch-level refusal', true, 'InvalidBatch', [2], undefined, 'SETTLEMENT_REFUSED'],
  ] as const)('%s', (_name, takerIsBuy, error, errArgs, culprit, code) => {
    const { args, inputs } = batch(takerIsBuy);
    const sim = { error, args: errArgs };
    expect(blame(sim, args, inputs)).toBe(culprit);
    expect(refusalCode(sim)).toBe(code);
  });

  it('for an overfill, blames the order the chain holds consumed (cancelled on chain), maker or new taker', () => {
    const { args, inputs } = batch(true);
    const overfill = { error: 'InvalidFill', args: [0n, InvalidFillReason.OVERFILL] };
    expect(blame(overfill, args, inputs, new Set([h(1)]))).toBe(h(1)); // the resting maker, although the taker is new
    expect(blame(overfill, args, inputs, new Set([h(2)]))).toBe(h(2));
    expect(blame(overfill, args, inputs)).toBe(h(2)); // nothing known: the new order, as for any other refusal
  });

  it('blames the maker for another fill refusal when the taker is not new either', () => {
    const { args } = batch(true);
    expect(blame({ error: 'InvalidFill', args: [0n, InvalidFillReason.OVERFILL] }, args, [])).toBe(h(1));
  });
});
