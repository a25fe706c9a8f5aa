/**
 * A node's state at one batch on the wire (`GET /v1/snapshot`, spec/node.md "Joining from a
 * snapshot"): what a node started with an empty disk loads instead of replaying every batch. It is
 * newline-delimited JSON, one line each: a header naming the batch, then the engine's state
 * records, the signatures of the open orders, the cancels still remembered, and a trailer with the
 * counts (a stream cut short has none). The receiver trusts none of it until the records hash to
 * the state hash the chain holds for that batch and every open order's signature recovers to a
 * signer of its subaccount.
 */
import type { Hex } from '@kestrel/core';

export const SNAPSHOT_PATH = '/v1/snapshot';
export const SNAPSHOT_CONTENT_TYPE = 'application/x-ndjson';
export const SNAPSHOT_FORMAT = 'kestrel-snapshot';
export const SNAPSHOT_VERSION = 1;

/** The first line: the batch the state stands at (as the chain's `BatchSettled` event names it). */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  batchId: string;
  /** the batch clock, unix seconds */
  timestamp: string;
  /** the next unprocessed request of the chain's queue */
  requestCursor: string;
  stateHash: Hex;
}

/**
 * The lines between header and trailer:
 *   ["r", record key, record bytes as hex]        an engine state record
 *   ["o", order hash, signature, sequencing batch] an open order's signature
 *   ["c", cancel digest, its timestamp]            a sequenced cancel still remembered (one acts once)
 */
export type SnapshotLine = ['r', string, Hex] | ['o', Hex, Hex, string] | ['c', Hex, string];

/** The last line: how many lines of each kind came before it. */
export interface SnapshotTrailer {
  end: true;
  records: number;
  orders: number;
  cancels: number;
}
