import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KESTREL_BIN } from '../../src/devnet/process.js';

/** A devnet settings file, written to a temporary folder. */
function settingsFile(settings: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcli-')), 'devnet.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

const run = (...args: string[]) => spawnSync(process.execPath, [KESTREL_BIN, ...args], { encoding: 'utf8', env: { ...process.env, KESTREL_RPC_URL: '' } });

describe('kestrel CLI', () => {
  it.each([
    [['--help'], 0, /kestrel <command>/],
    [['start', '--help'], 0, /kestrel start \[--config FILE\]/],
    [['devnet', '--help'], 0, /--nodes N/],
    [['status', '--help'], 0, /kestrel status \[--api URL\]/],
    [['version'], 0, /kestrel 0\.1\.0/],
  ])('%j prints its usage', (args, code, out) => {
    const r = run(...args);
    expect(r.status).toBe(code);
    expect(r.stdout).toMatch(out);
  });

  it('says so, and exits 1, when a node does not answer its status', () => {
    const r = run('status', '--api', 'http://127.0.0.1:1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/kestrel status: no answer from http:\/\/127\.0\.0\.1:1\/health/);
  });

  it.each([
    [['start', '--bogus'], /Unknown option '--bogus'/],
    [['start'], /rpcUrl is required/],
    [['start', '--config', '/nonexistent.json'], /cannot read config file/],
    [['devnet', '--nodes', '0'], /--nodes: expected an integer from 1 to 8/],
    [['devnet', '--max-open-orders-per-owner', '0'], /--max-open-orders-per-owner: expected a positive integer/],
    [['devnet', '--config', settingsFile({ role: 'sequencer' })], /the devnet sets role itself/],
    [['devnet', '--config', settingsFile({ engineLimits: { maxOpenOrdersPerOwner: -2 } })], /engineLimits.maxOpenOrdersPerOwner: expected a positive integer/],
    [['devnet', '--config', settingsFile({ mempool: { maxPerOwner: 5, bogus: 1 } })], /unknown config key: mempool.bogus/],
    [['start', '--max-open-orders-per-owner', '0'], /engineLimits.maxOpenOrdersPerOwner: expected a positive integer/],
    [['frobnicate'], /unknown command: frobnicate/],
  ])('%j fails with a clear message and a non-zero exit', (args, err) => {
    const r = run(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(err);
    expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });
});
