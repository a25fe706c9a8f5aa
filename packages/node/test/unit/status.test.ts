import type { HealthResponse } from '@kestrel/api';
import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/status.js';

const LEADER = '0x1111111111111111111111111111111111111111';

const health = (over: Partial<HealthResponse> = {}): HealthResponse => ({
  status: 'ok',
  role: 'follower',
  lastBatchId: '42',
  lastSettledBatchId: '44',
  stateHash: `0x${'ab'.repeat(32)}`,
  peers: 3,
  diverged: null,
  lastAuditedBatchId: '40',
  pendingInputs: 1,
  secondsSinceLastBatch: '2',
  behindChain: '2',
  schedule: { epoch: '7', epochSeconds: '3600', takeoverSeconds: '30', leader: LEADER, takenOver: false, thisNode: 'follower', turnFrom: null },
  ...over,
});

describe('kestrel status', () => {
  it("prints a node's role, peers, last batch, lag behind the chain and the leader", () => {
    expect(formatStatus('http://n:9545', health())).toBe(
      [
        'node      http://n:9545: ok',
        'role      follower, 3 peers, 1 input pending',
        'batches   42 applied, 44 settled, 2 behind the chain, last 2 s ago',
        `epoch     7 (3600 s each), led by ${LEADER}; takeover after 30 s`,
        'this node follows (no operator key)',
        '',
      ].join('\n'),
    );
  });

  it('says when a sequencer leads, took the epoch over or waits, and when no leader sequences', () => {
    const s = health().schedule!;
    expect(formatStatus('u', health({ role: 'sequencer', peers: 1, schedule: { ...s, thisNode: 'leader' } }))).toMatch(
      /^role {6}sequencer, 1 peer, [^\n]*\n[\s\S]*^this node leads this epoch$/m,
    );
    expect(formatStatus('u', health({ schedule: { ...s, takenOver: true, thisNode: 'may-take-over', turnFrom: '100' } }))).toMatch(
      /led by 0x1{40} \(took it over\)[\s\S]*may take the epoch over \(since block time 100\)/,
    );
    expect(formatStatus('u', health({ schedule: { ...s, thisNode: 'waiting', turnFrom: '200' } }))).toMatch(/waits for its turn \(block time 200\)/);
    expect(formatStatus('u', health({ status: 'no-leader', secondsSinceLastBatch: '90' }))).toMatch(
      /^node {6}u: no-leader \(inputs wait and no batch for 90 s\)$/m,
    );
    expect(formatStatus('u', health({ schedule: null }))).toMatch(/^schedule {2}not read from the chain yet$/m);
  });

  it('says where a halted node diverged', () => {
    const diverged = { batchId: '9', expected: `0x${'01'.repeat(32)}`, got: `0x${'02'.repeat(32)}` } as const;
    expect(formatStatus('u', health({ status: 'diverged', diverged }))).toMatch(
      new RegExp(`^diverged  at batch 9: expected ${diverged.expected}, got ${diverged.got}$`, 'm'),
    );
  });
});
