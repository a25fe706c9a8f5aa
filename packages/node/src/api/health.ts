/**
 * What `GET /health` says of a node (spec/api.md): whether trading goes on through it, the chain's
 * leader schedule as it reads it, and how far it is behind the chain. A node says `no-leader` when
 * inputs wait in its mempool and no batch has come for longer than the chain's takeover delay —
 * long enough that another operator could have stepped in — so a monitor, and a client submitting
 * an order, learn that its order waits rather than trades.
 */
import type { HealthResponse } from '@kestrel/api';
import type { Hex } from '@kestrel/core';
import { epochAt, leaderAt, mayLeadAt, turnFrom, type LeaderSchedule } from '../chain/schedule.js';

/** The chain as the node's watch last read it (ScheduleWatch). */
export interface ChainView {
  schedule: LeaderSchedule;
  /** the time turns were judged at (chain/schedule.ts) */
  now: bigint;
  /** the chain's last settled batch */
  lastBatchId: bigint;
}

export interface HealthInput {
  role: 'sequencer' | 'follower';
  /** this node's operator address (lower-case), if it has a key */
  operator: Hex | null;
  lastBatchId: bigint;
  lastSettledBatchId: bigint;
  /** the batch clock of the node's last batch, seconds */
  lastBatchTime: bigint;
  stateHash: Hex;
  peers: number;
  pendingInputs: number;
  diverged: HealthResponse['diverged'];
  lastAuditedBatchId: bigint;
  /** null until the first read of the chain */
  chain: ChainView | null;
  /** this machine's clock, seconds */
  nowSeconds: bigint;
}

/** Whether inputs wait with no batch for longer than the takeover delay: no leader is sequencing. */
export function noLeader(h: HealthInput): boolean {
  if (h.chain === null || h.pendingInputs === 0) return false;
  return h.nowSeconds - h.lastBatchTime > h.chain.schedule.takeoverSeconds;
}

export function healthOf(h: HealthInput): HealthResponse {
  const c = h.chain;
  const status: HealthResponse['status'] = h.diverged ? 'diverged' : noLeader(h) ? 'no-leader' : 'ok';
  let schedule: HealthResponse['schedule'] = null;
  if (c !== null) {
    const epoch = epochAt(c.schedule, c.now);
    const leader = leaderAt(c.schedule, c.now);
    const from = h.operator === null ? null : turnFrom(c.schedule, h.operator, c.now);
    schedule = {
      epoch: epoch.toString(),
      epochSeconds: c.schedule.epochSeconds.toString(),
      takeoverSeconds: c.schedule.takeoverSeconds.toString(),
      leader,
      takenOver: c.schedule.actingEpoch === epoch && leader === c.schedule.actingLeader,
      thisNode:
        h.operator === null || from === null
          ? 'follower'
          : mayLeadAt(c.schedule, h.operator, c.now)
            ? leader === h.operator
              ? 'leader'
              : 'may-take-over'
            : 'waiting',
      turnFrom: from === null ? null : from.toString(),
    };
  }
  return {
    status,
    role: h.role,
    lastBatchId: h.lastBatchId.toString(),
    lastSettledBatchId: h.lastSettledBatchId.toString(),
    stateHash: h.stateHash,
    peers: h.peers,
    diverged: h.diverged,
    lastAuditedBatchId: h.lastAuditedBatchId.toString(),
    pendingInputs: h.pendingInputs,
    secondsSinceLastBatch: (h.nowSeconds > h.lastBatchTime ? h.nowSeconds - h.lastBatchTime : 0n).toString(),
    behindChain: c !== null && c.lastBatchId > h.lastBatchId ? (c.lastBatchId - h.lastBatchId).toString() : '0',
    schedule,
  };
}
