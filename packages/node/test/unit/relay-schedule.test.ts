import { describe, expect, it } from 'vitest';
import type { Hex } from '@kestrel/core';
import { ResendSchedule } from '../../src/relay/schedule.js';

const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const policy = { firstResendMs: 2_000, maxBackoffMs: 30_000 };

describe('re-send schedule', () => {
  it('makes an input due firstResendMs after it is first seen, not before', () => {
    const s = new ResendSchedule(policy);
    s.sync([h(1)], 1_000);
    expect(s.due(2_999, 10)).toEqual([]);
    expect(s.due(3_000, 10)).toEqual([h(1)]);
  });

  it('doubles the wait after each send, up to maxBackoffMs', () => {
    const s = new ResendSchedule(policy);
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => s.waitAfter(n))).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    s.sync([h(1)], 0);
    let now = 2_000;
    const waits: number[] = [];
    for (let send = 0; send < 6; send++) {
      expect(s.due(now, 10), `send ${send} due at ${now}`).toEqual([h(1)]);
      s.sent(h(1), now);
      const next = s.get(h(1))!.dueAt;
      expect(s.due(next - 1, 10), `send ${send + 1} not due before ${next}`).toEqual([]);
      waits.push(next - now);
      now = next;
    }
    expect(waits).toEqual([4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(s.get(h(1))!.sends).toBe(6);
  });

  it('forgets what left the mempool and keeps the schedule of what stayed', () => {
    const s = new ResendSchedule(policy);
    s.sync([h(1), h(2)], 0);
    s.sent(h(2), 2_000);
    s.sync([h(2), h(3)], 2_500);
    expect(s.size).toBe(2);
    expect(s.get(h(1))).toBeUndefined();
    expect(s.get(h(2))).toEqual({ sends: 1, dueAt: 6_000 });
    expect(s.get(h(3))).toEqual({ sends: 0, dueAt: 4_500 });
    s.forget(h(3));
    expect(s.size).toBe(1);
  });

  it('puts an input the sequencer holds at least maxBackoffMs away, never nearer than it was', () => {
    const s = new ResendSchedule(policy);
    s.sync([h(1), h(2)], 0);
    s.held(h(1), 500);
    expect(s.get(h(1))).toEqual({ sends: 0, dueAt: 30_500 });
    expect(s.due(30_499, 10)).toEqual([h(2)]);
    expect(s.due(30_500, 10)).toEqual([h(1), h(2)]);
    // a wait already longer is kept
    for (let i = 0; i < 8; i++) s.sent(h(2), 1_000);
    s.held(h(2), 0);
    expect(s.get(h(2))!.dueAt).toBe(31_000);
    s.held(h(9), 0); // not followed: nothing to do
    expect(s.get(h(9))).toBeUndefined();
  });

  it('lists at most max due inputs, in the order they arrived', () => {
    const s = new ResendSchedule(policy);
    s.sync([h(5), h(3), h(4)], 0);
    s.sync([h(5), h(3), h(4), h(1)], 100);
    expect(s.due(2_100, 10)).toEqual([h(5), h(3), h(4), h(1)]);
    expect(s.due(2_100, 2)).toEqual([h(5), h(3)]);
    expect(s.due(2_050, 10)).toEqual([h(5), h(3), h(4)]);
  });
});
