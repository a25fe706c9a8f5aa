/**
 * Joining a running network from nothing (spec/node.md "Joining from a snapshot"): a node whose
 * store holds no batch loads a peer's state at a batch the chain settled instead of replaying every
 * batch from the first, then follows from there. It trusts the peer for nothing:
 *
 *   - the records must rebuild an engine (a damaged one throws) whose state hash is the one the
 *     chain's `BatchSettled` event announced for that batch, with the event's clock and request
 *     cursor: the chain's commitment, not the peer's word (a batch not yet settled is waited for);
 *   - every open order's signature must recover to its subaccount's owner or linked signer (the
 *     commitment holds the orders, not their signatures, which the chain checks at settlement).
 *
 * A peer whose snapshot fails is skipped for the next; when none passes, the node replays batches
 * as before. The load is written in parts behind a marker key, so a crash midway leaves a store
 * that the next start clears, never a half state.
 */
import { Engine, subaccountOwner, type EngineConfig, type Hex } from '@kestrel/core';
import type { SettledBatch } from '../chain/exchange.js';
import { toHex } from '../store/codec.js';
import type { BatchMeta } from '../store/records.js';
import { RECORD_PREFIX, recordKey, type NodeStore } from '../store/store.js';
import type { Logger } from '../util/log.js';
import { readSnapshot, type ReadSnapshot } from './snapshot-read.js';

/** Present while a snapshot is being written: a start that finds it clears the load. */
export const LOADING_KEY = 'meta:snapshotLoading';
/** What a snapshot load writes (and a cleared one removes). */
const LOADED_PREFIXES = [RECORD_PREFIX, 'order:', 'cancel:'];
/** Keys per write while loading: bounded memory in the write path. */
const WRITE_CHUNK = 10_000;
/** Signatures recovered at once. */
const RECOVER_CHUNK = 1_000;
/** How often the chain is asked whether the snapshot's batch settled, ms. */
const SETTLE_POLL_MS = 250;

export interface JoinInit {
  store: NodeStore;
  config: EngineConfig;
  /** the batch from which `config` is the chain's listing (ChainListing.configBatch) */
  configBatch: bigint;
  chain: { lastBatchId(): Promise<bigint>; settledBatch(batchId: bigint): Promise<SettledBatch | null>; configBatch(): Promise<bigint> };
  peers: readonly string[];
  recover: (digest: Hex, signature: Hex) => Promise<string | null>;
  log: Logger;
  /** how long to wait for the chain to settle the snapshot's batch, ms */
  waitMs: number;
  /** the most bytes read from one peer */
  maxBytes: number;
}

/** Removes what an interrupted load wrote. */
export async function clearInterruptedLoad(store: NodeStore, log: Logger): Promise<void> {
  if ((await store.get(LOADING_KEY)) === undefined) return;
  log.warn('snapshot: an interrupted load is cleared');
  await store.clear(LOADED_PREFIXES, [{ del: LOADING_KEY }]);
}

/** Why a snapshot was refused, or null when it holds. */
export async function checkSnapshot(
  snap: ReadSnapshot,
  init: Pick<JoinInit, 'config' | 'configBatch' | 'chain' | 'recover' | 'waitMs'>,
): Promise<string | null> {
  let engine: Engine;
  try {
    engine = Engine.fromRecords(init.config, snap.records);
  } catch (err) {
    return `its records do not rebuild a state: ${(err as Error).message}`;
  }
  const hash = engine.stateHash().toLowerCase();
  if (hash !== snap.stateHash) return `its records hash to ${hash}, not the ${snap.stateHash} it announces`;
  const until = Date.now() + init.waitMs;
  while ((await init.chain.lastBatchId()) < snap.batchId) {
    if (Date.now() > until) return `the chain did not settle batch ${snap.batchId} within ${init.waitMs} ms`;
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
  }
  const settled = await init.chain.settledBatch(snap.batchId);
  if (settled === null) return `no BatchSettled event of batch ${snap.batchId} was found on the chain`;
  if (settled.stateHash !== snap.stateHash) return `the chain settled batch ${snap.batchId} with state ${settled.stateHash}, not ${snap.stateHash}`;
  if (settled.timestamp !== snap.timestamp || settled.requestCursor !== snap.requestCursor)
    return `the chain settled batch ${snap.batchId} at clock ${settled.timestamp} and cursor ${settled.requestCursor}, not ${snap.timestamp} and ${snap.requestCursor}`;
  // the state runs by the listing of its batch: the one read at start, unless a change took effect since
  if (init.configBatch > snap.batchId) return `the listing changed at batch ${init.configBatch}, after the snapshot's batch ${snap.batchId}`;
  const applied = await init.chain.configBatch();
  if (applied !== init.configBatch) return `a listing change took effect at batch ${applied}, after this node read the listing`;
  const signed = new Set<Hex>();
  for (let i = 0; i < snap.orders.length; i += RECOVER_CHUNK) {
    const part = snap.orders.slice(i, i + RECOVER_CHUNK);
    const signers = await Promise.all(part.map(([hash, signature]) => init.recover(hash, signature)));
    for (const [j, [hash]] of part.entries()) {
      const order = engine.openOrder(hash);
      if (order === undefined) return `it signs order ${hash}, which is not open at batch ${snap.batchId}`;
      const signer = signers[j]?.toLowerCase();
      const sub = order.order.subaccount;
      // its linked signer at any expiry: an order rests past its signer's link (the chain checks that at settlement)
      const authorised = signer !== undefined && (signer === subaccountOwner(sub).toLowerCase() || engine.linkedSigner(sub)?.signer === signer);
      if (!authorised) return `order ${hash}'s signature is not its subaccount's`;
      signed.add(hash);
    }
  }
  if (signed.size !== engine.restingOrderCount()) return `it signs ${signed.size} open orders of ${engine.restingOrderCount()}`;
  return null;
}

/** Writes a checked snapshot into an empty store: in parts behind {@link LOADING_KEY}, the batch meta last. */
async function load(store: NodeStore, snap: ReadSnapshot): Promise<void> {
  await store.write([{ put: LOADING_KEY, value: snap.batchId.toString() }]);
  const ops: Array<{ put: string; value: unknown }> = [];
  const flush = async (): Promise<void> => {
    if (ops.length > 0) await store.write(ops.splice(0));
  };
  for (const [key, bytes] of snap.records) {
    ops.push({ put: recordKey(key), value: toHex(bytes) });
    if (ops.length >= WRITE_CHUNK) await flush();
  }
  // stored without their fields: the engine's records hold them (store/records.ts, StoredOrderRecord)
  for (const [hash, signature, batchId] of snap.orders) {
    ops.push({ put: `order:${hash}`, value: { signature, batchId } });
    if (ops.length >= WRITE_CHUNK) await flush();
  }
  for (const [hash, timestamp] of snap.cancels) {
    ops.push({ put: `cancel:${hash}`, value: { timestamp } });
    if (ops.length >= WRITE_CHUNK) await flush();
  }
  await flush();
  const meta: BatchMeta = {
    lastBatchId: snap.batchId.toString(),
    lastTimestamp: snap.timestamp.toString(),
    requestCursor: snap.requestCursor.toString(),
    stateHash: snap.stateHash,
  };
  await store.write([{ put: 'meta:lastBatch', value: meta }, { del: LOADING_KEY }]);
}

/**
 * Loads the first peer's snapshot that passes {@link checkSnapshot} into the (empty) store; the
 * batch it stands at, or null when no peer's did.
 */
export async function joinFromSnapshot(init: JoinInit): Promise<bigint | null> {
  for (const peer of init.peers) {
    const started = Date.now();
    let snap: ReadSnapshot;
    try {
      snap = await readSnapshot(peer, init.maxBytes);
    } catch (err) {
      init.log.warn('snapshot: a peer did not serve one; trying the next', { peer, error: (err as Error).message });
      continue;
    }
    const refused = await checkSnapshot(snap, init);
    if (refused !== null) {
      init.log.warn('snapshot: refused; trying the next peer', { peer, batchId: String(snap.batchId), why: refused });
      continue;
    }
    await load(init.store, snap);
    init.log.info('snapshot: joined at a settled batch', {
      peer,
      batchId: String(snap.batchId),
      stateHash: snap.stateHash,
      records: snap.records.length,
      openOrders: snap.orders.length,
      ms: Date.now() - started,
    });
    return snap.batchId;
  }
  return null;
}

/**
 * At start: clears an interrupted load, then joins from a snapshot when the store holds no batch,
 * the chain has settled some and peers are known (else the follower replays batches, as it does
 * when no snapshot passes).
 */
export async function joinIfEmpty(init: JoinInit & { chainBatchId: bigint }): Promise<void> {
  await clearInterruptedLoad(init.store, init.log);
  if (init.chainBatchId === 0n || init.peers.length === 0 || (await init.store.get('meta:lastBatch')) !== undefined) return;
  const at = await joinFromSnapshot(init);
  if (at === null) init.log.warn('snapshot: no peer served one the chain confirms; replaying batches from the first');
}
