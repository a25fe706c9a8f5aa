/**
 * Reading a peer's snapshot stream (`GET /v1/snapshot`): line by line, each line's shape checked,
 * bounded in size, cut off when the peer stalls. What comes out is well-formed, not yet trusted
 * (snapshot-join.ts checks it against the chain).
 */
import { ErrorCode, hexToBytes, isHex, KestrelError, type Hex } from '@kestrel/core';
import { SNAPSHOT_FORMAT, SNAPSHOT_PATH, SNAPSHOT_VERSION, type SnapshotHeader } from '@kestrel/api';

/** The longest line taken: far above any record (an account with every asset and market). */
export const MAX_SNAPSHOT_LINE_BYTES = 1024 * 1024;
/** A peer that sends nothing for this long is given up. */
export const SNAPSHOT_IDLE_MS = 30_000;

export interface ReadSnapshot {
  batchId: bigint;
  timestamp: bigint;
  requestCursor: bigint;
  stateHash: Hex;
  records: Array<[string, Uint8Array]>;
  /** [order hash, signature, the batch that sequenced it] */
  orders: Array<[Hex, Hex, bigint]>;
  /** [cancel digest, its timestamp] */
  cancels: Array<[Hex, bigint]>;
}

const bad = (message: string): never => {
  throw new KestrelError(ErrorCode.MALFORMED, `snapshot: ${message}`);
};

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const decimal = (v: unknown, what: string): bigint => (typeof v === 'string' && DECIMAL.test(v) ? BigInt(v) : bad(`${what} is not a decimal integer`));

function header(v: unknown): SnapshotHeader {
  const h = v as Partial<SnapshotHeader> | null;
  if (typeof h !== 'object' || h === null || h.format !== SNAPSHOT_FORMAT) bad('the first line is not a snapshot header');
  if (h!.version !== SNAPSHOT_VERSION) bad(`version ${String(h!.version)}; this node reads ${SNAPSHOT_VERSION}`);
  if (!isHex(h!.stateHash, 32)) bad('the header has no state hash');
  return h as SnapshotHeader;
}

/** Takes one line of the snapshot into `into`; true once the trailer came (and matched the counts). */
function take(into: ReadSnapshot, line: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    bad('a line is not JSON');
  }
  if (!Array.isArray(v)) {
    const t = v as { end?: unknown; records?: unknown; orders?: unknown; cancels?: unknown } | null;
    if (t?.end !== true) bad('a line is neither an entry nor the trailer');
    if (t!.records !== into.records.length || t!.orders !== into.orders.length || t!.cancels !== into.cancels.length)
      bad('the trailer does not count the lines that came');
    return true;
  }
  const [kind, a, b, c] = v as unknown[];
  if (kind === 'r' && v.length === 3 && typeof a === 'string' && a.length > 0 && a.length <= 256 && isHex(b)) into.records.push([a, hexToBytes(b)]);
  else if (kind === 'o' && v.length === 4 && isHex(a, 32) && isHex(b, 65)) into.orders.push([a.toLowerCase() as Hex, b, decimal(c, 'a batch id')]);
  else if (kind === 'c' && v.length === 3 && isHex(a, 32)) into.cancels.push([a.toLowerCase() as Hex, decimal(b, 'a timestamp')]);
  else bad(`a line of kind ${String(kind).slice(0, 8)} is malformed`);
  return false;
}

/**
 * Fetches and reads a peer's snapshot: at most `maxBytes` in all. Throws on a refusal, a
 * malformed or oversized line, a stall, or a stream that ends before its trailer.
 */
export async function readSnapshot(base: string, maxBytes: number): Promise<ReadSnapshot> {
  const abort = new AbortController();
  let idle = setTimeout(() => abort.abort(new Error(`no data for ${SNAPSHOT_IDLE_MS} ms`)), SNAPSHOT_IDLE_MS);
  try {
    const res = await fetch(`${base}${SNAPSHOT_PATH}`, { signal: abort.signal });
    if (res.status !== 200 || !res.body) bad(`the peer answered ${res.status}`);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let into: ReadSnapshot | null = null;
    let rest = '';
    let bytes = 0;
    let ended = false;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error(`no data for ${SNAPSHOT_IDLE_MS} ms`)), SNAPSHOT_IDLE_MS);
      bytes += chunk.length;
      if (bytes > maxBytes) bad(`larger than ${maxBytes} bytes`);
      if (ended) bad('lines after the trailer');
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop()!;
      if (rest.length > MAX_SNAPSHOT_LINE_BYTES) bad(`a line longer than ${MAX_SNAPSHOT_LINE_BYTES} bytes`);
      for (const line of lines) {
        if (ended) bad('lines after the trailer');
        if (into === null) {
          const h = header(JSON.parse(line));
          into = {
            batchId: decimal(h.batchId, 'the batch id'),
            timestamp: decimal(h.timestamp, 'the timestamp'),
            requestCursor: decimal(h.requestCursor, 'the request cursor'),
            stateHash: h.stateHash.toLowerCase() as Hex,
            records: [],
            orders: [],
            cancels: [],
          };
        } else ended = take(into, line);
      }
    }
    if (into === null || !ended || rest !== '') bad('the stream ended before its trailer');
    return into!;
  } catch (err) {
    if (err instanceof KestrelError) throw err;
    if (err instanceof SyntaxError) bad('the header is not JSON');
    throw new KestrelError(ErrorCode.MALFORMED, `snapshot: ${(err as Error).message}`);
  } finally {
    clearTimeout(idle);
    abort.abort();
  }
}
