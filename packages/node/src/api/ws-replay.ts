/**
 * Resuming a stream (spec/api.md, "WebSocket"): a client that reconnects says the last batch it
 * saw (`fromBatchId`) and is sent, after its snapshot, every update of the batches since — from
 * the node's history — then the live ones, so a client that reconnected has missed nothing and
 * seen nothing twice. Updates are replayed only when this node holds every batch since (it may
 * have joined from a snapshot after `fromBatchId`); otherwise the caller sends a `gap`.
 */
import type { BatchUpdate, Trade, WsChannel } from '@kestrel/api';
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

/** Replay steps running at once over every client: the others wait their turn. */
export class ReplaySlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Replay steps running now (at most `max`). */
  get size(): number {
    return this.running;
  }

  /** Runs one step when fewer than `max` run (history reads share the store with the commits). */
  async run<T>(step: () => Promise<T>): Promise<T> {
    while (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await step();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Wakes every waiting step (the hub closes: each finds its client gone). */
  wakeAll(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** A subscription being resumed, as the hub keeps it. */
export interface Resuming {
  channel: WsChannel;
  /** its market id for `trades` */
  key: string;
  /** the last batch whose update it was given */
  lastBatch: bigint;
  /** while it replays: the lowest batch the node rolled back meanwhile */
  rolledBack: bigint | null;
  /** live updates follow */
  ready: boolean;
}

export interface ResumeContext {
  history: Pick<HistoryReader, 'batchesAfter' | 'tradesAfter' | 'summaries'>;
  /** the node's last committed batch, read anew at each step */
  lastBatchId: () => bigint;
  maxReplayBatches: number;
  slots: ReplaySlots;
  /** sends one message of the subscription; false when its client is gone */
  send: (type: 'update' | 'rollback' | 'gap', data: unknown) => boolean;
  /** whether the subscription is still the client's */
  wanted: () => boolean;
}

/**
 * Takes a subscription whose snapshot was just sent from the batch its client last saw (`from`,
 * and the state hash of that batch as it saw it) to live: a `rollback` first if it saw a batch
 * this node rolled back since, the updates of every batch after it, then `ready` — set in the same
 * turn as the last check that it has caught up, so that no committed batch falls between the
 * replay and the live updates. A `gap` when this node cannot replay.
 */
export async function resume(ctx: ResumeContext, sub: Resuming, from: { batchId: bigint; stateHash: string | undefined }): Promise<void> {
  const { history, lastBatchId, send, wanted } = ctx;
  const gap = (after: bigint): void => {
    const to = lastBatchId();
    send('gap', { fromBatchId: (after + 1n).toString(), toBatchId: to.toString() });
    sub.lastBatch = to;
    sub.ready = true;
  };
  let at = from.batchId;
  // the client saw batches this node no longer holds (rolled back since), or another version of its last
  if (at > lastBatchId()) {
    at = lastBatchId();
    send('rollback', { batchId: (at + 1n).toString() });
  } else if (from.stateHash !== undefined && at > 0n) {
    const [mine] = await history.summaries([at]);
    if (!wanted()) return;
    if (mine !== undefined && mine.stateHash.toLowerCase() !== from.stateHash) {
      send('rollback', { batchId: at.toString() });
      at -= 1n;
    }
  }
  if (sub.channel === 'batches' && lastBatchId() - at > BigInt(ctx.maxReplayBatches)) return gap(at);
  sub.lastBatch = at;
  const market = sub.channel === 'trades' ? Number(sub.key) : 0;
  for (;;) {
    // a batch rolled back while this subscription waited or read: what it was given of it no longer holds
    const back = sub.rolledBack;
    sub.rolledBack = null;
    if (back !== null && back <= sub.lastBatch) {
      send('rollback', { batchId: back.toString() });
      sub.lastBatch = back - 1n;
    }
    if (sub.lastBatch >= lastBatchId()) break;
    const r = await ctx.slots.run(() =>
      replay(
        history,
        { channel: sub.channel as 'trades' | 'batches', marketId: market },
        sub.lastBatch,
        lastBatchId(),
        (data) => wanted() && send('update', data),
        wanted,
      ),
    );
    if (!wanted()) return;
    if (sub.rolledBack !== null && sub.rolledBack <= r.upTo) {
      sub.lastBatch = r.upTo; // the top of the loop tells the client and reads on from before it
      continue;
    }
    if (!r.ok) return gap(r.upTo);
    sub.lastBatch = r.upTo;
  }
  sub.ready = true;
}
