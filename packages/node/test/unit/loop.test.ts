import { afterEach, describe, expect, it, vi } from 'vitest';
import { Loop } from '../../src/util/loop.js';

describe('Loop', () => {
  it('never overlaps steps, survives a throwing step and waits for the running step on stop', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const errors: string[] = [];
    const loop = new Loop(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (runs === 2) throw new Error('boom');
      },
      1,
      (e) => errors.push(e.message),
    );
    loop.start();
    while (runs < 5) await new Promise((r) => setTimeout(r, 2));
    await loop.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
    expect(running).toBe(0);
    expect(maxRunning).toBe(1);
    expect(errors).toEqual(['boom']);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps its rate: the interval counts from the start of a run, and a run longer than it is followed at once', async () => {
    vi.useFakeTimers();
    const t0 = Date.now();
    const starts: number[] = [];
    let length = 60;
    const loop = new Loop(
      async () => {
        starts.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, length));
      },
      100,
      () => undefined,
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(starts).toEqual([0, 100, 200]);
    length = 150; // longer than the interval: no pause after it
    await vi.advanceTimersByTimeAsync(400);
    // each run 150 ms long starts as the last one ends (a timer of 0 fires after 1 ms)
    const gaps = starts.slice(3).map((t, i, a) => (i === 0 ? 0 : t - a[i - 1]!));
    expect(starts.slice(0, 4)).toEqual([0, 100, 200, 300]);
    expect(
      gaps.slice(1).every((g) => g >= 150 && g <= 152),
      `gaps ${gaps.join(', ')}`,
    ).toBe(true);
    expect(gaps).toHaveLength(3);
    const stopping = loop.stop();
    await vi.advanceTimersByTimeAsync(200);
    await stopping;
  });
});
