/**
 * The heap growth a `kestrel start` process runs with: the flag built from the configuration, and
 * what it does to a process that keeps a large heap alive while promoting garbage (a node holding
 * a book while orders come and go), measured in real child processes.
 */
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveConfig } from '../../src/config.js';
import { heapGrowingEngaged, heapGrowingFlag, watchHeapGrowing } from '../../src/util/heap-tuning.js';

// 300,000 objects kept alive, then 80 rounds of 50,000 that live through a few collections before dying
const workload = `
const v8 = require('v8');
if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
const live = [];
for (let i = 0; i < 300000; i++) live.push({ a: i, b: 'x' + i, c: [i] });
const window = [];
for (let r = 0; r < 80; r++) { const w = []; for (let i = 0; i < 50000; i++) w.push({ a: i, b: [i, i] }); window.push(w); if (window.length > 4) window.shift(); }
const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'old_space');
console.log(JSON.stringify({ committed: s.space_size, live: live.length }));
`;
const oldSpace = (flag: string | null): number => JSON.parse(execFileSync(process.execPath, ['-e', workload, flag ?? ''], { encoding: 'utf8' })).committed;

describe('heap growth', () => {
  it('holds 25% over a large live heap by default, sets what is configured, and refuses past 1,000%', () => {
    const base = { rpcUrl: 'http://x', exchange: `0x${'11'.repeat(20)}` };
    expect([DEFAULTS.heapGrowingPercent, DEFAULTS.heapGrowingAboveMib]).toEqual([25, 256]);
    expect(heapGrowingFlag(resolveConfig({ flags: base, env: { KESTREL_HEAP_GROWING_PERCENT: '0' } }).heapGrowingPercent)).toBeNull();
    expect(heapGrowingFlag(resolveConfig({ flags: { ...base }, env: { KESTREL_HEAP_GROWING_PERCENT: '15' } }).heapGrowingPercent)).toBe(
      '--heap-growing-percent=15',
    );
    expect(() => resolveConfig({ flags: base, env: { KESTREL_HEAP_GROWING_PERCENT: '1001' } })).toThrow(/heapGrowingPercent: at most 1000/);
  });

  it('holds the percentage from a live heap above the threshold, and lets go only well below it', () => {
    const MiB = 2 ** 20;
    const cases: Array<[string, number, boolean, boolean]> = [
      ['off, below', 100 * MiB, false, false],
      ['off, at the line', 256 * MiB, false, false],
      ['off, above', 256 * MiB + 1, false, true],
      ['on, just below the line', 250 * MiB, true, true],
      ['on, at 80%', 204.8 * MiB, true, true],
      ['on, below 80%', 204 * MiB, true, false],
    ];
    for (const [name, live, engaged, want] of cases) expect(heapGrowingEngaged(live, 256, engaged), name).toBe(want);
    const base = { rpcUrl: 'http://x', exchange: `0x${'11'.repeat(20)}` };
    expect(resolveConfig({ flags: base, env: { KESTREL_HEAP_GROWING_ABOVE_MIB: '64' } }).heapGrowingAboveMib).toBe(64);
    expect(() => resolveConfig({ flags: base, env: { KESTREL_HEAP_GROWING_ABOVE_MIB: String(2 ** 20 + 1) } })).toThrow(/heapGrowingAboveMib: at most/);
  });

  it('sets the flag after the first full collection that leaves the heap above the threshold, and clears it once well below', async () => {
    // a full collection on demand in this process
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const MiB = 2 ** 20;
    let live = 10 * MiB;
    const set: string[] = [];
    const stop = watchHeapGrowing(
      15,
      100,
      () => live,
      (f) => set.push(f),
    );
    const collect = async (): Promise<void> => {
      gc();
      // the collection's entry reaches the observer on a later turn
      await new Promise((r) => setTimeout(r, 50));
    };
    await collect();
    expect(set).toEqual([]);
    live = 150 * MiB;
    await collect();
    expect(set).toEqual(['--heap-growing-percent=15']);
    live = 90 * MiB; // below the line, above 80% of it: still held
    await collect();
    expect(set).toEqual(['--heap-growing-percent=15']);
    live = 70 * MiB;
    await collect();
    expect(set).toEqual(['--heap-growing-percent=15', '--heap-growing-percent=0']);
    live = 150 * MiB;
    await collect();
    stop(); // stopping while held gives V8 its heuristic back
    expect(set).toEqual(['--heap-growing-percent=15', '--heap-growing-percent=0', '--heap-growing-percent=15', '--heap-growing-percent=0']);
    // 0%: nothing to watch, nothing set; a threshold of 0: set at once
    const none: string[] = [];
    watchHeapGrowing(
      0,
      100,
      () => live,
      (f) => none.push(f),
    )();
    expect(none).toEqual([]);
    const always: string[] = [];
    watchHeapGrowing(
      20,
      0,
      () => 0,
      (f) => always.push(f),
    )();
    expect(always).toEqual(['--heap-growing-percent=20', '--heap-growing-percent=0']);
  });

  it('keeps the old generation near the live heap where V8 alone lets garbage pile up', () => {
    const own = oldSpace(null);
    const held = oldSpace(heapGrowingFlag(15));
    // on this workload: ~250 MiB committed by V8's heuristic, 65–100 MiB at 15%
    expect(held).toBeLessThan(own * 0.6);
  });
});
