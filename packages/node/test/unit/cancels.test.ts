/**
 * The remembered cancels (store/cancels.ts): due ones come out by timestamp, whatever order they
 * came in, and only while still remembered; a failed write gives them back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Hex } from '@kestrel/core';
import { RememberedCancels } from '../../src/store/cancels.js';

const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}` as Hex;

describe('remembered cancels', () => {
  it('gives the due ones (timestamp before the cutoff), each once, and keeps them remembered until deleted', () => {
    const c = new RememberedCancels();
    c.set(h(1), 30n);
    c.set(h(2), 10n);
    c.set(h(3), 20n);
    expect(c.takeDue(20n)).toEqual([h(2)]);
    expect(c.takeDue(20n)).toEqual([]);
    expect(c.has(h(2))).toBe(true);
    c.delete(h(2));
    expect(c.takeDue(31n)).toEqual([h(3), h(1)]);
    expect(c.size).toBe(2);
  });

  it('skips a cancel deleted meanwhile (a rollback), and a cancel sequenced again comes out once', () => {
    const c = new RememberedCancels();
    c.set(h(1), 10n);
    c.delete(h(1));
    expect(c.takeDue(100n)).toEqual([]);
    c.set(h(2), 10n);
    c.delete(h(2));
    c.set(h(2), 10n);
    expect(c.takeDue(100n)).toEqual([h(2)]);
  });

  it('gives back what a failed write took', () => {
    const c = new RememberedCancels();
    c.set(h(1), 10n);
    c.set(h(2), 50n);
    const due = c.takeDue(20n);
    expect(due).toEqual([h(1)]);
    c.putBack(due);
    expect(c.takeDue(60n)).toEqual([h(1), h(2)]);
  });

  it('equals a scan of every remembered cancel, over any sequence of sets, deletes and takes', () => {
    type Op = { kind: 'set'; n: number; ts: number } | { kind: 'delete'; n: number } | { kind: 'take'; cutoff: number; write: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), n: fc.integer({ min: 0, max: 20 }), ts: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('delete' as const), n: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant('take' as const), cutoff: fc.integer({ min: 0, max: 60 }), write: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const c = new RememberedCancels();
        const model = new Map<Hex, bigint>();
        for (const o of ops) {
          if (o.kind === 'set') {
            c.set(h(o.n), BigInt(o.ts));
            model.set(h(o.n), BigInt(o.ts));
          } else if (o.kind === 'delete') {
            c.delete(h(o.n));
            model.delete(h(o.n));
          } else {
            const due = c.takeDue(BigInt(o.cutoff));
            const want = [...model].filter(([, ts]) => ts < BigInt(o.cutoff)).map(([k]) => k);
            expect([...due].sort()).toEqual([...want].sort());
            if (o.write)
              for (const k of due) {
                c.delete(k);
                model.delete(k);
              }
            else c.putBack(due);
          }
          expect(c.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
