/**
 * Signature recovery off the event loop (spec/node.md: verify once per order, in parallel). The
 * canonical checks run here, cheaply; the elliptic-curve recovery (~100 µs natively) runs on
 * worker threads that load the same native libsecp256k1 binding. Requests made in the same turn
 * of the event loop travel to a worker together, so the message cost is shared.
 *
 * Without the native binding there is no pool: {@link RecoverPool.start} returns null and the
 * caller recovers in place, with the pure-JS fallback.
 */
import { createRequire } from 'node:module';
import { ErrorCode, KestrelError } from '@kestrel/core';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Address, Hex } from '@kestrel/core';
import { nativeRecoveryLoaded, toRecoverable } from './recover.js';

type Job = [id: number, sig64: Uint8Array, recid: number, msg32: Uint8Array];

// The worker is plain CommonJS evaluated from this string, so it runs the same way from the
// TypeScript sources (tests) and from the build. It only recovers and hashes.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const native = require(workerData.bindings);
import(workerData.core).then(({ keccak256 }) => {
  const hex = (b) => '0x' + Buffer.from(b).toString('hex');
  parentPort.on('message', (jobs) => {
    parentPort.postMessage(jobs.map(([id, sig64, recid, msg32]) => {
      try {
        return [id, hex(keccak256(native.ecdsaRecover(sig64, recid, msg32, false).subarray(1)).subarray(12))];
      } catch {
        return [id, null];
      }
    }));
  });
});
`;

interface Slot {
  worker: Worker;
  /** jobs gathered this turn, sent on the next setImmediate */
  outbox: Job[];
  pending: Map<number, { resolve: (a: Address | null) => void; reject: (e: Error) => void }>;
}

export class RecoverPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private turn = 0;
  private flushScheduled = false;
  private closed = false;

  private constructor(size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /**
   * A pool of `size` workers, or null without the native binding. One per core by default: the
   * event loop mostly waits on them, and on 2 cores two workers recover ~1.35× as fast as the
   * event loop alone, one worker ~0.9× (bench/node/recover.mjs).
   */
  static start(size = availableParallelism()): RecoverPool | null {
    return nativeRecoveryLoaded ? new RecoverPool(size) : null;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The lower-case signer of `digest`, or null for a non-canonical or invalid signature. */
  recover(digest: Hex, signature: Hex): Promise<Address | null> {
    if (this.closed) return Promise.reject(new KestrelError(ErrorCode.INTERNAL, 'recover pool closed'));
    const rec = toRecoverable(digest, signature);
    if (rec === null) return Promise.resolve(null);
    const slot = this.slots[this.turn++ % this.slots.length]!;
    const id = this.nextId++;
    slot.outbox.push([id, rec.sig64, rec.recid, rec.msg32]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => slot.pending.set(id, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const s of this.slots) {
      if (s.outbox.length === 0) continue;
      s.worker.postMessage(s.outbox);
      s.outbox = [];
    }
  }

  private spawn(): Slot {
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { bindings: require.resolve('secp256k1/bindings'), core: import.meta.resolve('@kestrel/core') },
    });
    worker.unref(); // never what keeps the process alive
    const slot: Slot = { worker, outbox: [], pending: new Map() };
    worker.on('message', (results: Array<[number, Address | null]>) => {
      for (const [id, address] of results) {
        slot.pending.get(id)?.resolve(address);
        slot.pending.delete(id);
      }
    });
    // A worker that dies takes no verdict with it: its requests fail (an internal error, not a bad
    // signature: nobody is blamed, the sender may try again) and a new worker takes its place.
    const replace = (): void => {
      for (const p of slot.pending.values()) p.reject(new KestrelError(ErrorCode.INTERNAL, 'signature worker stopped'));
      slot.pending.clear();
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    };
    worker.on('error', replace);
    worker.on('exit', replace);
    return slot;
  }
}
