/**
 * The heap growth a `kestrel start` process runs with: the flag built from the configuration, and
 * what it does to a process that keeps a large heap alive while promoting garbage (a node holding
 * a book while orders come and go), measured in real child processes.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveConfig } from '../../src/config.js';
import { heapGrowingFlag } from '../../src/util/heap-tuning.js';

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
  it('leaves V8 its own heuristic by default, sets what is configured, and refuses past 1,000%', () => {
    const base = { rpcUrl: 'http://x', exchange: `0x${'11'.repeat(20)}` };
    expect(DEFAULTS.heapGrowingPercent).toBe(0);
    expect(heapGrowingFlag(resolveConfig({ flags: base }).heapGrowingPercent)).toBeNull();
    expect(heapGrowingFlag(resolveConfig({ flags: { ...base }, env: { KESTREL_HEAP_GROWING_PERCENT: '15' } }).heapGrowingPercent)).toBe(
      '--heap-growing-percent=15',
    );
    expect(() => resolveConfig({ flags: base, env: { KESTREL_HEAP_GROWING_PERCENT: '1001' } })).toThrow(/heapGrowingPercent: at most 1000/);
  });

  it('keeps the old generation near the live heap where V8 alone lets garbage pile up', () => {
    const own = oldSpace(null);
    const held = oldSpace(heapGrowingFlag(15));
    // on this workload: ~250 MiB committed by V8's heuristic, 65–100 MiB at 15%
    expect(held).toBeLessThan(own * 0.6);
  });
});
