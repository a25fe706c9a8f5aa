/**
 * Snapshot and restore of the whole engine state (spec/matching.md): the state's records
 * (records.ts) as JSON-safe data, sorted by key, so two engines in the same state produce
 * byte-identical JSON. Restore writes every record back and rebuilds the derived indexes (books
 * in time order, open orders per subaccount, expiries), then checks that the lending pools add
 * up to the balances, so a damaged snapshot fails loudly instead of running.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import { bytesToHex, hexToBytes, isHex, type Hex } from '../hex.js';
import { GLOBALS_KEY, importRecord, recordKeys, encodeRecord } from './records.js';
import type { EngineState } from './state.js';

/** 6: the state as its records (earlier versions listed every order ever seen and are not read) */
export const SNAPSHOT_VERSION = 6;

export interface EngineSnapshot {
  version: typeof SNAPSHOT_VERSION;
  /** [key, record bytes as hex], ascending key */
  records: Array<[string, Hex]>;
}

export function snapshotState(s: EngineState): EngineSnapshot {
  const records: Array<[string, Hex]> = [];
  for (const key of recordKeys(s).sort()) {
    const bytes = encodeRecord(s, key);
    if (bytes !== null) records.push([key, bytesToHex(bytes)]);
  }
  return { version: SNAPSHOT_VERSION, records };
}

function bad(message: string): never {
  throw new KestrelError(ErrorCode.MALFORMED, `snapshot: ${message}`);
}

/** Loads a snapshot into a freshly constructed state (same config as the one snapshotted). */
export function restoreState(s: EngineState, snap: EngineSnapshot): void {
  if (snap?.version !== SNAPSHOT_VERSION || !Array.isArray(snap.records)) bad(`unsupported version ${String(snap?.version)}`);
  restoreRecords(
    s,
    snap.records.map(([key, hex]) => {
      if (typeof key !== 'string' || !isHex(hex)) bad('a record is not a key and hex bytes');
      return [key, hexToBytes(hex)] as [string, Uint8Array];
    }),
  );
}

/** Loads records into a freshly constructed state. */
export function restoreRecords(s: EngineState, records: Iterable<[string, Uint8Array]>): void {
  const seen = new Set<string>();
  const orders: Array<[string, Uint8Array]> = [];
  s.changes.mute(true);
  try {
    for (const [key, bytes] of records) {
      if (seen.has(key)) bad(`duplicate record ${key.slice(0, 24)}`);
      seen.add(key);
      // orders go last, in any order: each takes its place in time on its book
      if (key.startsWith('0x')) orders.push([key, bytes]);
      else importRecord(s, key, bytes);
    }
    if (!seen.has(GLOBALS_KEY)) bad('no globals record');
    orders.sort((a, b) => (sequenceOf(a[1]) < sequenceOf(b[1]) ? -1 : 1));
    for (const [key, bytes] of orders) importRecord(s, key, bytes);
  } catch (err) {
    if (err instanceof KestrelError) throw err;
    bad(err instanceof Error ? err.message : String(err));
  } finally {
    s.changes.mute(false);
  }
  for (const id of s.assets.keys()) {
    const totals = s.accounts.scaledTotals(id);
    const pool = s.accounts.pool(id);
    if (pool.supplyScaled !== totals.supplyScaled || pool.borrowScaled !== totals.borrowScaled) bad(`pool of asset ${id} does not add up to its balances`);
  }
  // the records are what a store holds: what changes from here on is owed to it (the commitment
  // is computed over them when first asked for)
  s.changes.startStore();
}

/** An open order record's sequence (its last 8 bytes; records.ts), 0 for a finished order's. */
function sequenceOf(bytes: Uint8Array): bigint {
  if (bytes[0] !== 1 || bytes.length < 9) return 0n;
  let v = 0n;
  for (let i = bytes.length - 8; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}
