import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, DEFAULTS } from '../../src/config.js';

const exchange = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const key = `0x${'11'.repeat(32)}`;

describe('node configuration', () => {
  it('layers defaults < file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://file', exchange, apiPort: 1000, name: 'from-file' }));
    const c = resolveConfig({ file, env: { KESTREL_API_PORT: '2000', KESTREL_NAME: 'from-env' }, flags: { name: 'from-flag' } });
    expect(c.rpcUrl).toBe('http://file');
    expect(c.apiPort).toBe(2000);
    expect(c.name).toBe('from-flag');
    expect(c.batchIntervalMs).toBe(DEFAULTS.batchIntervalMs);
  });

  it.each([
    ['no rpc url', { exchange }, /rpcUrl/],
    ['no exchange', { rpcUrl: 'http://x' }, /exchange/],
    ['a sequencer without a key', { rpcUrl: 'http://x', exchange, role: 'sequencer' }, /operatorKey/],
    ['a bad role', { rpcUrl: 'http://x', exchange, role: 'king' }, /role/],
    ['a negative port', { rpcUrl: 'http://x', exchange, apiPort: -1 }, /apiPort/],
    ['a zero batch interval', { rpcUrl: 'http://x', exchange, batchIntervalMs: 0 }, /batchIntervalMs/],
    ['a zero gossip size limit', { rpcUrl: 'http://x', exchange, maxGossipBytes: '0' }, /maxGossipBytes/],
    ['a gossip linger past a second', { rpcUrl: 'http://x', exchange, gossipLingerMs: '1001' }, /gossipLingerMs: at most 1000/],
    ['a negative gossip linger', { rpcUrl: 'http://x', exchange, gossipLingerMs: '-1' }, /gossipLingerMs/],
    ['an unknown way to catch up', { rpcUrl: 'http://x', exchange, catchUpFrom: 'genesis' }, /catchUpFrom: expected snapshot or batches/],
    ['no wait for a snapshot to settle', { rpcUrl: 'http://x', exchange, snapshotWaitMs: '0' }, /snapshotWaitMs: must be at least 1/],
    ['a zero snapshot size', { rpcUrl: 'http://x', exchange, maxSnapshotBytes: 0 }, /maxSnapshotBytes: must be at least 1/],
  ])('refuses %s', (_name, flags, msg) => {
    expect(() => resolveConfig({ flags })).toThrow(msg);
  });

  it('joins from a snapshot unless told to replay batches, and may serve none', () => {
    const base = { rpcUrl: 'http://x', exchange };
    expect(resolveConfig({ flags: base })).toMatchObject({ catchUpFrom: 'snapshot', snapshotWaitMs: 30_000, maxSnapshotStreams: 2 });
    const c = resolveConfig({ flags: base, env: { KESTREL_CATCH_UP_FROM: 'batches', KESTREL_MAX_SNAPSHOT_STREAMS: '0' } });
    expect(c).toMatchObject({ catchUpFrom: 'batches', maxSnapshotStreams: 0 });
  });

  it('accepts a sequencer with a key and splits list flags', () => {
    const c = resolveConfig({ flags: { rpcUrl: 'http://x', exchange, role: 'sequencer', operatorKey: key, bootstrap: 'a, b' } });
    expect(c.bootstrap).toEqual(['a', 'b']);
  });

  it('refuses a zero mempool limit from the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://x', exchange, mempool: { maxTotal: 0 } }));
    expect(() => resolveConfig({ file })).toThrow(/mempool.maxTotal/);
  });

  it('refuses unknown keys in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://x', exchange, bogus: 1 }));
    expect(() => resolveConfig({ file })).toThrow(/unknown config key/);
  });

  it.each([
    ['apiRateLimit', { perSecond: 0 }],
    ['gossipRateLimit', { burst: 0.5 }],
    ['gossipRateLimit', { perSecond: 'fast' }],
  ])('refuses a bad %s from the file, and merges a partial good one with the defaults', (k, bad) => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://x', exchange, [k]: bad }));
    expect(() => resolveConfig({ file })).toThrow(new RegExp(k));
    writeFileSync(file, JSON.stringify({ rpcUrl: 'http://x', exchange, [k]: { burst: 7 } }));
    const c = resolveConfig({ file });
    expect(c[k as 'apiRateLimit' | 'gossipRateLimit']).toEqual({ perSecond: DEFAULTS[k as 'apiRateLimit' | 'gossipRateLimit'].perSecond, burst: 7 });
  });

  it('merges relay limits from the file over the defaults, and refuses bad or unknown ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    const write = (relay: unknown, more: Record<string, unknown> = {}): void =>
      writeFileSync(file, JSON.stringify({ rpcUrl: 'http://x', exchange, relay, ...more }));
    write({ firstResendMs: 500, rateLimit: { burst: 10 } }, { retryAfterSeconds: 3, mempool: { maxPerOwner: 7 } });
    const c = resolveConfig({ file });
    expect(c.relay).toEqual({ ...DEFAULTS.relay, firstResendMs: 500, rateLimit: { perSecond: DEFAULTS.relay.rateLimit.perSecond, burst: 10 } });
    expect(c.retryAfterSeconds).toBe(3);
    expect(c.mempool.maxPerOwner).toBe(7);
    expect(resolveConfig({ flags: { rpcUrl: 'http://x', exchange } }).relay).toEqual(DEFAULTS.relay);
    for (const [relay, msg] of [
      [{ maxBackoffMs: 0 }, /relay.maxBackoffMs/],
      [{ intervalMs: 1.5 }, /relay.intervalMs/],
      [{ rateLimit: { perSecond: 0 } }, /relay.rateLimit/],
      [{ resendForever: true }, /unknown config key: relay.resendForever/],
    ] as const) {
      write(relay);
      expect(() => resolveConfig({ file }), JSON.stringify(relay)).toThrow(msg);
    }
    write({}, { mempool: { maxPerOwner: 0 } });
    expect(() => resolveConfig({ file })).toThrow(/mempool.maxPerOwner/);
  });
});

describe('limits', () => {
  const base = { rpcUrl: 'http://x', exchange };

  it('defaults to the engine and mempool defaults', () => {
    const c = resolveConfig({ flags: base });
    expect(c.engineLimits).toEqual({ maxOpenOrdersPerSubaccount: 1000, maxOpenOrdersPerOwner: 10_000 });
    expect(c.mempool).toEqual({ maxTotal: 20_000, maxPerSubaccount: 1000, maxPerOwner: 4000 });
  });

  it('layers them file < env < flags, each limit on its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ ...base, engineLimits: { maxOpenOrdersPerOwner: 50 }, mempool: { maxPerOwner: 40, maxTotal: 900 } }));
    const c = resolveConfig({
      file,
      env: { KESTREL_MEMPOOL_MAX_PER_OWNER: '30', KESTREL_MAX_OPEN_ORDERS_PER_SUBACCOUNT: '20' },
      flags: { mempoolMaxPerOwner: '25', maxOpenOrdersPerOwner: 60 },
    });
    expect(c.engineLimits).toEqual({ maxOpenOrdersPerSubaccount: 20, maxOpenOrdersPerOwner: 60 });
    expect(c.mempool).toEqual({ maxTotal: 900, maxPerSubaccount: 1000, maxPerOwner: 25 });
  });

  it("takes how the operator's transactions are replaced from the file, env and flags", () => {
    expect(resolveConfig({ flags: base }).chainTx).toEqual({ replaceAfterMs: 20_000, feeBumpPercent: 25, maxFeeBumps: 8 });
    const c = resolveConfig({
      settings: { ...base, chainTx: { replaceAfterMs: 5000, maxFeeBumps: 3 } },
      env: { KESTREL_TX_FEE_BUMP_PERCENT: '12' },
      flags: { txMaxFeeBumps: '4' },
    });
    expect(c.chainTx).toEqual({ replaceAfterMs: 5000, feeBumpPercent: 12, maxFeeBumps: 4 });
  });

  it.each([
    ['a zero owner cap in the file', { engineLimits: { maxOpenOrdersPerOwner: 0 } }, {}, /engineLimits.maxOpenOrdersPerOwner/],
    ['an unknown limit in the file', { engineLimits: { maxOrders: 5 } }, {}, /unknown config key: engineLimits.maxOrders/],
    ['a fractional mempool owner bound', { mempool: { maxPerOwner: 1.5 } }, {}, /mempool.maxPerOwner/],
    ['a zero flag', {}, { maxOpenOrdersPerSubaccount: '0' }, /engineLimits.maxOpenOrdersPerSubaccount/],
    ['a word for a flag', {}, { mempoolMaxTotal: 'many' }, /mempool.maxTotal/],
    ['a fee bump no pool takes', { chainTx: { feeBumpPercent: 9 } }, {}, /chainTx.feeBumpPercent: at least 10/],
    ['a zero replacement delay', {}, { txReplaceAfterMs: '0' }, /chainTx.replaceAfterMs/],
    ['an unknown transaction setting', { chainTx: { gasPrice: 5 } }, {}, /unknown config key: chainTx.gasPrice/],
  ])('refuses %s', (_name, settings, flags, msg) => {
    expect(() => resolveConfig({ settings: { ...base, ...settings }, flags })).toThrow(msg);
  });
});
