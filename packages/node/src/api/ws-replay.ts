/**
 * Resuming a stream (spec/api.md, "WebSocket"): a client that reconnects says the last batch it
 * saw (`fromBatchId`) and is sent, after its snapshot, every update of the batches since — from
 * the node's history — then the live ones, so a client that reconnected has missed nothing and
 * seen nothing twice. Updates are replayed only from an unbroken run of batches this node
 * committed itself: a node that joined from a snapshot after `fromBatchId`, or a client further
 * back than {@link WsLimits.maxReplayBatches}, gets `resumed: false` and reads the rest from the
 * history endpoints.
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

/** Batches read per step of a replay: the client's buffer limit, not this, bounds what is queued for it. */
const STEP = 256;

/**
 * The updates of the batches after `from` up to `to` for one subscription, handed to `send` in
 * order; `upTo` is the last batch they cover (a batch without trades of the market sends nothing
 * and is covered all the same). `ok` is false when the run stops at a batch missing from history,
 * or `send` refused (the client is gone).
 */
export async function replay(
  history: Pick<HistoryReader, 'batchesAfter' | 'tradesAfter'>,
  sub: { channel: 'trades' | 'batches'; marketId: number },
  from: bigint,
  to: bigint,
  send: (data: unknown) => boolean,
): Promise<{ ok: boolean; upTo: bigint }> {
  let at = from;
  while (at < to) {
    const batches = (await history.batchesAfter(at, STEP)).filter((b) => b.batchId <= to);
    if (batches.length === 0 || batches[0]!.batchId !== at + 1n) return { ok: false, upTo: at };
    for (let i = 1; i < batches.length; i++) if (batches[i]!.batchId !== batches[i - 1]!.batchId + 1n) return { ok: false, upTo: at };
    const last = batches[batches.length - 1]!.batchId;
    if (sub.channel === 'batches') {
      for (const b of batches) if (!send(batchUpdate(b))) return { ok: false, upTo: at };
    } else {
      const byBatch = new Map<bigint, Trade[]>();
      const wanted = batches.reduce((n, b) => n + b.fills, 0);
      for (const t of await history.tradesAfter(sub.marketId, at, wanted + 1)) {
        if (t.batchId > last) break;
        const list = byBatch.get(t.batchId) ?? [];
        list.push(tradeToWire(t));
        byBatch.set(t.batchId, list);
      }
      for (const b of batches) {
        const trades = byBatch.get(b.batchId);
        if (trades !== undefined && !send({ batchId: b.batchId.toString(), trades })) return { ok: false, upTo: at };
      }
    }
    at = last;
  }
  return { ok: true, upTo: at };
}
