/**
 * Durable node state in LevelDB. Every step writes with one atomic `batch()`, so a crash at any
 * point restarts to a consistent state: either a whole batch (log entry, engine snapshot, order
 * index, mempool removals) is on disk, or none of it is.
 *
 * Keys:
 *   meta:lastBatch        last applied batch id
 *   snapshot              engine snapshot after the last applied batch
 *   batch:<id20>          the proposal (wire JSON) and, once known, its settlement tx
 *   mempool:<seq16>       an unsequenced signed input (wire JSON)
 *   order:<hash>          a signed order the node has seen, with the batch that sequenced it
 *   reject:<hash>         an order rejected before or at sequencing, with its code
 */
import { Level } from 'level';
import type { ProposalWire } from '../batch.js';
import type { InputWire } from '../inputs.js';

export interface StoredBatch {
  proposal: ProposalWire;
  txHash?: string;
}

export interface StoredOrder {
  input: InputWire & { type: 'order' };
  batchId: string | null;
}

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const pad = (n: bigint, width: number): string => n.toString().padStart(width, '0');
export const batchKey = (id: bigint): string => `batch:${pad(id, 20)}`;
export const mempoolKey = (seq: bigint): string => `mempool:${pad(seq, 16)}`;

export class NodeStore {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(dir: string): Promise<NodeStore> {
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    return new NodeStore(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.db.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  /** Applies puts and deletes atomically. */
  async write(ops: Array<{ put: string; value: unknown } | { del: string }>): Promise<void> {
    const batch: Op[] = ops.map((o) => ('put' in o ? { type: 'put', key: o.put, value: JSON.stringify(o.value) } : { type: 'del', key: o.del }));
    await this.db.batch(batch);
  }

  /** Values under a key prefix, in key order. */
  async *scan<T>(prefix: string, opts: { reverse?: boolean; limit?: number } = {}): AsyncGenerator<[string, T]> {
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt: `${prefix}\xff`, reverse: opts.reverse ?? false, limit: opts.limit ?? -1 })) {
      yield [k, JSON.parse(v) as T];
    }
  }
}
