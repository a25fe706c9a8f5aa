import { describe, expect, it } from 'vitest';
import { encodeFlags, makeSubaccount, orderInput, parseX18 as x, type EngineEvent, type Hex, type Order, type OrderState } from '@kestrel/core';
import { finishedOrders, sequencedInputs } from '../../src/store/batch-orders.js';
import type { SignedOrderRecord } from '../../src/store/records.js';

const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
const alice = makeSubaccount('0x1111111111111111111111111111111111111111', 'main') as Hex;
const order = (nonce: bigint): Order => ({
  subaccount: alice,
  marketId: 1,
  isBuy: true,
  price: x('2000'),
  amount: x('1'),
  nonce,
  expiry: 0n,
  flags: encodeFlags({}),
  clientId: 0n,
});
const sig = `0x${'22'.repeat(65)}` as Hex;
const input = (nonce: bigint) => orderInput(DOMAIN, order(nonce), sig);
const state = (nonce: bigint, status: OrderState['status']): OrderState => ({ hash: input(nonce).hash, order: order(nonce), status, filled: 0n, sequence: 1n });

describe("a batch's orders, worked out before its write", () => {
  it('records the orders and cancels it sequenced; plans and protocol steps add none', () => {
    const cancel = {
      type: 'cancel' as const,
      cancel: { subaccount: alice, orderHashes: [], timestamp: 77n },
      signature: sig,
      hash: `0x${'33'.repeat(32)}` as Hex,
    };
    const got = sequencedInputs({ batchId: 5n, inputs: [input(1n), cancel, { type: 'drop', hash: input(9n).hash }, { type: 'deRisk', subaccount: alice }] });
    expect(got.sequenced).toEqual([input(1n).hash, cancel.hash]);
    expect([...got.newOrders]).toEqual([[input(1n).hash, { order: order(1n), signature: sig, batchId: 5n }]]);
    expect(got.newCancels).toEqual([[cancel.hash, 77n]]);
    expect(got.ops).toEqual([{ put: `cancel:${cancel.hash}`, value: { timestamp: 77n } }]);
  });

  it("archives what finished — from the engine, or rejected before it kept a record — and deletes the held ones' records", () => {
    const heldBefore: SignedOrderRecord = { order: order(1n), signature: sig, batchId: 2n };
    const newOrders = new Map<Hex, SignedOrderRecord>([[input(3n).hash, { order: order(3n), signature: sig, batchId: 5n }]]);
    const events: EngineEvent[] = [{ kind: 'rejected', hash: input(3n).hash, code: 'INSUFFICIENT_MARGIN' } as EngineEvent];
    const got = finishedOrders([state(1n, 'filled')], events, newOrders, (h) => (h === input(1n).hash ? heldBefore : undefined), 900n);
    expect([...got.finished.keys()]).toEqual([input(1n).hash, input(3n).hash]);
    expect(got.finished.get(input(3n).hash)).toMatchObject({ status: 'rejected', rejectCode: 'INSUFFICIENT_MARGIN', filled: 0n });
    expect(got.archived.map((a) => [a.state.hash, a.batchId, a.finishedAt])).toEqual([
      [input(1n).hash, 2n, 900n],
      [input(3n).hash, 5n, 900n],
    ]);
    // only an order this node held has a record to delete (and to put back on a rollback)
    expect(got.removedOrders).toEqual([[input(1n).hash, heldBefore]]);
    expect(got.ops).toEqual([{ del: `order:${input(1n).hash}` }]);
  });
});
