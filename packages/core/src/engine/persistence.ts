/**
 * The engine's state records at work (spec/matching.md, "State commitment"): the commitment
 * brought up to date, the records a node writes after a batch, and records written back to undo
 * one.
 */
import type { Hex } from '../hex.js';
import type { RecordBytes, StoreAtOpen } from './changes.js';
import { GLOBALS_KEY } from './record-keys.js';
import { encodeRecord, importRecord, recordKeys } from './records.js';
import type { EngineState } from './state.js';

/**
 * Rehashes the records changed since the last call (and the globals); returns the commitment. The
 * first call computes it over every record.
 */
export function commitState(s: EngineState): Hex {
  const { commitment, changes } = s;
  const keys = changes.takeForCommitment();
  if (keys === null) {
    for (const key of recordKeys(s)) commitment.set(key, encodeRecord(s, key));
    return commitment.root();
  }
  // accounts with moves pending in the batch may have moved again since they were named
  for (const a of s.accounts.pendingAccounts()) keys.add(a.key);
  commitment.set(GLOBALS_KEY, encodeRecord(s, GLOBALS_KEY));
  for (const key of keys) commitment.set(key, encodeRecord(s, key));
  return commitment.root();
}

/**
 * The records changed since the last call, sorted by key, with their bytes (null: removed). The
 * first call of an engine not restored from records takes every record.
 */
export function takeChanges(s: EngineState): Array<[string, RecordBytes]> {
  const taken = s.changes.takeForStore();
  let keys: string[];
  if (taken === null) keys = recordKeys(s).sort();
  else {
    for (const a of s.accounts.pendingAccounts()) taken.add(a.key);
    keys = [...taken, GLOBALS_KEY].sort();
  }
  const out: Array<[string, RecordBytes]> = [];
  let last = '';
  for (const key of keys) {
    if (key === last) continue;
    last = key;
    out.push([key, encodeRecord(s, key)]);
  }
  return out;
}

/**
 * Writes records back as they were (an undo journal); `storeAtOpen`: the keys the store was owed
 * when the journal opened (null: none — the caller writes these records to its store itself).
 */
export function revertRecords(s: EngineState, before: ReadonlyMap<string, RecordBytes>, storeAtOpen: StoreAtOpen): void {
  s.changes.mute(true);
  try {
    // a batch left half-applied is first brought to its end, so no move waits anywhere
    s.accounts.endBatch();
    s.justSpent.length = 0;
    const globals = before.get(GLOBALS_KEY);
    if (globals !== undefined) importRecord(s, GLOBALS_KEY, globals);
    for (const [key, bytes] of before) if (key !== GLOBALS_KEY) importRecord(s, key, bytes);
    s.evictFinished();
  } finally {
    s.changes.mute(false);
  }
  s.changes.reverted(before.keys(), storeAtOpen);
}
