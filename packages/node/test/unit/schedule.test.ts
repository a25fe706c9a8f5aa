/**
 * The leader schedule as the node reads it (chain/schedule.ts) — the same cases `Schedule.t.sol`
 * runs against the contract — and what /health makes of it (api/health.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Hex } from '@kestrel/core';
import { epochAt, leaderAt, mayLeadAt, proposerInTurn, rankAt, turnFrom, type LeaderSchedule } from '../../src/chain/schedule.js';
import { healthOf, noLeader, type HealthInput } from '../../src/api/health.js';

const A = '0x00000000000000000000000000000000000000a0' as Hex;
const B = '0x00000000000000000000000000000000000000a1' as Hex;
const C = '0x00000000000000000000000000000000000000a2' as Hex;
const STRANGER = '0x00000000000000000000000000000000000000ff' as Hex;
const ZERO = '0x0000000000000000000000000000000000000000' as Hex;

/** three operators, hour-long epochs, 30 s takeover; epoch 3 starts at 10,800 (led by A: 3 % 3 = 0) */
const base: LeaderSchedule = {
  operators: [A, B, C],
  epochSeconds: 3600n,
  takeoverSeconds: 30n,
  lastSettledAt: 10_800n,
  actingLeader: ZERO,
  actingEpoch: 0n,
};
const E3 = 10_800n;

describe('the leader schedule', () => {
  it('gives each epoch to operators[epoch % n], to its last second', () => {
    for (let e = 0n; e < 6n; e++) {
      const t = e * 3600n;
      const s = { ...base, lastSettledAt: t };
      expect(leaderAt(s, t)).toBe(base.operators[Number(e % 3n)]);
      expect(leaderAt(s, t + 3599n)).toBe(base.operators[Number(e % 3n)]);
      expect(epochAt(s, t + 3599n)).toBe(e);
    }
    expect(leaderAt({ ...base, operators: [] }, E3)).toBeNull();
  });

  it('lets the k-th operator after the leader settle once no batch came for k times the takeover delay', () => {
    const s = { ...base, lastSettledAt: E3 + 100n };
    expect([rankAt(s, A, E3 + 100n), rankAt(s, B, E3 + 100n), rankAt(s, C, E3 + 100n), rankAt(s, STRANGER, E3)]).toEqual([0, 1, 2, null]);
    const table: Array<[Hex, bigint, boolean]> = [
      [A, E3 + 101n, true],
      [B, E3 + 129n, false],
      [B, E3 + 130n, true],
      [C, E3 + 130n, false],
      [C, E3 + 159n, false],
      [C, E3 + 160n, true],
      [STRANGER, E3 + 10_000n, false],
    ];
    for (const [op, t, may] of table) expect(mayLeadAt(s, op, t), `${op} at ${t}`).toBe(may);
    expect(turnFrom(s, A, E3 + 101n)).toBe(E3);
    expect(turnFrom(s, C, E3 + 101n)).toBe(E3 + 160n);
    expect(turnFrom(s, STRANGER, E3)).toBeNull();
  });

  it('counts from the operator that took the epoch over, for the rest of that epoch only', () => {
    const s = { ...base, lastSettledAt: E3 + 200n, actingLeader: B, actingEpoch: 3n };
    expect(leaderAt(s, E3 + 200n)).toBe(B);
    expect(mayLeadAt(s, A, E3 + 201n)).toBe(false); // the one it replaced: two places after B
    expect(mayLeadAt(s, A, E3 + 260n)).toBe(true);
    expect(mayLeadAt(s, C, E3 + 230n)).toBe(true);
    // the next epoch is its scheduled leader's (4 % 3 = 1: B anyway), the one after C's
    expect(leaderAt(s, E3 + 3600n)).toBe(B);
    expect(leaderAt(s, E3 + 7200n)).toBe(C);
    // a taker no longer an operator hands the epoch back to the schedule
    expect(leaderAt({ ...s, operators: [A, C] }, E3 + 200n)).toBe(C); // 3 % 2 = 1
  });

  it('takes a proposal from the last epoch’s leader within the takeover delay after its epoch ended, and no later', () => {
    const E4 = E3 + 3600n; // led by B
    const s = { ...base, lastSettledAt: E4 - 1n };
    expect(proposerInTurn(s, A, E4 + 5n, 30n)).toBe(true);
    expect(proposerInTurn(s, A, E4 + 30n, 30n)).toBe(false);
    expect(proposerInTurn(s, B, E4 + 5n, 30n)).toBe(true);
    expect(proposerInTurn(s, C, E4 + 5n, 30n)).toBe(false);
    expect(proposerInTurn(s, STRANGER, E4 + 5n, 30n)).toBe(false);
  });
});

describe('/health', () => {
  const h: HealthInput = {
    role: 'sequencer',
    operator: C,
    lastBatchId: 9n,
    lastSettledBatchId: 9n,
    lastBatchTime: E3 + 100n,
    stateHash: `0x${'ab'.repeat(32)}`,
    peers: 3,
    pendingInputs: 0,
    diverged: null,
    lastAuditedBatchId: 0n,
    chain: { schedule: { ...base, lastSettledAt: E3 + 100n }, now: E3 + 120n, lastBatchId: 11n },
    nowSeconds: E3 + 120n,
  };

  it('says no-leader only while inputs wait and no batch came for longer than the takeover delay', () => {
    const table: Array<[Partial<HealthInput>, boolean]> = [
      [{}, false],
      [{ pendingInputs: 4 }, false],
      [{ pendingInputs: 4, nowSeconds: E3 + 130n }, false],
      [{ pendingInputs: 4, nowSeconds: E3 + 131n }, true],
      [{ pendingInputs: 0, nowSeconds: E3 + 9000n }, false],
      [{ pendingInputs: 4, nowSeconds: E3 + 9000n, chain: null }, false],
    ];
    for (const [change, want] of table)
      expect(
        noLeader({ ...h, ...change }),
        JSON.stringify(change, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      ).toBe(want);
    expect(healthOf({ ...h, pendingInputs: 4, nowSeconds: E3 + 131n }).status).toBe('no-leader');
    expect(healthOf({ ...h, diverged: { batchId: '9', expected: h.stateHash, got: h.stateHash } }).status).toBe('diverged');
  });

  it('shows the epoch, its leader, this node’s turn and how far it is behind the chain', () => {
    const r = healthOf(h);
    expect(r.status).toBe('ok');
    expect(r.behindChain).toBe('2');
    expect(r.secondsSinceLastBatch).toBe('20');
    expect(r.schedule).toEqual({
      epoch: '3',
      epochSeconds: '3600',
      takeoverSeconds: '30',
      leader: A,
      takenOver: false,
      thisNode: 'waiting',
      turnFrom: String(E3 + 160n),
    });
    const later = { ...h, chain: { ...h.chain!, now: E3 + 160n } };
    expect(healthOf(later).schedule?.thisNode).toBe('may-take-over');
    expect(healthOf({ ...h, operator: A }).schedule?.thisNode).toBe('leader');
    expect(healthOf({ ...h, operator: null, role: 'follower' }).schedule?.thisNode).toBe('follower');
    const taken = { ...h, chain: { ...h.chain!, schedule: { ...h.chain!.schedule, actingLeader: C, actingEpoch: 3n } } };
    expect(healthOf(taken).schedule).toMatchObject({ leader: C, takenOver: true, thisNode: 'leader' });
    expect(healthOf({ ...h, chain: null }).schedule).toBeNull();
  });
});
