/**
 * The node's replicated state: the core engine plus what the API needs around it (signed orders,
 * rejections, the batch log, the mempool), persisted atomically per step. Leader and followers
 * both advance it only through `commit`, with a batch applied by `applyBatch`.
 *
 * A committed batch is final only once the chain settles it. Until then the last one can be
 * rolled back (`rollback`): the chain reverted it (a trader's on-chain cancel raced the
 * submission), or the leader replaced it. The state before it is kept for that, on disk too:
 * snapshots alternate between two keys (`snapshot:0`, `snapshot:1`, by batch id parity), so the
 * previous one is still there and no batch writes more than one snapshot.
 */
import {
  KestrelError,
  ErrorCode,
  Engine,
  type EngineConfig,
  type EngineSnapshot,
  type EngineEvent,
  type Hex,
  applyBatch,
  type Proposal,
  type SettlementArgs,
  isSigned,
  type SignedInput,
} from '@kestrel/core';
import { Mempool, type MempoolEntry, type MempoolLimits, type MempoolView } from '../mempool/mempool.js';
import { batchKey, mempoolKey, type NodeStore } from './store.js';
import { CANCEL_WINDOW_SECONDS, snapshotKey, type BatchMeta, type BatchRecord, type SignedOrderRecord } from './records.js';

function pending(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
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
  /** called with the number of orders pruned from the mempool as expired (metrics) */
  onExpired: ((count: number) => void) | null = null;
  /** the chain's last settled batch id, as last seen */
  lastSettledBatchId = 0n;
  /** the unsequenced inputs, read-only outside the ledger (which writes them and their disk copy together) */
  get mempool(): MempoolView {
    return this.pool;
  }
  private readonly pool: Mempool;
  /** the engine as of the last committed batch: what an uncommitted batch is undone to */
  private committed: EngineSnapshot;
  /** settled when no batch is applied-but-uncommitted (see `tryApply`) */
  private tentative: { promise: Promise<void>; resolve: () => void } | null = null;
  /** the state before the last committed batch: what `rollback` returns to */
  private previous: { snapshot: EngineSnapshot; meta: BatchMeta } | null = null;
  private readonly orders = new Map<Hex, SignedOrderRecord>();
  /** the mempool read from disk at open, until admission takes it (storedMempool) */
  private stored: MempoolEntry[] = [];
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
    this.pool = new Mempool(limits);
  }

  /** Opens the ledger from disk: the last snapshot, the order index and the mempool. */
  static async open(config: EngineConfig, domainSep: Hex, store: NodeStore, limits?: MempoolLimits): Promise<Ledger> {
    const l = new Ledger(config, domainSep, store, limits);
    const meta = await store.get<BatchMeta>('meta:lastBatch');
    // data written before snapshots alternated keeps its one snapshot under `snapshot`
    const snap = meta ? await store.get<EngineSnapshot>(meta.snapshotKey ?? 'snapshot') : undefined;
    const prevMeta = await store.get<BatchMeta>('meta:prev');
    // before the first batch the state is the empty engine, which has no stored snapshot
    const prevSnap = prevMeta?.snapshotKey ? await store.get<EngineSnapshot>(prevMeta.snapshotKey) : prevMeta?.lastBatchId === '0' ? l.committed : undefined;
    if (prevMeta && prevSnap) l.previous = { snapshot: prevSnap, meta: prevMeta };
    if (meta && snap) {
      l.engine = Engine.restore(config, snap);
      l.committed = snap;
      l.lastBatchId = BigInt(meta.lastBatchId);
      l.lastTimestamp = BigInt(meta.lastTimestamp);
      l.requestCursor = BigInt(meta.requestCursor);
      l.stateHash = l.engine.stateHash();
      if (l.stateHash !== meta.stateHash)
        throw new KestrelError(ErrorCode.INTERNAL, `snapshot hash ${l.stateHash} does not match the recorded ${meta.stateHash}`);
    }
    for await (const [k, v] of store.scan<SignedOrderRecord>('order:')) l.orders.set(k.slice(6) as Hex, v);
    for await (const [k, v] of store.scan<{ code: string }>('reject:')) l.rejects.set(k.slice(7) as Hex, v.code);
    for await (const [k, v] of store.scan<{ timestamp: bigint }>('cancel:')) l.cancels.set(k.slice(7) as Hex, v.timestamp);
    // the mempool on disk goes back in through admission (Admission.restore), not here
    for await (const [k, input] of store.scan<SignedInput>('mempool:')) l.stored.push({ seq: BigInt(k.slice(8)), input });
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

  /** Whether this node verified this very input already (same digest and signature): it sits in the mempool or the order log. */
  knows(input: SignedInput): boolean {
    const pending = this.mempool.get(input.hash);
    if (pending) return pending.signature === input.signature;
    return input.type === 'order' && this.orders.get(input.hash)?.signature === input.signature;
  }

  rejectCode(hash: Hex): string | undefined {
    return this.rejects.get(hash);
  }

  /** The mempool as it was on disk when the ledger opened (not yet admitted). */
  async storedMempool(): Promise<MempoolEntry[]> {
    const out = this.stored;
    this.stored = [];
    return out;
  }

  /** Deletes mempool entries read from disk that admission refused. */
  async discardStored(entries: readonly MempoolEntry[]): Promise<void> {
    if (entries.length > 0) await this.store.write(entries.map((e) => ({ del: mempoolKey(e.seq) })));
  }

  /**
   * Adds an admitted input to the mempool and to disk; `seq` puts back one read from disk at its
   * arrival place (it is on disk already).
   */
  async admit(input: SignedInput, seq?: bigint): Promise<void> {
    if (seq !== undefined) {
      this.pool.add(input, seq);
      return;
    }
    const entry = this.pool.add(input);
    try {
      await this.store.write([{ put: mempoolKey(entry.seq), value: input }]);
    } catch (err) {
      this.pool.remove([input.hash]);
      throw err;
    }
  }

  /** Removes inputs from the mempool for good, on disk too: the chain would refuse them again. */
  async discard(hashes: readonly Hex[]): Promise<void> {
    const entries = hashes.flatMap((h) => ((seq) => (seq === undefined ? [] : [{ hash: h, seq }]))(this.mempool.seqOf(h)));
    if (entries.length === 0) return;
    await this.store.write(entries.map((e) => ({ del: mempoolKey(e.seq) })));
    this.pool.remove(entries.map((e) => e.hash));
  }

  /**
   * Drops mempool orders that have expired by `now` (unix seconds): they could never match. Each
   * stays in the order index with the code EXPIRED, so that its status still answers (`expired`)
   * and a peer re-sending it is told why it will not be sequenced.
   */
  async pruneExpired(now: bigint): Promise<number> {
    const expired = this.mempool.expired(now).flatMap((e) => (e.input.type === 'order' ? [{ seq: e.seq, input: e.input }] : []));
    if (expired.length === 0) return 0;
    const record = (i: (typeof expired)[number]['input']): SignedOrderRecord => ({ order: i.order, signature: i.signature, batchId: null });
    await this.store.write(
      expired.flatMap((e) => [
        { del: mempoolKey(e.seq) },
        { put: `reject:${e.input.hash}`, value: { code: ErrorCode.EXPIRED } },
        { put: `order:${e.input.hash}`, value: record(e.input) },
      ]),
    );
    for (const e of expired) {
      this.rejects.set(e.input.hash, ErrorCode.EXPIRED);
      this.orders.set(e.input.hash, record(e.input));
    }
    this.pool.remove(expired.map((e) => e.input.hash));
    this.onExpired?.(expired.length);
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
      {
        put: `order:${input.hash}`,
        value: { order: input.order, signature: input.signature, batchId: null } satisfies SignedOrderRecord,
      },
      ...(seq === undefined ? [] : [{ del: mempoolKey(seq) }]),
    ]);
    this.rejects.set(input.hash, code);
    this.orders.set(input.hash, { order: input.order, signature: input.signature, batchId: null });
    this.pool.remove([input.hash]);
  }

  /**
   * Applies a batch to the engine without committing it, returning the events and a function that
   * undoes it (the sequencer uses this to rebuild a batch the chain would refuse). Only one batch
   * may be outstanding: undo returns the engine to the last committed batch.
   */
  tryApply(p: Pick<Proposal, 'timestamp' | 'prices' | 'funding' | 'requests' | 'inputs'>): { events: EngineEvent[]; stateHash: Hex; undo: () => void } {
    const committed = this.committed;
    // A batch left applied by a caller that failed before commit or undo is dropped first: a
    // batch always applies to the committed state.
    if (this.tentative) this.engine = Engine.restore(this.config, committed);
    this.tentative ??= pending();
    const undo = (): void => {
      this.engine = Engine.restore(this.config, committed);
      this.settle();
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
      proposal: p,
      settlement,
      txHash,
      seqs: p.inputs.map((i) => (isSigned(i) ? (this.mempool.seqOf(i.hash) ?? null) : null)),
    };
    ops.push({ put: batchKey(p.batchId), value: record });
    const sequenced: Hex[] = [];
    const newOrders: Array<[Hex, SignedOrderRecord]> = [];
    const newCancels: Array<[Hex, bigint]> = [];
    for (const input of p.inputs) {
      if (!isSigned(input)) continue;
      sequenced.push(input.hash);
      if (input.type === 'riskPlan') continue; // the engine keeps the plan
      if (input.type === 'cancel' || input.type === 'cancelAll') {
        const ts = input.type === 'cancel' ? input.cancel.timestamp : input.cancelAll.timestamp;
        newCancels.push([input.hash, ts]);
        ops.push({ put: `cancel:${input.hash}`, value: { timestamp: ts } });
      } else {
        newOrders.push([input.hash, { order: input.order, signature: input.signature, batchId: p.batchId }]);
        ops.push({
          put: `order:${input.hash}`,
          value: { order: input.order, signature: input.signature, batchId: p.batchId } satisfies SignedOrderRecord,
        });
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
    const previous = { snapshot: this.committed, meta: this.meta() };
    ops.push({ put: 'meta:prev', value: previous.meta });
    ops.push({ put: snapshotKey(p.batchId), value: committed });
    ops.push({
      put: 'meta:lastBatch',
      value: {
        lastBatchId: p.batchId.toString(),
        lastTimestamp: p.timestamp.toString(),
        requestCursor: p.requestCursor.toString(),
        stateHash: p.stateHash,
        snapshotKey: snapshotKey(p.batchId),
      } satisfies BatchMeta,
    });
    await this.store.write(ops);
    this.previous = previous;

    for (const [h, rec] of newOrders) this.orders.set(h, rec);
    for (const [h, ts] of newCancels) this.cancels.set(h, ts);
    for (const [h, code] of newRejects) this.rejects.set(h, code);
    for (const h of expiredCancels) this.cancels.delete(h);
    this.pool.remove(sequenced);
    this.committed = committed;
    this.settle();
    this.lastBatchId = p.batchId;
    this.lastTimestamp = p.timestamp;
    this.requestCursor = p.requestCursor;
    this.stateHash = p.stateHash;
    this.onCommit?.(p, events);
  }

  private settle(): void {
    this.tentative?.resolve();
    this.tentative = null;
  }

  /**
   * Resolves once no batch is applied but uncommitted, or after `maxMs`: readers that must not see
   * a batch the chain may still refuse (the API) wait here; the wait is one simulation long.
   */
  async quiescent(maxMs = 2000): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.tentative && Date.now() < until) {
      await Promise.race([this.tentative.promise, new Promise((r) => setTimeout(r, until - Date.now()).unref())]);
    }
  }

  private meta(): BatchMeta {
    const m: BatchMeta = {
      lastBatchId: this.lastBatchId.toString(),
      lastTimestamp: this.lastTimestamp.toString(),
      requestCursor: this.requestCursor.toString(),
      stateHash: this.stateHash,
    };
    if (this.lastBatchId > 0n) m.snapshotKey = snapshotKey(this.lastBatchId);
    return m;
  }

  /** Whether the last committed batch can be rolled back (the state before it is kept). */
  canRollBack(batchId: bigint): boolean {
    return batchId === this.lastBatchId && batchId > 0n && this.previous !== null;
  }

  /**
   * Undoes the last committed batch, which the chain has not settled: the engine returns to the
   * state before it, the batch leaves the log, and its orders and cancels go back to the mempool
   * at their arrival places (inputs this node never held queue behind the rest), to be sequenced
   * again. One batch deep: the state before the one before is not kept.
   */
  async rollback(batchId: bigint): Promise<void> {
    if (!this.canRollBack(batchId)) throw new KestrelError(ErrorCode.INTERNAL, `batch ${batchId} cannot be rolled back (last is ${this.lastBatchId})`);
    const rec = await this.batch(batchId);
    if (!rec) throw new KestrelError(ErrorCode.INTERNAL, `batch ${batchId} is not in the log`);
    const prev = this.previous!;
    const p = rec.proposal;
    const ops: Array<{ put: string; value: unknown } | { del: string }> = [
      { del: batchKey(batchId) },
      { put: 'meta:lastBatch', value: prev.meta }, // its snapshot is still in the other key
      { del: 'meta:prev' },
    ];
    const back: MempoolEntry[] = [];
    let fresh = this.pool.nextSeqAfter();
    p.inputs.forEach((input, i) => {
      if (!isSigned(input)) return;
      const seq = rec.seqs[i] ?? fresh++;
      back.push({ seq, input });
      ops.push(
        { del: `${input.type === 'order' ? 'order' : 'cancel'}:${input.hash}` },
        { del: `reject:${input.hash}` },
        { put: mempoolKey(seq), value: input },
      );
    });
    await this.store.write(ops);

    for (const { input } of back) {
      this.orders.delete(input.hash);
      this.cancels.delete(input.hash);
      this.rejects.delete(input.hash);
    }
    this.pool.requeue(back);
    this.engine = Engine.restore(this.config, prev.snapshot);
    this.committed = prev.snapshot;
    this.lastBatchId = BigInt(prev.meta.lastBatchId);
    this.lastTimestamp = BigInt(prev.meta.lastTimestamp);
    this.requestCursor = BigInt(prev.meta.requestCursor);
    this.stateHash = prev.meta.stateHash;
    this.previous = null;
  }

  async setTxHash(batchId: bigint, txHash: Hex): Promise<void> {
    const rec = await this.store.get<BatchRecord>(batchKey(batchId));
    if (rec) await this.store.write([{ put: batchKey(batchId), value: { ...rec, txHash } }]);
  }

  batch(batchId: bigint): Promise<BatchRecord | undefined> {
    return this.store.get<BatchRecord>(batchKey(batchId));
  }
}

/**
 * What readers of the node's state (the API, the WebSocket hub) may use: reads only. Admitting an
 * input, committing or rolling back a batch stay with admission, the sequencer and the follower.
 */
export type LedgerReader = Readonly<
  Pick<Ledger, 'engine' | 'config' | 'lastBatchId' | 'lastSettledBatchId' | 'stateHash' | 'mempool' | 'signedOrder' | 'rejectCode' | 'quiescent' | 'batch'>
>;
