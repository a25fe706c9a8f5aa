/**
 * The node's replicated state: the core engine plus what the API needs around it (signed orders,
 * rejections, the batch log, the mempool, the archive of finished orders), persisted atomically
 * per step. Leader and followers both advance it only through `commit`, with a batch applied by
 * `applyBatch`.
 *
 * A batch costs what it changed (spec/node.md, "Persistence"): the engine keeps what a batch
 * replaces while it is tried (undo is writing that back), the commit writes only the state records
 * the batch changed, and orders that finished leave memory for the archive.
 *
 * A committed batch is final only once the chain settles it. Until then the last one can be
 * rolled back (`rollback`): the chain reverted it (a trader's on-chain cancel raced the
 * submission), or the leader replaced it. What it replaced is kept for that, on disk too
 * (`undo:last`), so a rollback also writes only what the batch changed.
 */
import {
  KestrelError,
  ErrorCode,
  Engine,
  type EngineConfig,
  type EngineEvent,
  type Hex,
  applyBatch,
  foldConfig,
  hexToBytes,
  type Proposal,
  type SettlementArgs,
  isSigned,
  type SignedInput,
} from '@kestrel/core';
import { Mempool, type MempoolEntry, type MempoolLimits, type MempoolView } from '../mempool/mempool.js';
import { archiveKey, archiveOps, DEFAULT_ARCHIVE_RETENTION_SECONDS, expiredArchiveOps, unarchiveOps, type ArchivedOrder } from './archive.js';
import { keyTail, toHex } from './codec.js';
import { finishedOrders, sequencedInputs, type Op } from './batch-orders.js';
import { RememberedCancels } from './cancels.js';
import { engineOutcome } from '../audit/outcome.js';
import { HeldOrders } from './held-orders.js';
import { HistoryReader, historyOps, historyRollbackOps } from './history.js';
import { Rejects } from './rejects.js';
import { batchKey, mempoolKey, recordKey, RECORD_PREFIX, SUPERSEDED_PREFIX, supersededKey, txHashKey, type NodeStore } from './store.js';
import { CANCEL_WINDOW_SECONDS, type BatchMeta, type BatchRecord, type SignedOrderRecord, type StoredOrderRecord, type UndoRecord } from './records.js';

export interface LedgerOptions {
  /** how long finished orders stay queryable (seconds); {@link DEFAULT_ARCHIVE_RETENTION_SECONDS} */
  archiveRetentionSeconds?: bigint;
  /** whether to keep the history of trades, fills, order changes and funding (default true) */
  history?: boolean;
}

/** What the last committed batch replaced: enough to roll it back. */
interface Previous {
  meta: BatchMeta;
  /** the state records before the batch (null: absent) */
  before: Map<string, Uint8Array | null>;
  /** orders the batch archived ([hash, finished at]), and the signed records it removed for them */
  archived: Array<[Hex, bigint]>;
  orders: Array<[Hex, SignedOrderRecord]>;
  /** the configuration before the batch, when its listing changes took effect */
  config: EngineConfig | null;
}

/** the configuration the stored state runs by, when a listing change took effect since the node's start; and the one before the last batch */
const CONFIG_KEY = 'meta:config';
/** how many batches a rolled-back version is kept for */
const SUPERSEDED_KEEP = 64n;
const PREV_CONFIG_KEY = 'meta:prevConfig';

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
  /** called after a committed batch was rolled back (api/ws.ts) */
  onRollback: ((batchId: bigint) => void) | null = null;
  /** called with the number of orders pruned from the mempool as expired (metrics) */
  onExpired: ((count: number) => void) | null = null;
  /** called with the engine at the committed state, just before a batch is applied to it (api/committed-books.ts) */
  onBeforeApply: (() => void) | null = null;
  /** the chain's last settled batch id, as last seen */
  lastSettledBatchId = 0n;
  /** the unsequenced inputs, read-only outside the ledger (which writes them and their disk copy together) */
  get mempool(): MempoolView {
    return this.pool;
  }
  private readonly pool: Mempool;
  /** the end of the last work {@link exclusive} queued */
  private work: Promise<unknown> = Promise.resolve();
  /** settled when no batch is applied-but-uncommitted (see `tryApply`) */
  private tentative: { promise: Promise<void>; resolve: () => void } | null = null;
  /** what the last committed batch replaced: what `rollback` writes back */
  private previous: Previous | null = null;
  /** signed orders not finished yet (open, or refused at sequencing); open ones read their fields from the engine */
  private readonly orders = new HeldOrders((h) => this.engine.getOrder(h));
  /**
   * while a commit writes: the orders that finished in its batch, which the engine has let go of
   * already and this index keeps until the write succeeds
   */
  private leaving: Map<Hex, SignedOrderRecord> | null = null;
  private readonly retention: bigint;
  /** the mempool read from disk at open, until admission takes it (storedMempool) */
  private stored: MempoolEntry[] = [];
  private rejects = new Rejects();
  /** digests of sequenced cancels, with their timestamps: a cancel acts once */
  private readonly cancels = new RememberedCancels();
  /** trades, fills, order changes and funding of the batches this node committed (history.ts) */
  readonly history: HistoryReader;

  /** the configuration the engine runs by: the one given at open, then each listing change's (batch/config.ts) */
  get config(): EngineConfig {
    return this.cfg;
  }

  /** called after a listing change took effect (at a commit or a rollback) with the new configuration */
  onReconfigure: ((config: EngineConfig) => void) | null = null;
  /** whether the store holds the configuration (CONFIG_KEY) */
  private configStored = false;
  /** the applied batch's state under the configuration its listing changes switch to (tryApply), taken over at commit */
  private switching: { engine: Engine; config: EngineConfig } | null = null;

  private constructor(
    private cfg: EngineConfig,
    readonly domainSep: Hex,
    private readonly store: NodeStore,
    limits?: MempoolLimits,
    options: LedgerOptions = {},
  ) {
    this.engine = new Engine(cfg);
    this.stateHash = this.engine.stateHash();
    this.pool = new Mempool(limits);
    this.retention = options.archiveRetentionSeconds ?? DEFAULT_ARCHIVE_RETENTION_SECONDS;
    this.history = new HistoryReader(store, options.history ?? true);
  }

  /** Opens the ledger from disk: the state records, the order index and the mempool. */
  static async open(config: EngineConfig, domainSep: Hex, store: NodeStore, limits?: MempoolLimits, options?: LedgerOptions): Promise<Ledger> {
    const meta = await store.get<BatchMeta>('meta:lastBatch');
    // the configuration of the stored state: the listing read now may have changed since
    const stored = meta ? await store.get<EngineConfig>(CONFIG_KEY) : undefined;
    const l = new Ledger(stored ?? config, domainSep, store, limits, options);
    l.configStored = stored !== undefined;
    if (meta) {
      const records: Array<[string, Uint8Array]> = [];
      for await (const [k, v] of store.scan<Hex>(RECORD_PREFIX)) records.push([keyTail(k, RECORD_PREFIX.length), hexToBytes(v)]);
      l.engine = Engine.fromRecords(l.cfg, records);
      l.lastBatchId = BigInt(meta.lastBatchId);
      l.lastTimestamp = BigInt(meta.lastTimestamp);
      l.requestCursor = BigInt(meta.requestCursor);
      l.stateHash = l.engine.stateHash();
      if (l.stateHash !== meta.stateHash)
        throw new KestrelError(ErrorCode.INTERNAL, `the stored state's hash ${l.stateHash} does not match the recorded ${meta.stateHash}`);
      // the stored records are the state: nothing is owed to the store
      l.engine.takeChanges();
    }
    const prevMeta = await store.get<BatchMeta>('meta:prev');
    const undo = await store.get<UndoRecord>('undo:last');
    if (prevMeta && undo) {
      // a removed signed record is its archive entry's order, signature and batch (records.ts, UndoRecord)
      const orders: Array<[Hex, SignedOrderRecord]> = [];
      for (const hash of undo.removed) {
        const entry = await store.get<ArchivedOrder>(archiveKey(hash));
        if (entry?.signature == null)
          throw new KestrelError(ErrorCode.INTERNAL, `the last batch's undo names order ${hash}, which its archive does not hold signed`);
        orders.push([hash, { order: entry.state.order, signature: entry.signature, batchId: entry.batchId }]);
      }
      l.previous = {
        meta: prevMeta,
        before: new Map(undo.records.map(([k, v]) => [k, v === null ? null : hexToBytes(v)])),
        archived: undo.archived,
        orders,
        config: (await store.get<EngineConfig>(PREV_CONFIG_KEY)) ?? null,
      };
    }
    for await (const [k, v] of store.scan<StoredOrderRecord>('order:')) {
      const hash = keyTail(k, 6) as Hex;
      if ('order' in v) l.orders.set(hash, v);
      else {
        // stored without its fields: the engine's records hold the order (records.ts, StoredOrderRecord)
        const order = l.orders.engineOrder(hash);
        if (order === undefined) throw new KestrelError(ErrorCode.INTERNAL, `order ${hash} is stored without its fields, and the engine does not hold it`);
        l.orders.set(hash, { order, ...v });
      }
    }
    l.rejects = await Rejects.load(store);
    for await (const [k, v] of store.scan<{ timestamp: bigint }>('cancel:')) l.cancels.set(keyTail(k, 7) as Hex, v.timestamp);
    // the mempool on disk goes back in through admission (Admission.restore), not here
    for await (const [k, input] of store.scan<SignedInput>('mempool:')) l.stored.push({ seq: BigInt(k.slice(8)), input });
    return l;
  }

  isSequenced(hash: Hex): boolean {
    return this.orders.batchId(hash) != null;
  }

  signedOrder(hash: Hex): SignedOrderRecord | undefined {
    return this.leaving?.get(hash) ?? this.orders.get(hash) ?? (this.mempoolOrder(hash) as SignedOrderRecord | undefined);
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
    return input.type === 'order' && this.orders.signature(input.hash) === input.signature;
  }

  rejectCode(hash: Hex): string | undefined {
    return this.rejects.code(hash);
  }

  /** A finished order from the archive, while the retention keeps it. */
  archived(hash: Hex): Promise<ArchivedOrder | undefined> {
    return this.store.get<ArchivedOrder>(archiveKey(hash));
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
   * goes to the archive as expired, so that its status still answers (`expired`); a peer re-sending
   * it is told EXPIRED by admission.
   */
  async pruneExpired(now: bigint): Promise<number> {
    const expired = this.mempool.expired(now).flatMap((e) => (e.input.type === 'order' ? [{ seq: e.seq, input: e.input }] : []));
    if (expired.length === 0) return 0;
    // each goes to the archive as expired, so that its status reads so (and for no longer than the retention)
    const archived: ArchivedOrder[] = expired.map((e) => ({
      state: { hash: e.input.hash, order: e.input.order, status: 'expired', filled: 0n, sequence: 0n },
      signature: e.input.signature,
      batchId: null,
      finishedAt: now,
    }));
    await this.store.write([...expired.map((e) => ({ del: mempoolKey(e.seq) })), ...archiveOps(archived)]);
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
    const at = this.lastTimestamp;
    await this.store.write([
      ...this.rejects.recordOps(input.hash, code, at),
      {
        put: `order:${input.hash}`,
        value: { order: input.order, signature: input.signature, batchId: null } satisfies SignedOrderRecord,
      },
      ...(seq === undefined ? [] : [{ del: mempoolKey(seq) }]),
    ]);
    this.rejects.set(input.hash, code, at);
    this.orders.set(input.hash, { order: input.order, signature: input.signature, batchId: null });
    this.pool.remove([input.hash]);
  }

  /**
   * Applies a batch to the engine without committing it, returning the events and a function that
   * undoes it (the sequencer uses this to rebuild a batch the chain would refuse). Only one batch
   * may be outstanding: undo returns the engine to the last committed batch.
   */
  tryApply(p: Pick<Proposal, 'timestamp' | 'prices' | 'funding' | 'requests' | 'inputs'>): { events: EngineEvent[]; stateHash: Hex; undo: () => void } {
    // A batch left applied by a caller that failed before commit or undo is dropped first: a
    // batch always applies to the committed state.
    if (this.tentative && this.engine.keepsUndo) this.engine.undo();
    this.switching = null;
    this.onBeforeApply?.();
    this.tentative ??= pending();
    const engine = this.engine;
    engine.beginUndo();
    const undo = (): void => {
      this.switching = null;
      if (engine.keepsUndo) engine.undo();
      this.settle();
    };
    try {
      const events = applyBatch(engine, p);
      // listing changes take effect with the batch: its state is this one under the new
      // configuration, which the next batch runs by (core batch/config.ts)
      const fold = foldConfig(this.cfg, p.requests);
      if (fold === null) return { events, stateHash: engine.stateHash(), undo };
      const next = engine.reconfigured(fold.config);
      this.switching = { engine: next, config: fold.config };
      return { events, stateHash: next.stateHash(), undo };
    } catch (err) {
      undo(); // a batch applies whole or not at all
      throw err;
    }
  }

  /** Persists an applied batch atomically, then advances the ledger (memory follows the disk). */
  async commit(p: Proposal, events: readonly EngineEvent[], settlement: SettlementArgs | null, txHash: Hex | null = null): Promise<void> {
    const engine = this.engine;
    if (!engine.keepsUndo) throw new KestrelError(ErrorCode.INTERNAL, 'commit of a batch that was not applied with tryApply');
    const ops: Op[] = [];
    const record: BatchRecord = {
      proposal: p,
      settlement,
      txHash,
      seqs: p.inputs.map((i) => (isSigned(i) ? (this.mempool.seqOf(i.hash) ?? null) : null)),
      ...(settlement ? { outcome: engineOutcome(p, events, settlement.fills.length) } : {}),
    };
    ops.push({ put: batchKey(p.batchId), value: record });
    // the one read of the commit, before the engine hands over anything: if it fails, nothing moved
    const pruned = await expiredArchiveOps(this.store, p.timestamp - this.retention);
    const forgotten = await this.rejects.expired(this.store, p.timestamp - this.retention);
    pruned.push(...forgotten.ops);
    const { sequenced, newOrders, newCancels, ops: cancelOps } = sequencedInputs(p);
    ops.push(...cancelOps);
    // orders that finished leave memory for the archive; an order rejected without an engine record is archived from its input
    const {
      finished,
      archived,
      removedOrders,
      ops: orderOps,
    } = finishedOrders(engine.takeFinished(), events, newOrders, (hash, order) => this.orders.get(hash, order), p.timestamp);
    ops.push(...orderOps);
    if (this.history.kept) ops.push(...historyOps(p, events, (h) => finished.get(h) ?? engine.getOrder(h)));
    // from here on, until the write, the engine no longer holds the finished orders
    this.leaving = new Map(removedOrders);
    ops.push(...archiveOps(archived));
    for (const [hash, o] of newOrders) {
      if (finished.has(hash)) continue;
      const value: StoredOrderRecord = this.orders.engineHolds(hash, o.order) ? { signature: o.signature, batchId: o.batchId } : o;
      ops.push({ put: `order:${hash}`, value });
    }
    ops.push(...pruned);
    for (const h of sequenced) {
      const seq = this.mempool.seqOf(h);
      if (seq !== undefined) ops.push({ del: mempoolKey(seq) });
    }
    // the state records the batch changed, and what they were before it (for a rollback)
    const before = engine.endUndo();
    const changes = engine.takeChanges();
    // a batch whose listing changes took effect: the globals record as the new configuration writes it
    const switching = this.switching;
    if (switching !== null) {
      const globals = new Map(switching.engine.takeChanges());
      for (const c of changes) if (globals.has(c[0])) c[1] = globals.get(c[0])!;
    }
    for (const [key, bytes] of changes) ops.push(bytes === null ? { del: recordKey(key) } : { put: recordKey(key), value: toHex(bytes) });
    // the configuration the stored state runs by: a listing changed while the node was down must
    // not be taken for the one its state was made by
    if (switching !== null) ops.push({ put: CONFIG_KEY, value: switching.config }, { put: PREV_CONFIG_KEY, value: this.cfg });
    else if (this.previous?.config) ops.push({ del: PREV_CONFIG_KEY });
    if (switching === null && !this.configStored) ops.push({ put: CONFIG_KEY, value: this.cfg });
    const previous: Previous = {
      meta: this.meta(),
      before,
      archived: archived.map((e) => [e.state.hash, e.finishedAt]),
      orders: removedOrders,
      config: switching === null ? null : this.cfg,
    };
    ops.push({ put: 'meta:prev', value: previous.meta });
    ops.push({
      put: 'undo:last',
      value: {
        records: [...before].map(([k, v]) => [k, v === null ? null : toHex(v)]),
        archived: previous.archived,
        removed: removedOrders.map(([hash]) => hash),
      } satisfies UndoRecord,
    });
    ops.push({
      put: 'meta:lastBatch',
      value: {
        lastBatchId: p.batchId.toString(),
        lastTimestamp: p.timestamp.toString(),
        requestCursor: p.requestCursor.toString(),
        stateHash: p.stateHash,
      } satisfies BatchMeta,
    });
    // rolled-back versions of batches long settled are let go
    if (p.batchId % SUPERSEDED_KEEP === 0n)
      for await (const [k] of this.store.scan(SUPERSEDED_PREFIX))
        if (BigInt(k.slice(SUPERSEDED_PREFIX.length, SUPERSEDED_PREFIX.length + 20)) + SUPERSEDED_KEEP < p.batchId) ops.push({ del: k });
    // a cancel older than the acceptance window can no longer be submitted: forget it
    const expiredCancels = this.cancels.takeDue(p.timestamp - 2n * CANCEL_WINDOW_SECONDS);
    for (const h of expiredCancels) ops.push({ del: `cancel:${h}` });
    try {
      await this.store.write(ops);
    } catch (err) {
      // memory follows the disk: the batch did not happen
      this.switching = null;
      this.cancels.putBack(expiredCancels);
      engine.revert(before);
      this.settle();
      throw err;
    } finally {
      this.leaving = null;
    }
    this.previous = previous;
    this.configStored = true;

    for (const [h, rec] of newOrders) if (!finished.has(h)) this.orders.set(h, rec);
    for (const h of finished.keys()) this.orders.delete(h);
    for (const [h, ts] of newCancels) this.cancels.set(h, ts);
    for (const h of expiredCancels) this.cancels.delete(h);
    for (const h of forgotten.hashes) {
      this.rejects.delete(h);
      this.orders.delete(h);
    }
    this.pool.remove(sequenced, 'sequenced');
    this.settle();
    this.lastBatchId = p.batchId;
    this.lastTimestamp = p.timestamp;
    this.requestCursor = p.requestCursor;
    this.stateHash = p.stateHash;
    if (switching !== null) {
      this.switching = null;
      this.cfg = switching.config;
      this.engine = switching.engine;
      this.onReconfigure?.(switching.config);
    }
    this.onCommit?.(p, events);
  }

  private settle(): void {
    this.tentative?.resolve();
    this.tentative = null;
  }

  /** Whether a batch is applied but not committed (readers of the engine would see it). */
  get applying(): boolean {
    return this.tentative !== null;
  }

  /**
   * Runs `fn` after every work queued before it, and before any queued after: a node that both
   * sequences (in its turn) and follows (out of it) builds, applies, commits and rolls back one
   * batch at a time. Not re-entrant: `fn` must not queue work of its own and wait for it.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.work.then(fn);
    this.work = run.catch(() => undefined);
    return run;
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
    return {
      lastBatchId: this.lastBatchId.toString(),
      lastTimestamp: this.lastTimestamp.toString(),
      requestCursor: this.requestCursor.toString(),
      stateHash: this.stateHash,
    };
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
    // a batch tried on top of this one goes first
    if (this.tentative && this.engine.keepsUndo) this.engine.undo();
    this.settle();
    const prev = this.previous!;
    const p = rec.proposal;
    const ops: Op[] = [
      { del: batchKey(batchId) },
      { del: txHashKey(batchId) },
      // kept: a version this node sent, or took from a peer, may still be the one the chain settles
      { put: supersededKey(batchId, p.stateHash), value: rec },
      { put: 'meta:lastBatch', value: prev.meta },
      { del: 'meta:prev' },
      { del: 'undo:last' },
      ...(await historyRollbackOps(this.store, batchId)),
    ];
    for (const [key, bytes] of prev.before) ops.push(bytes === null ? { del: recordKey(key) } : { put: recordKey(key), value: toHex(bytes) });
    if (prev.config) ops.push({ put: CONFIG_KEY, value: prev.config }, { del: PREV_CONFIG_KEY });
    ops.push(...unarchiveOps(prev.archived));
    for (const [hash, o] of prev.orders) ops.push({ put: `order:${hash}`, value: o });
    const back: MempoolEntry[] = [];
    let fresh = this.pool.nextSeqAfter();
    p.inputs.forEach((input, i) => {
      if (!isSigned(input)) return;
      const seq = rec.seqs[i] ?? fresh++;
      back.push({ seq, input });
      ops.push({ del: `${input.type === 'order' ? 'order' : 'cancel'}:${input.hash}` }, ...this.rejects.forgetOps(input.hash), {
        put: mempoolKey(seq),
        value: input,
      });
    });
    await this.store.write(ops);

    for (const { input } of back) {
      this.orders.delete(input.hash);
      this.cancels.delete(input.hash);
      this.rejects.delete(input.hash);
    }
    this.pool.requeue(back);
    if (prev.config) {
      // the state goes back under the configuration it was made by: read again from the store
      const records: Array<[string, Uint8Array]> = [];
      for await (const [k, v] of this.store.scan<Hex>(RECORD_PREFIX)) records.push([keyTail(k, RECORD_PREFIX.length), hexToBytes(v)]);
      this.cfg = prev.config;
      this.engine = Engine.fromRecords(prev.config, records);
      this.engine.takeChanges();
      this.onReconfigure?.(prev.config);
    } else this.engine.revert(prev.before);
    // after the engine holds them again: open orders read their fields from it
    for (const [hash, o] of prev.orders) this.orders.set(hash, o);
    this.lastBatchId = BigInt(prev.meta.lastBatchId);
    this.lastTimestamp = BigInt(prev.meta.lastTimestamp);
    this.requestCursor = BigInt(prev.meta.requestCursor);
    this.stateHash = prev.meta.stateHash;
    this.previous = null;
    this.onRollback?.(batchId);
  }

  /**
   * A version of batch `batchId` with `stateHash`: the one in the log, or one rolled back (kept for
   * {@link SUPERSEDED_KEEP} batches, since the chain may settle it after all).
   */
  async batchVersion(batchId: bigint, stateHash: Hex): Promise<BatchRecord | undefined> {
    const rec = await this.batch(batchId);
    if (rec?.proposal.stateHash.toLowerCase() === stateHash.toLowerCase()) return rec;
    return this.store.get<BatchRecord>(supersededKey(batchId, stateHash));
  }

  /** Records the transaction that settled a batch, under a key of its own (the batch record, a proposal of hundreds of inputs, is not rewritten). */
  async setTxHash(batchId: bigint, txHash: Hex): Promise<void> {
    if (batchId <= this.lastBatchId) await this.store.write([{ put: txHashKey(batchId), value: txHash }]);
  }

  async batch(batchId: bigint): Promise<BatchRecord | undefined> {
    const [rec, txHash] = await Promise.all([this.store.get<BatchRecord>(batchKey(batchId)), this.store.get<Hex>(txHashKey(batchId))]);
    return rec && (txHash === undefined ? rec : { ...rec, txHash });
  }
}

/**
 * What readers of the node's state (the API, the WebSocket hub) may use: reads only. Admitting an
 * input, committing or rolling back a batch stay with admission, the sequencer and the follower.
 */
export type LedgerReader = Readonly<
  Pick<
    Ledger,
    | 'batchVersion'
    | 'engine'
    | 'config'
    | 'lastBatchId'
    | 'lastSettledBatchId'
    | 'stateHash'
    | 'mempool'
    | 'signedOrder'
    | 'rejectCode'
    | 'archived'
    | 'quiescent'
    | 'applying'
    | 'batch'
    | 'history'
  >
>;
