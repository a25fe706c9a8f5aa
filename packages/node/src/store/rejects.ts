/**
 * Orders the sequencer refused (the chain would not settle them), so that their status answers
 * `rejected` with the code on every node that heard of them (spec/node.md, "Archive"). Each is
 * kept under `reject:<hash>` with its code and the chain time of the refusal, beside its signed
 * order (`order:<hash>`), and indexed by that time under `reject-at:<time>:<hash>`: like finished
 * orders, refusals older than the archive's retention are forgotten, a bounded number per batch,
 * so that what a node holds follows the retention and not the whole history. Entries written
 * before the index existed carry no time and are kept.
 */
import type { Hex } from '@kestrel/core';
import { ARCHIVE_PRUNE_PER_BATCH } from './archive.js';
import { keyTail } from './codec.js';
import type { NodeStore } from './store.js';

type Op = { put: string; value: unknown } | { del: string };

const pad = (t: bigint): string => t.toString().padStart(20, '0');
const rejectKey = (hash: Hex): string => `reject:${hash}`;
const atKey = (at: bigint, hash: Hex): string => `reject-at:${pad(at)}:${hash}`;

interface Entry {
  code: string;
  /** chain time of the refusal (unix seconds); null for an entry written without one */
  at: bigint | null;
}

export class Rejects {
  private readonly entries = new Map<Hex, Entry>();

  /** The refusals a store holds. */
  static async load(store: NodeStore): Promise<Rejects> {
    const r = new Rejects();
    for await (const [k, v] of store.scan<{ code: string; at?: string }>('reject:')) {
      r.entries.set(keyTail(k, 'reject:'.length) as Hex, { code: v.code, at: v.at === undefined ? null : BigInt(v.at) });
    }
    return r;
  }

  get size(): number {
    return this.entries.size;
  }

  code(hash: Hex): string | undefined {
    return this.entries.get(hash)?.code;
  }

  /** The writes recording a refusal at chain time `at`; `set` it once they are on disk. */
  recordOps(hash: Hex, code: string, at: bigint): Op[] {
    return [
      { put: rejectKey(hash), value: { code, at: at.toString() } },
      { put: atKey(at, hash), value: 1 },
    ];
  }

  set(hash: Hex, code: string, at: bigint): void {
    this.entries.set(hash, { code, at });
  }

  /** The writes forgetting a refusal (its batch was rolled back); `delete` it once they are on disk. */
  forgetOps(hash: Hex): Op[] {
    const at = this.entries.get(hash)?.at;
    return [{ del: rejectKey(hash) }, ...(at === undefined || at === null ? [] : [{ del: atKey(at, hash) }])];
  }

  delete(hash: Hex): void {
    this.entries.delete(hash);
  }

  /**
   * Refusals made before `cutoff`, at most {@link ARCHIVE_PRUNE_PER_BATCH}: the writes that forget
   * them and their signed orders, and their digests (to `delete` once written).
   */
  async expired(store: NodeStore, cutoff: bigint): Promise<{ ops: Op[]; hashes: Hex[] }> {
    const ops: Op[] = [];
    const hashes: Hex[] = [];
    for await (const [key] of store.scan<number>('reject-at:', { limit: ARCHIVE_PRUNE_PER_BATCH })) {
      const [, at, hash] = key.split(':') as [string, string, Hex];
      if (BigInt(at) >= cutoff) break;
      ops.push({ del: key }, { del: rejectKey(hash) }, { del: `order:${hash}` });
      hashes.push(hash);
    }
    return { ops, hashes };
  }
}
