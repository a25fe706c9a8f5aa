/**
 * Serving this node's state to a joining peer (`GET /v1/snapshot`, spec/node.md "Joining from a
 * snapshot"): the state records, the open orders' signatures and the remembered cancels, all read
 * from one LevelDB snapshot of the store at its last committed batch, so the stream is consistent
 * while the node goes on committing and costs no lock on the ledger. The joining node checks it
 * against the chain; nothing here needs to be trusted.
 */
import { ErrorCode, KestrelError, type Hex } from '@kestrel/core';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotHeader, type SnapshotLine, type SnapshotTrailer } from '@kestrel/api';
import { keyTail } from '../store/codec.js';
import type { BatchMeta, StoredOrderRecord } from '../store/records.js';
import { RECORD_PREFIX, type NodeStore } from '../store/store.js';

/** Lines per chunk handed to the response: one write per chunk, not per line. */
const LINES_PER_CHUNK = 512;

/**
 * The snapshot as chunks of newline-terminated JSON lines. Throws NOT_FOUND before the first
 * chunk when the node has committed no batch yet.
 */
export async function* snapshotChunks(store: NodeStore): AsyncGenerator<string> {
  const view = store.view();
  try {
    const meta = await view.get<BatchMeta>('meta:lastBatch');
    if (meta === undefined) throw new KestrelError(ErrorCode.NOT_FOUND, 'this node has no batch yet to serve a snapshot of');
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      batchId: meta.lastBatchId,
      timestamp: meta.lastTimestamp,
      requestCursor: meta.requestCursor,
      stateHash: meta.stateHash,
    };
    const trailer: SnapshotTrailer = { end: true, records: 0, orders: 0, cancels: 0 };
    let chunk: string[] = [JSON.stringify(header)];
    const line = (l: SnapshotLine): string | undefined => {
      chunk.push(JSON.stringify(l));
      if (chunk.length < LINES_PER_CHUNK) return undefined;
      const out = `${chunk.join('\n')}\n`;
      chunk = [];
      return out;
    };
    for await (const [k, hex] of view.scan<Hex>(RECORD_PREFIX)) {
      trailer.records++;
      const out = line(['r', keyTail(k, RECORD_PREFIX.length), hex]);
      if (out) yield out;
    }
    // signed orders the ledger holds: the sequenced ones are open (a finished order leaves for the
    // archive); those refused at sequencing (no batch) answer status queries only and stay here
    for await (const [k, rec] of view.scan<StoredOrderRecord>('order:')) {
      if (rec.batchId === null) continue;
      trailer.orders++;
      const out = line(['o', keyTail(k, 6) as Hex, rec.signature, rec.batchId.toString()]);
      if (out) yield out;
    }
    for await (const [k, rec] of view.scan<{ timestamp: bigint }>('cancel:')) {
      trailer.cancels++;
      const out = line(['c', keyTail(k, 7) as Hex, rec.timestamp.toString()]);
      if (out) yield out;
    }
    chunk.push(JSON.stringify(trailer));
    yield `${chunk.join('\n')}\n`;
  } finally {
    await view.close();
  }
}

/** Snapshots served at most `max` at a time: each holds a LevelDB snapshot and a share of a core while it streams. */
export class SnapshotServer {
  private streaming = 0;

  constructor(
    private readonly store: NodeStore,
    private readonly max: number,
  ) {}

  /** A snapshot stream, or RATE_LIMITED while `max` are streaming. */
  open(): AsyncGenerator<string> {
    if (this.streaming >= this.max)
      throw new KestrelError(ErrorCode.RATE_LIMITED, `this node streams at most ${this.max} snapshots at once; try again later or another peer`);
    this.streaming++;
    const chunks = snapshotChunks(this.store);
    const done = (): void => {
      this.streaming--;
    };
    return (async function* counted() {
      try {
        yield* chunks;
      } finally {
        done();
      }
    })();
  }
}
