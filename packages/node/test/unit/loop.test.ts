import { describe, expect, it } from 'vitest';
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
});
