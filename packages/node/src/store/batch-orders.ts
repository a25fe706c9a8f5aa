/**
 * What a committed batch does to the ledger's signed orders and cancels, worked out before the
 * write (spec/node.md, Persistence): the inputs it sequenced, the orders it adds, and the orders
 * it finished — archived, and gone from memory once the write is done. Pure: the ledger writes
 * the operations and updates its maps only after the store took them.
 */
import type { EngineEvent, Hex, OrderState, Order, Proposal } from '@kestrel/core';
import { isSigned } from '@kestrel/core';
import type { ArchivedOrder } from './archive.js';
import type { SignedOrderRecord } from './records.js';

export type Op = { put: string; value: unknown } | { del: string };

/** The signed inputs of a batch: what it sequenced (all of them), the orders and cancels it records. */
export function sequencedInputs(p: Pick<Proposal, 'inputs' | 'batchId'>): {
  sequenced: Hex[];
  newOrders: Map<Hex, SignedOrderRecord>;
  newCancels: Array<[Hex, bigint]>;
  ops: Op[];
} {
  const sequenced: Hex[] = [];
  const newOrders = new Map<Hex, SignedOrderRecord>();
  const newCancels: Array<[Hex, bigint]> = [];
  const ops: Op[] = [];
  for (const input of p.inputs) {
    if (!isSigned(input)) continue;
    sequenced.push(input.hash);
    if (input.type === 'riskPlan') continue; // the engine keeps the plan
    if (input.type === 'cancel' || input.type === 'cancelAll') {
      const ts = input.type === 'cancel' ? input.cancel.timestamp : input.cancelAll.timestamp;
      newCancels.push([input.hash, ts]);
      ops.push({ put: `cancel:${input.hash}`, value: { timestamp: ts } });
    } else newOrders.set(input.hash, { order: input.order, signature: input.signature, batchId: p.batchId });
  }
  return { sequenced, newOrders, newCancels, ops };
}

/**
 * The orders a batch finished — those the engine handed over, and those it rejected without
 * keeping a record (archived from their input) — each archived with its signature, and the held
 * records they leave (deleted from disk, kept for a rollback).
 */
export function finishedOrders(
  engineFinished: readonly OrderState[],
  events: readonly EngineEvent[],
  newOrders: ReadonlyMap<Hex, SignedOrderRecord>,
  held: (hash: Hex, order: Order) => SignedOrderRecord | undefined,
  finishedAt: bigint,
): { finished: Map<Hex, OrderState>; archived: ArchivedOrder[]; removedOrders: Array<[Hex, SignedOrderRecord]>; ops: Op[] } {
  const finished = new Map<Hex, OrderState>(engineFinished.map((o) => [o.hash, o]));
  for (const e of events) {
    if (e.kind !== 'rejected' || finished.has(e.hash)) continue;
    const o = newOrders.get(e.hash);
    if (o) finished.set(e.hash, { hash: e.hash, order: o.order, status: 'rejected', filled: 0n, sequence: 0n, rejectCode: e.code });
  }
  const archived: ArchivedOrder[] = [];
  const removedOrders: Array<[Hex, SignedOrderRecord]> = [];
  const ops: Op[] = [];
  for (const [hash, state] of finished) {
    const kept = held(hash, state.order);
    const signed = newOrders.get(hash) ?? kept;
    archived.push({ state, signature: signed?.signature ?? null, batchId: signed?.batchId ?? null, finishedAt });
    if (kept) {
      removedOrders.push([hash, kept]);
      ops.push({ del: `order:${hash}` });
    }
  }
  return { finished, archived, removedOrders, ops };
}
