/**
 * The audit of settled batches (spec/node.md "Auditing settled batches"): every node reads the
 * Exchange's events as blocks come, and for each batch the chain settled that this node applied,
 * compares what the chain did (the `BatchSettled` event's state hash, clock, cursor and fill count;
 * each request's outcome; funding, interest, margin calls, the backstop's steps) with what its
 * engine did. A difference means the engine and the contract no longer agree on where the money
 * is: the node halts (it stops applying and sequencing) with both sides as evidence, rather than
 * go on answering from a state the chain does not hold.
 */
import { parseEventLogs, type PublicClient, type Transport, type Chain } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import type { DivergenceWire } from '@kestrel/api';
import type { Ledger } from '../store/ledger.js';
import type { NodeStore } from '../store/store.js';
import type { Logger } from '../util/log.js';
import { chainOutcome, outcomeDiff, type ChainEvent } from './outcome.js';

/** Where the audit reads from next (a block number), kept across restarts. */
export const AUDIT_CURSOR_KEY = 'meta:auditBlock';
/** Blocks read in one round at most: RPCs bound a log query's range. */
export const AUDIT_MAX_BLOCKS = 1_000n;

export interface AuditInit {
  publicClient: PublicClient<Transport, Chain | undefined>;
  exchange: Hex;
  ledger: Pick<Ledger, 'lastBatchId' | 'batch'>;
  store: Pick<NodeStore, 'get' | 'write'>;
  log: Logger;
  /** stops the node applying and sequencing, with the evidence */
  halt: (d: DivergenceWire) => void;
}

interface Settled {
  txHash: Hex;
  block: bigint;
  stateHash: Hex;
  outcome: string[];
}

export class SettledBatchAudit {
  /** the next block to read */
  private next: bigint | null = null;
  /** settled batches read from the chain that this node has not applied yet, by id */
  private readonly waiting = new Map<bigint, Settled>();
  private saved: bigint | null = null;
  private halted = false;
  /** the last batch whose outcome matched the chain's */
  lastAudited = 0n;

  constructor(private readonly a: AuditInit) {}

  /** Reads the next blocks' events and audits every settled batch this node has applied. */
  async round(): Promise<void> {
    if (this.halted) return;
    const { publicClient, exchange, store } = this.a;
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (this.next === null) {
      const saved = await store.get<bigint>(AUDIT_CURSOR_KEY);
      this.saved = saved ?? null;
      this.next = saved ?? (latest > AUDIT_MAX_BLOCKS ? latest - AUDIT_MAX_BLOCKS : 0n);
    }
    if (latest >= this.next) {
      const to = latest < this.next + AUDIT_MAX_BLOCKS - 1n ? latest : this.next + AUDIT_MAX_BLOCKS - 1n;
      const logs = await publicClient.getLogs({ address: exchange, fromBlock: this.next, toBlock: to });
      const byTx = new Map<Hex, ChainEvent[]>();
      const settled: Array<{ txHash: Hex; block: bigint; batchId: bigint; stateHash: Hex }> = [];
      for (const e of parseEventLogs({ abi: exchangeAbi, logs, strict: false }) as unknown as Array<
        ChainEvent & { transactionHash: Hex; blockNumber: bigint }
      >) {
        const group = byTx.get(e.transactionHash) ?? [];
        group.push(e);
        byTx.set(e.transactionHash, group);
        if (e.eventName === 'BatchSettled')
          settled.push({ txHash: e.transactionHash, block: e.blockNumber, batchId: BigInt(e.args.batchId as bigint), stateHash: e.args.stateHash as Hex });
      }
      for (const s of settled)
        this.waiting.set(s.batchId, {
          txHash: s.txHash,
          block: s.block,
          stateHash: s.stateHash.toLowerCase() as Hex,
          outcome: chainOutcome(byTx.get(s.txHash)!),
        });
      this.next = to + 1n;
    }
    await this.check();
    const cursor = [...this.waiting.values()].reduce((m, w) => (w.block < m ? w.block : m), this.next);
    if (cursor !== this.saved) {
      await store.write([{ put: AUDIT_CURSOR_KEY, value: cursor }]);
      this.saved = cursor;
    }
  }

  private async check(): Promise<void> {
    const { ledger, log } = this.a;
    for (const id of [...this.waiting.keys()].sort((x, y) => (x < y ? -1 : 1))) {
      const w = this.waiting.get(id)!;
      if (id > ledger.lastBatchId) return; // not applied here yet
      const rec = await ledger.batch(id);
      if (rec === undefined || rec.outcome === undefined) {
        // before this node's history (it joined from a snapshot after it), or an older record
        this.waiting.delete(id);
        continue;
      }
      if (rec.proposal.stateHash.toLowerCase() !== w.stateHash) {
        // our tentative last batch: the follower replaces it with the chain's version
        if (id === ledger.lastBatchId) return;
        return this.stop({
          batchId: String(id),
          expected: w.stateHash,
          got: rec.proposal.stateHash,
          reason: 'the chain settled another state for a batch this node built on',
          evidence: { txHash: w.txHash, chain: [], node: [] },
        });
      }
      const diff = outcomeDiff(w.outcome, rec.outcome);
      if (diff !== null) {
        return this.stop({
          batchId: String(id),
          expected: w.stateHash,
          got: rec.proposal.stateHash,
          reason: "the chain's events for the batch differ from what this node's engine did",
          evidence: { txHash: w.txHash, ...diff },
        });
      }
      this.waiting.delete(id);
      this.lastAudited = id;
      log.debug('audit: a settled batch agrees with the chain', { batchId: String(id) });
    }
  }

  private stop(d: DivergenceWire): void {
    this.halted = true;
    this.a.log.error('audit: a settled batch differs from the chain; halting', d);
    this.a.halt(d);
  }
}
