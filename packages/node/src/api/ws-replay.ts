/**
 * Resuming a stream (spec/api.md, "WebSocket"): a client that reconnects says the last batch it
 * saw (`fromBatchId`) and is sent, after its snapshot, every update of the batches since — from
 * the node's history — then the live ones, so a client that reconnected has missed nothing and
 * seen nothing twice. Updates are replayed only when this node holds every batch since (it may
 * have joined from a snapshot after `fromBatchId`); otherwise the caller sends a `gap`.
 */
import type { BatchUpdate, Trade } from '@kestrel/api';
import type { BatchSummary, HistoryReader } from '../store/history.js';
import { tradeToWire } from './history-routes.js';

export const batchUpdate = (b: Pick<BatchSummary, 'batchId' | 'timestamp' | 'stateHash' | 'inputs' | 'requests' | 'fills'>): BatchUpdate => ({
  batchId: b.batchId.toString(),
  timestamp: b.timestamp.toString(),
  stateHash: b.stateHash,
  inputs: b.inputs,
  requests: b.requests,
  fills: b.fills,
});

/** Batch summaries read per step of a `batches` replay. */
const BATCH_STEP = 256;
/**
 * Trades read per step of a `trades` replay: more than one batch can hold in a market (a batch
 * carries at most 2,000 inputs), so a step always ends on whole batches.
 */
const TRADE_STEP = 5000;

/**
 * The updates of the batches after `from` up to `to` for one subscription, handed to `send` in
 * order; `upTo` is the last batch they cover (a batch without trades of the market sends nothing
 * and is covered all the same). `ok` is false when this node's history lacks a batch after `from`,
 * or `send` refused (the client is gone). `wanted` is asked before each read: a subscription
 * dropped meanwhile stops its replay there.
 */
export async function replay(
  history: Pick<HistoryReader, 'batchesAfter' | 'tradesAfter' | 'summaries'>,
  sub: { channel: 'trades' | 'batches'; marketId: number },
  from: bigint,
  to: bigint,
  send: (data: unknown) => boolean,
  wanted: () => boolean,
): Promise<{ ok: boolean; upTo: bigint }> {
  // this node must hold the batch right after `from`: history is written with every batch it
  // commits, so from there on it holds them all (a node that joined from a snapshot later does not)
  const [first] = await history.batchesAfter(from, 1);
  if (first === undefined || first.batchId !== from + 1n) return { ok: false, upTo: from };
  let at = from;
  while (at < to && wanted()) {
    if (sub.channel === 'batches') {
      const batches = (await history.batchesAfter(at, BATCH_STEP)).filter((b) => b.batchId <= to);
      if (batches.length === 0 || batches[0]!.batchId !== at + 1n) return { ok: false, upTo: at };
      for (const b of batches) {
        if (b.batchId !== at + 1n || !send(batchUpdate(b))) return { ok: false, upTo: at };
        at = b.batchId;
      }
      continue;
    }
    // trades: read the market's trades, not every batch's summary (a quiet market costs one read)
    const trades = (await history.tradesAfter(sub.marketId, at, TRADE_STEP)).filter((t) => t.batchId <= to);
    const full = trades.length === TRADE_STEP;
    const byBatch = new Map<bigint, Trade[]>();
    for (const t of trades) {
      const list = byBatch.get(t.batchId) ?? [];
      list.push(tradeToWire(t));
      byBatch.set(t.batchId, list);
    }
    const ids = [...byBatch.keys()];
    // a full step may end inside a batch: that batch is read again by the next step
    if (full && ids.length > 1) byBatch.delete(ids.pop()!);
    // each batch's state hash: a client resumes from a batch and the version of it it saw
    const summaries = await history.summaries([...byBatch.keys()]);
    let k = 0;
    for (const [batchId, list] of byBatch) {
      const stateHash = summaries[k++]?.stateHash;
      // rolled back since its trades were read: stop before it (the caller reads on from there)
      if (stateHash === undefined) return { ok: true, upTo: at };
      if (!send({ batchId: batchId.toString(), stateHash, trades: list })) return { ok: false, upTo: at };
      at = batchId;
    }
    if (!full) at = to;
  }
  return { ok: true, upTo: at };
}
