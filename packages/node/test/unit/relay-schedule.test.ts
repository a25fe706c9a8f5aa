import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Hex } from '@kestrel/core';
import { ResendSchedule } from '../../src/relay/schedule.js';

const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const policy = { firstResendMs: 2_000, maxBackoffMs: 30_000 };

describe('re-send schedule', () => {
  it('makes an input due firstResendMs after it is first seen, not before', () => {
    const s = new ResendSchedule(policy);
    s.add(h(1), 1_000);
    s.add(h(1), 1_500); // followed already: keeps its place
    expect(s.due(2_999, 10)).toEqual([]);
    expect(s.due(3_000, 10)).toEqual([h(1)]);
    expect(s.due(3_000, 10), 'stays due until sent').toEqual([h(1)]);
  });

  it('takes an input with a first wait of its own, and brings one never sent in to firstResendMs', () => {
    const s = new ResendSchedule(policy);
    s.add(h(1), 0, 30_000); // a peer's
    s.add(h(2), 0, 30_000);
    s.add(h(3), 0, 1_000); // due sooner than firstResendMs already
    expect(s.due(29_999, 10)).toEqual([h(3)]);
    s.soon(h(1), 500); // a client's after all
    s.soon(h(3), 500); // never later than it was
    expect(s.get(h(1))).toEqual({ sends: 0, dueAt: 2_500 });
    expect(s.get(h(3))).toEqual({ sends: 0, dueAt: 1_000 });
    s.sent(h(3), 1_000);
    s.soon(h(3), 1_500); // once sent, its backoff stands
    expect(s.get(h(3))).toEqual({ sends: 1, dueAt: 5_000 });
    expect(s.due(2_500, 10)).toEqual([h(1)]);
    expect(s.due(30_000, 10)).toEqual([h(1), h(3), h(2)]);
  });

  it("waits twice the sequencer's intake lag before a client's input is first re-sent, within firstResendMs and maxBackoffMs", () => {
    const s = new ResendSchedule(policy);
    const own = (n: number, now: number): void => {
      s.add(h(n), now, policy.maxBackoffMs);
      s.soon(h(n), now);
    };
    expect(s.firstWait()).toBe(2_000); // nothing measured yet
    own(1, 0);
    s.forget(h(1), 400); // sequenced 400 ms after it was given: 2 × 400 is under firstResendMs
    expect(s.firstWait()).toBe(2_000);
    own(2, 1_000);
    s.forget(h(2), 7_000); // a backlog: 6 s
    expect(s.firstWait()).toBe(12_000);
    own(3, 7_000);
    expect(s.get(h(3))).toEqual({ sends: 0, dueAt: 19_000 });
    own(4, 7_000);
    s.forget(h(4), 27_000); // 20 s: capped at maxBackoffMs
    expect(s.firstWait()).toBe(30_000);
    // shorter samples bring it down a tenth of the way each: 20 s → 18 s (still capped) → …
    let model = 20_000;
    for (let i = 0; i < 12; i++) {
      own(10 + i, 30_000);
      s.forget(h(10 + i), 30_000);
      model += (0 - model) * 0.1;
      expect(s.firstWait(), `after ${i + 1} quick ones`).toBe(Math.min(30_000, Math.max(2_000, Math.ceil(2 * model))));
    }
    expect(s.firstWait()).toBe(Math.ceil(2 * 20_000 * 0.9 ** 12)); // ~11.3 s
    // a peer's input and inputs that left otherwise measure nothing
    const before = s.firstWait();
    s.add(h(50), 30_000, policy.maxBackoffMs);
    s.forget(h(50), 90_000);
    own(51, 30_000);
    s.forget(h(51)); // expired, refused, discarded
    expect(s.firstWait()).toBe(before);
  });

  it("makes a client's input due at once when a later one of this node's clients was sequenced before it", () => {
    const s = new ResendSchedule(policy);
    const own = (n: number, now: number): void => {
      s.add(h(n), now, policy.maxBackoffMs);
      s.soon(h(n), now);
    };
    for (let n = 1; n <= 5; n++) own(n, 100 * n);
    s.add(h(9), 250, policy.maxBackoffMs); // a peer's, in between
    s.sent(h(2), 1_000); // sent already: its backoff stands
    s.forget(h(4), 1_200); // a batch took 4: 1 and 3 were lost on the way
    expect(s.get(h(1))).toEqual({ sends: 0, dueAt: 1_200 });
    expect(s.get(h(2))).toEqual({ sends: 1, dueAt: 5_000 });
    expect(s.get(h(3))).toEqual({ sends: 0, dueAt: 1_200 });
    expect(s.get(h(5))!.dueAt).toBe(2_500); // after it: still waiting its turn
    expect(s.get(h(9))!.dueAt).toBe(30_250); // a peer's: its own peer re-sends it
    expect(s.due(1_200, 10)).toEqual([h(1), h(3)]);
    // what left or was sent is passed, so the queue holds only what waits for a first send
    s.forget(h(1));
    s.sent(h(3), 1_300);
    own(6, 1_400);
    expect(s.ownWaiting).toBe(2); // 5 and 6
  });

  it("keeps its clients' queue bounded by what waits, whatever leaves and how", () => {
    const s = new ResendSchedule(policy);
    for (let n = 0; n < 50_000; n++) {
      s.add(h(n), n, policy.maxBackoffMs);
      s.soon(h(n), n);
      if (n % 3 === 0) s.forget(h(n), n + 5);
      else if (n % 3 === 1) s.forget(h(n));
      else s.sent(h(n), n + 1);
    }
    expect(s.size).toBe(16_666);
    expect(s.ownWaiting).toBeLessThan(2_100);
  });

  it('doubles the wait after each send, up to maxBackoffMs', () => {
    const s = new ResendSchedule(policy);
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => s.waitAfter(n))).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    s.add(h(1), 0);
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
    s.add(h(1), 0);
    s.add(h(2), 0);
    s.sent(h(2), 2_000);
    s.forget(h(1));
    s.add(h(3), 2_500);
    expect(s.size).toBe(2);
    expect(s.due(100_000, 10)).toEqual([h(3), h(2)]);
    expect(s.get(h(1))).toBeUndefined();
    expect(s.get(h(2))).toEqual({ sends: 1, dueAt: 6_000 });
    expect(s.get(h(3))).toEqual({ sends: 0, dueAt: 4_500 });
    s.forget(h(3));
    expect(s.size).toBe(1);
  });

  it('puts an input the sequencer holds at least maxBackoffMs away, never nearer than it was', () => {
    const s = new ResendSchedule(policy);
    s.add(h(1), 0);
    s.add(h(2), 0);
    s.held(h(1), 500);
    expect(s.get(h(1))).toEqual({ sends: 0, dueAt: 30_500 });
    expect(s.due(30_499, 10)).toEqual([h(2)]);
    expect(s.due(30_500, 10)).toEqual([h(2), h(1)]);
    // a wait already longer is kept
    for (let i = 0; i < 8; i++) s.sent(h(2), 1_000);
    s.held(h(2), 0);
    expect(s.get(h(2))!.dueAt).toBe(31_000);
    s.held(h(9), 0); // not followed: nothing to do
    expect(s.get(h(9))).toBeUndefined();
  });

  it('lists at most max due inputs, the longest overdue first and in arrival order among equals', () => {
    const s = new ResendSchedule(policy);
    for (const n of [5, 3, 4]) s.add(h(n), 0);
    s.add(h(1), 100);
    expect(s.due(2_100, 10)).toEqual([h(5), h(3), h(4), h(1)]);
    expect(s.due(2_100, 2)).toEqual([h(5), h(3)]);
    expect(s.due(2_050, 10)).toEqual([h(5), h(3), h(4)]);
    s.sent(h(5), 2_000); // next due at 6,000
    s.add(h(2), 1_000);
    expect(s.due(10_000, 10)).toEqual([h(3), h(4), h(1), h(2), h(5)]);
  });

  it('agrees with a plain list over any sequence of adds, forgets, sends and holds', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'forget', 'sent', 'held', 'due'),
            n: fc.integer({ min: 0, max: 12 }),
            dt: fc.integer({ min: 0, max: 9_000 }),
            max: fc.integer({ min: 1, max: 6 }),
          }),
          { maxLength: 200 },
        ),
        (steps) => {
          const s = new ResendSchedule(policy);
          // the model: every followed input with its due time and arrival, scanned whole
          const model = new Map<Hex, { dueAt: number; sends: number; arrival: number }>();
          let now = 0;
          let arrival = 0;
          for (const { op, n, dt, max } of steps) {
            now += dt;
            const x = h(n);
            const m = model.get(x);
            if (op === 'add') {
              s.add(x, now);
              if (!m) model.set(x, { dueAt: now + policy.firstResendMs, sends: 0, arrival: arrival++ });
            } else if (op === 'forget') {
              s.forget(x);
              model.delete(x);
            } else if (op === 'sent') {
              s.sent(x, now);
              if (m) m.dueAt = now + s.waitAfter(++m.sends);
            } else if (op === 'held') {
              s.held(x, now);
              if (m) m.dueAt = Math.max(m.dueAt, now + policy.maxBackoffMs);
            } else {
              const expected = [...model]
                .filter(([, e]) => e.dueAt <= now)
                .sort(([, a], [, b]) => a.dueAt - b.dueAt || a.arrival - b.arrival)
                .slice(0, max)
                .map(([k]) => k);
              expect(s.due(now, max)).toEqual(expected);
            }
            expect(s.size).toBe(model.size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its answers through heavy churn (what left is shed from its queue)', () => {
    const s = new ResendSchedule(policy);
    for (let i = 100; i < 5_100; i++) s.add(h(i), i);
    for (let i = 100; i < 5_090; i++) s.forget(h(i));
    s.sent(h(5_095), 10_000);
    expect(s.size).toBe(10);
    expect(s.due(12_000, 100)).toEqual([5_090, 5_091, 5_092, 5_093, 5_094, 5_096, 5_097, 5_098, 5_099].map(h));
    expect(s.due(14_000, 100)).toHaveLength(10);
  });
});
