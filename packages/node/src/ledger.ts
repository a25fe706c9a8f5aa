/**
 * The node's replicated state: the core engine plus what the API needs around it (signed orders,
 * rejections, the batch log, the mempool), persisted atomically per step. Leader and followers
 * both advance it only through `commit`, with a batch applied by `applyBatch`.
 */
import { Engine, type EngineConfig, type EngineSnapshot, type EngineEvent, type Hex, type Order } from '@kestrel/core';
import { orderFromWire, orderToWire } from '@kestrel/sdk';
import { applyBatch, proposalToWire, type Proposal, type ProposalWire, type SettlementArgs } from './batch.js';
import { inputFromWire, inputToWire, type SignedInput } from './inputs.js';
import { Mempool, type MempoolLimits } from './mempool.js';
import { batchKey, mempoolKey, NodeStore, type StoredOrder } from './store/store.js';

export interface SettlementWire {
  orders: Array<{ order: ReturnType<typeof orderToWire>; signature: Hex }>;
  fills: Array<{ maker: number; taker: number; amount: string }>;
}

export interface BatchRecord {
  proposal: ProposalWire;
  settlement: SettlementWire;
  txHash: Hex | null;
}

/**
 * A signed cancel is accepted only while its timestamp is within this many seconds of the node's
 * clock; within that window each cancel acts once (its digest is remembered), and outside it a
 * replayed cancel is stale. Five minutes leaves room for clock skew and slow clients.
 */
export const CANCEL_WINDOW_SECONDS = 300n;

export interface SignedOrderRecord {
  order: Order;
  signature: Hex;
  batchId: bigint | null;
}

export class Ledger {
  engine: Engine;
  lastBatchId = 0n;
  lastTimestamp = 0n;
  /** next unprocessed request id of the chain's queue */
  requestCursor = 0n;
  stateHash: Hex;
  /** called after each committed batch (metrics) */
  onCommit: ((p: Proposal, events: readonly EngineEvent[]) => void) | null = null;
  /** the chain's last settled batch id, as last seen */
  lastSettledBatchId = 0n;
  readonly mempool: Mempool;
  /** the engine as of the last committed batch: what an uncommitted batch is undone to */
  private committed: EngineSnapshot;
  private readonly orders = new Map<Hex, SignedOrderRecord>();
  private readonly rejects = new Map<Hex, string>();
  /** digests of sequenced cancels, with their timestamps: a cancel acts once */
  private readonly cancels = new Map<Hex, bigint>();

  private constructor(
    readonly config: EngineConfig,
    readonly domainSep: Hex,
    private readonly store: NodeStore,
    limits?: MempoolLimits,
  ) {
    this.engine = new Engine(config);
    this.stateHash = this.engine.stateHash();
    this.committed = this.engine.snapshot();
    this.mempool = new Mempool(limits);
  }

  /** Opens the ledger from disk: the last snapshot, the order index and the mempool. */
  static async open(config: EngineConfig, domainSep: Hex, store: NodeStore, limits?: MempoolLimits): Promise<Ledger> {
    const l = new Ledger(config, domainSep, store, limits);
    const meta = await store.get<{ lastBatchId: string; lastTimestamp: string; requestCursor: string; stateHash: Hex }>('meta:lastBatch');
    const snap = await store.get<EngineSnapshot>('snapshot');
    if (meta && snap) {
      l.engine = Engine.restore(config, snap);
      l.committed = snap;
      l.lastBatchId = BigInt(meta.lastBatchId);
      l.lastTimestamp = BigInt(meta.lastTimestamp);
      l.requestCursor = BigInt(meta.requestCursor);
      l.stateHash = l.engine.stateHash();
      if (l.stateHash !== meta.stateHash) throw new Error(`snapshot hash ${l.stateHash} does not match the recorded ${meta.stateHash}`);
    }
    for await (const [k, v] of store.scan<StoredOrder>('order:')) {
      l.orders.set(k.slice(6) as Hex, { order: orderFromWire(v.input.order), signature: v.input.signature, batchId: v.batchId === null ? null : BigInt(v.batchId) });
    }
    for await (const [k, v] of store.scan<{ code: string }>('reject:')) l.rejects.set(k.slice(7) as Hex, v.code);
    for await (const [k, v] of store.scan<{ timestamp: string }>('cancel:')) l.cancels.set(k.slice(7) as Hex, BigInt(v.timestamp));
    for await (const [k, v] of store.scan<unknown>('mempool:')) {
      const input = inputFromWire(domainSep, v);
      if (input.type !== 'drop' && !l.isSequenced(input.hash)) l.mempool.add(input, BigInt(k.slice(8)));
      else await store.write([{ del: k }]);
    }
    return l;
  }

  isSequenced(hash: Hex): boolean {
    return this.orders.get(hash)?.batchId != null;
  }

  signedOrder(hash: Hex): SignedOrderRecord | undefined {
    return this.orders.get(hash) ?? (this.mempoolOrder(hash) as SignedOrderRecord | undefined);
  }

  private mempoolOrder(hash: Hex): SignedOrderRecord | undefined {
    const m = this.mempool.get(hash);
    return m?.type === 'order' ? { order: m.order, signature: m.signature, batchId: null } : undefined;
  }

  /** Whether a cancel (by digest) was already sequenced or is pending. */
  cancelSeen(hash: Hex): boolean {
    return this.cancels.has(hash) || this.mempool.has(hash);
  }

  rejectCode(hash: Hex): string | undefined {
    return this.rejects.get(hash);
  }

  /** Adds a verified input to the mempool and to disk. */
  async admit(input: SignedInput): Promise<void> {
    const entry = this.mempool.add(input);
    try {
      await this.store.write([{ put: mempoolKey(entry.seq), value: inputToWire(input) }]);
    } catch (err) {
      this.mempool.remove([input.hash]);
      throw err;
    }
  }

  /** Drops mempool orders that have expired by `now` (unix seconds): they could never match. */
  async pruneExpired(now: bigint): Promise<number> {
    const expired = this.mempool.expired(now);
    if (expired.length === 0) return 0;
    await this.store.write(expired.map((e) => ({ del: mempoolKey(e.seq) })));
    this.mempool.remove(expired.map((e) => e.input.hash));
    return expired.length;
  }

  /**
   * Records an order refused at sequencing (the chain would not settle it), keeping the signed
   * order so that its status stays queryable.
   */
  async recordReject(input: SignedInput & { type: 'order' }, code: string): Promise<void> {
    const seq = this.mempool.seqOf(input.hash);
    await this.store.write([
      { put: `reject:${input.hash}`, value: { code } },
      { put: `order:${input.hash}`, value: { input: { type: 'order', order: orderToWire(input.order), signature: input.signature }, batchId: null } satisfies StoredOrder },
      ...(seq === undefined ? [] : [{ del: mempoolKey(seq) }]),
    ]);
    this.rejects.set(input.hash, code);
    this.orders.set(input.hash, { order: input.order, signature: input.signature, batchId: null });
    this.mempool.remove([input.hash]);
  }

  /**
   * Applies a batch to the engine without committing it, returning the events and a function that
   * undoes it (the sequencer uses this to rebuild a batch the chain would refuse). Only one batch
   * may be outstanding: undo returns the engine to the last committed batch.
   */
  tryApply(p: Pick<Proposal, 'timestamp' | 'requests' | 'inputs'>): { events: EngineEvent[]; stateHash: Hex; undo: () => void } {
    const committed = this.committed;
    const undo = (): void => {
      this.engine = Engine.restore(this.config, committed);
    };
    try {
      const events = applyBatch(this.engine, p);
      return { events, stateHash: this.engine.stateHash(), undo };
    } catch (err) {
      undo(); // a batch applies whole or not at all
      throw err;
    }
  }

  /** Persists an applied batch atomically, then advances the ledger (memory follows the disk). */
  async commit(p: Proposal, events: readonly EngineEvent[], settlement: SettlementArgs | null, txHash: Hex | null = null): Promise<void> {
    const ops: Array<{ put: string; value: unknown } | { del: string }> = [];
    const record: BatchRecord = {
      proposal: proposalToWire(p),
      settlement: settlement
        ? {
            orders: settlement.orders.map((o) => ({ order: orderToWire(o.order), signature: o.signature })),
            fills: settlement.fills.map((f) => ({ maker: f.maker, taker: f.taker, amount: f.amount.toString() })),
          }
        : { orders: [], fills: [] },
      txHash,
    };
    ops.push({ put: batchKey(p.batchId), value: record });
    const sequenced: Hex[] = [];
    const newOrders: Array<[Hex, SignedOrderRecord]> = [];
    const newCancels: Array<[Hex, bigint]> = [];
    for (const input of p.inputs) {
      if (input.type === 'drop') continue;
      sequenced.push(input.hash);
      if (input.type === 'cancel' || input.type === 'cancelAll') {
        const ts = input.type === 'cancel' ? input.cancel.timestamp : input.cancelAll.timestamp;
        newCancels.push([input.hash, ts]);
        ops.push({ put: `cancel:${input.hash}`, value: { timestamp: ts.toString() } });
      } else {
        newOrders.push([input.hash, { order: input.order, signature: input.signature, batchId: p.batchId }]);
        ops.push({ put: `order:${input.hash}`, value: { input: { type: 'order', order: orderToWire(input.order), signature: input.signature }, batchId: p.batchId.toString() } satisfies StoredOrder });
      }
    }
    const newRejects: Array<[Hex, string]> = [];
    for (const e of events) {
      if (e.kind === 'rejected') {
        newRejects.push([e.hash, e.code]);
        ops.push({ put: `reject:${e.hash}`, value: { code: e.code } });
      }
    }
    for (const h of sequenced) {
      const seq = this.mempool.seqOf(h);
      if (seq !== undefined) ops.push({ del: mempoolKey(seq) });
    }
    // a cancel older than the acceptance window can no longer be submitted: forget it
    const expiredCancels = [...this.cancels].filter(([, ts]) => ts + 2n * CANCEL_WINDOW_SECONDS < p.timestamp).map(([h]) => h);
    for (const h of expiredCancels) ops.push({ del: `cancel:${h}` });
    const committed = this.engine.snapshot();
    ops.push({ put: 'snapshot', value: committed });
    ops.push({
      put: 'meta:lastBatch',
      value: { lastBatchId: p.batchId.toString(), lastTimestamp: p.timestamp.toString(), requestCursor: p.requestCursor.toString(), stateHash: p.stateHash },
    });
    await this.store.write(ops);

    for (const [h, rec] of newOrders) this.orders.set(h, rec);
    for (const [h, ts] of newCancels) this.cancels.set(h, ts);
    for (const [h, code] of newRejects) this.rejects.set(h, code);
    for (const h of expiredCancels) this.cancels.delete(h);
    this.mempool.remove(sequenced);
    this.committed = committed;
    this.lastBatchId = p.batchId;
    this.lastTimestamp = p.timestamp;
    this.requestCursor = p.requestCursor;
    this.stateHash = p.stateHash;
    this.onCommit?.(p, events);
  }

  async setTxHash(batchId: bigint, txHash: Hex): Promise<void> {
    const rec = await this.store.get<BatchRecord>(batchKey(batchId));
    if (rec) await this.store.write([{ put: batchKey(batchId), value: { ...rec, txHash } }]);
  }

  batch(batchId: bigint): Promise<BatchRecord | undefined> {
    return this.store.get<BatchRecord>(batchKey(batchId));
  }
}
