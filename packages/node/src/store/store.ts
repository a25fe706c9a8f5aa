/**
 * Durable node state in LevelDB. Every step writes with one atomic `batch()`, so a crash at any
 * point restarts to a consistent state: either a whole batch (log entry, the state records it
 * changed, order index, archive, mempool removals) is on disk, or none of it is. Every write is
 * synced (`fsync`) before it resolves: an input the API acknowledged, or a batch the node gossiped
 * or sent to the chain, survives the machine losing power, not only the process dying.
 *
 * Keys (values in the store's own format, codec.ts):
 *   meta:format           the format the store is written in (STORE_FORMAT)
 *   meta:lastBatch        the last applied batch: id, clock, cursor, state hash
 *   meta:prev             the same for the batch before it (what a rollback returns to)
 *   rec:<key>             one engine state record (hex bytes; packages/core records.ts)
 *   undo:last             what the last batch replaced: records before it, orders it archived
 *   batch:<id20>          the proposal, its settlement and, once known, its transaction
 *   mempool:<seq16>       an unsequenced signed input
 *   order:<hash>          a signed order not finished yet, with the batch that sequenced it
 *   reject:<hash>         an order refused at sequencing, with its code
 *   cancel:<hash>         a sequenced cancel's timestamp (a cancel acts once)
 *   archive:<hash>        a finished order: final state, signature, batch (archive.ts)
 *   archive-at:<t20>:<hash>  the archive by finishing time, for retention: the hashes of the orders
 *                         that finished together, the first of them in the key
 */
import { Level } from 'level';
import { ErrorCode, KestrelError } from '@kestrel/core';
import { decodeValue, encodeValue, READABLE_FORMATS, STORE_FORMAT } from './codec.js';

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const pad = (n: bigint, width: number): string => n.toString().padStart(width, '0');
export const batchKey = (id: bigint): string => `batch:${pad(id, 20)}`;
/** the transaction that settled a batch, kept apart from its record */
export const txHashKey = (id: bigint): string => `txhash:${pad(id, 20)}`;
/** a version of a batch this node rolled back (replaced by another operator's, or reverted): kept while the chain may still settle it */
export const SUPERSEDED_PREFIX = 'superseded:';
export const supersededKey = (id: bigint, stateHash: string): string => `${SUPERSEDED_PREFIX}${pad(id, 20)}:${stateHash.toLowerCase()}`;
export const mempoolKey = (seq: bigint): string => `mempool:${pad(seq, 16)}`;
export const RECORD_PREFIX = 'rec:';
export const recordKey = (key: string): string => `${RECORD_PREFIX}${key}`;

interface PendingWrite {
  ops: Op[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A consistent read of the store at one moment ({@link NodeStore.view}). */
export interface StoreView {
  get<T>(key: string): Promise<T | undefined>;
  scan<T>(prefix: string): AsyncGenerator<[string, T]>;
  close(): Promise<void>;
}

export class NodeStore {
  /** writes waiting for the one in flight (group commit, see {@link write}) */
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | null = null;
  /** LevelDB batches written since open: fewer than the writes made when writes were grouped */
  diskBatches = 0;

  private constructor(private readonly db: Level<string, string>) {}

  /**
   * Opens (or creates) the store in `dir`; takes over a store of a format this node reads as it is
   * (READABLE_FORMATS, named the current format from then on); refuses any other.
   */
  static async open(dir: string): Promise<NodeStore> {
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    const format = await db.get('meta:format');
    if (format === undefined) {
      for await (const key of db.keys({ limit: 1 })) {
        await db.close();
        throw new KestrelError(
          ErrorCode.INTERNAL,
          `${dir} holds node data of an unknown format (its first key is ${key}); start from an empty directory and let the node sync`,
        );
      }
      await db.put('meta:format', String(STORE_FORMAT), { sync: true });
    } else if (READABLE_FORMATS.some((f) => format === String(f))) {
      await db.put('meta:format', String(STORE_FORMAT), { sync: true });
    } else if (format !== String(STORE_FORMAT)) {
      await db.close();
      throw new KestrelError(ErrorCode.INTERNAL, `${dir} is written in store format ${format}; this node reads format ${STORE_FORMAT}`);
    }
    return new NodeStore(db);
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.db.close();
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.db.get(key);
    return v === undefined ? undefined : decodeValue<T>(v);
  }

  /** Several keys in one read (undefined where absent). */
  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.db.getMany([...keys]);
    return values.map((v) => (v === undefined ? undefined : decodeValue<T>(v)));
  }

  /**
   * Applies puts and deletes atomically, after every write called before it. Writes that arrive
   * while one is in flight go to disk together in the next LevelDB batch (group commit): each
   * caller's operations stay in one atomic batch, in call order, and a node admitting thousands
   * of inputs a second pays one batch per disk round trip instead of one per input. A failed
   * batch fails every write in it.
   */
  write(ops: Array<{ put: string; value: unknown } | { del: string }>): Promise<void> {
    const batch: Op[] = ops.map((o) => ('put' in o ? { type: 'put', key: o.put, value: encodeValue(o.value) } : { type: 'del', key: o.del }));
    return new Promise((resolve, reject) => {
      this.queue.push({ ops: batch, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        this.diskBatches++;
        // synced: a group costs one fsync (~0.3 ms here), shared by every write in it
        await this.db.batch(group.length === 1 ? group[0]!.ops : group.flatMap((w) => w.ops), { sync: true });
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    this.flushing = null;
  }

  /**
   * A read of the store as it stands now, unaffected by any write after it (a LevelDB snapshot):
   * a peer's snapshot is streamed from one while the node goes on committing. Close it when done.
   */
  view(): StoreView {
    const snapshot = this.db.snapshot();
    const db = this.db;
    return {
      async get<T>(key: string): Promise<T | undefined> {
        const v = await db.get(key, { snapshot });
        return v === undefined ? undefined : decodeValue<T>(v);
      },
      async *scan<T>(prefix: string): AsyncGenerator<[string, T]> {
        for await (const [k, v] of db.iterator({ gte: prefix, lt: `${prefix}\xff`, snapshot })) yield [k, decodeValue<T>(v)];
      },
      close: () => snapshot.close(),
    };
  }

  /** Deletes every key under the prefixes, then syncs with the write of `ops` (one atomic batch after the deletions). */
  async clear(prefixes: readonly string[], ops: Array<{ put: string; value: unknown } | { del: string }>): Promise<void> {
    for (const prefix of prefixes) await this.db.clear({ gte: prefix, lt: `${prefix}\xff` });
    await this.write(ops);
  }

  /**
   * Values under a key prefix whose key tails lie from `from` (or strictly after `after`) up to
   * strictly before `before` (either end open), in key order or reversed, at most `limit`: a page
   * of history without reading the rest.
   */
  async *range<T>(
    prefix: string,
    opts: { from?: string | undefined; after?: string | undefined; before?: string | undefined; reverse?: boolean; limit?: number },
  ): AsyncGenerator<[string, T]> {
    const range = {
      ...(opts.after !== undefined ? { gt: `${prefix}${opts.after}` } : { gte: `${prefix}${opts.from ?? ''}` }),
      lt: opts.before === undefined ? `${prefix}\xff` : `${prefix}${opts.before}`,
    };
    for await (const [k, v] of this.db.iterator({ ...range, reverse: opts.reverse ?? false, limit: opts.limit ?? -1 })) yield [k, decodeValue<T>(v)];
  }

  /** Values under a key prefix, in key order. */
  async *scan<T>(prefix: string, opts: { reverse?: boolean; limit?: number } = {}): AsyncGenerator<[string, T]> {
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt: `${prefix}\xff`, reverse: opts.reverse ?? false, limit: opts.limit ?? -1 })) {
      yield [k, decodeValue<T>(v)];
    }
  }
}
