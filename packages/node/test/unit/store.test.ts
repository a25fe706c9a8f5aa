/**
 * The node's store on a real LevelDB: values keep their bigints exactly, writes are atomic, and a
 * data directory written in another format (or by something else) is refused, never misread.
 */
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { NodeStore } from '../../src/store/store.js';
import { bytesToHex } from '@kestrel/core';
import fc from 'fast-check';
import { decodeValue, encodeValue, keyTail, READABLE_FORMATS, STORE_FORMAT, toHex } from '../../src/store/codec.js';
import { tempDir } from '../helpers.js';

async function raw(dir: string, put: Record<string, string>): Promise<void> {
  const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
  await db.open();
  for (const [k, v] of Object.entries(put)) await db.put(k, v);
  await db.close();
}

describe('the node store', () => {
  it('writes a value exactly as JSON.stringify does with bigints tagged, and reads it back', () => {
    const tagged = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? { $big: x.toString() } : x)) ?? 'undefined';
    // JSON's values, bigints, and what JSON.stringify leaves out or turns to null
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }),
      fc.constant(undefined),
      fc.constant(Number.NaN),
      fc.constant(-0),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node')), fc.constant({ toJSON: () => 'via toJSON' })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(encodeValue(v)).toBe(tagged(v));
      }),
      { numRuns: 2000 },
    );
    const order = { type: 'order', order: { price: 2_000n * 10n ** 18n, nonce: 7n, isBuy: true, marketId: 1 }, signature: '0xab', extra: undefined };
    expect(decodeValue(encodeValue(order))).toEqual({ type: 'order', order: order.order, signature: '0xab' });
  });

  // an order as the core's Order: its nine fields in their signed order
  const anOrder = fc.record(
    {
      subaccount: fc.stringMatching(/^0x[0-9a-fA-F]{64}$/),
      marketId: fc.nat({ max: 0xffffffff }),
      isBuy: fc.boolean(),
      price: fc.bigInt({ min: -(1n << 260n), max: 1n << 260n }),
      amount: fc.bigInt({ min: -(1n << 260n), max: 1n << 260n }),
      nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      expiry: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      flags: fc.nat({ max: 0xffffffff }),
      clientId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    },
    { noNullPrototype: true },
  );
  const tagged = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? { $big: x.toString() } : x));

  it('writes an order in its compact form, a fraction of its JSON, and reads back the very same object', () => {
    fc.assert(
      fc.property(anOrder, (o) => {
        const text = encodeValue({ input: { type: 'order', order: o } });
        expect(text.startsWith('{"input":{"type":"order","order":{"$o":"')).toBe(true);
        expect(text.length).toBeLessThan(tagged({ input: { type: 'order', order: o } }).length);
        const back = decodeValue<{ input: { order: typeof o } }>(text).input.order;
        expect(back).toStrictEqual(o);
        expect(Object.keys(back)).toEqual(Object.keys(o));
      }),
      { numRuns: 1000 },
    );
    const o = {
      subaccount: `0x${'Ab'.repeat(32)}`,
      marketId: 3,
      isBuy: false,
      price: 1850n * 10n ** 18n,
      amount: 10n ** 16n,
      nonce: 9n,
      expiry: 0n,
      flags: 4,
      clientId: 77n,
    };
    expect(encodeValue(o)).toBe(`{"$o":"0x${'Ab'.repeat(32)}:3:0:1850000000000000000000:10000000000000000:9:0:4:77"}`);
  });

  it('writes whatever is not exactly an order as JSON, and reads it back so', () => {
    const o = { subaccount: `0x${'11'.repeat(32)}`, marketId: 1, isBuy: true, price: 5n, amount: 6n, nonce: 7n, expiry: 0n, flags: 0, clientId: 0n };
    const { flags: _f, ...withoutFlags } = o;
    const nearly: Array<[string, unknown]> = [
      ['a field missing', withoutFlags],
      ['a field more', { ...o, extra: 1 }],
      ['fields in another order', { ...withoutFlags, flags: 0 }],
      ['a subaccount too short', { ...o, subaccount: '0x11' }],
      ['a subaccount with a colon', { ...o, subaccount: `0x${'1'.repeat(63)}:` }],
      ['a subaccount not hex', { ...o, subaccount: `0x${'g'.repeat(64)}` }],
      ['a fractional market', { ...o, marketId: 1.5 }],
      ['a negative market', { ...o, marketId: -1 }],
      ['a market beyond uint32', { ...o, marketId: 2 ** 32 }],
      ['a market of -0', { ...o, marketId: -0 }],
      ['a price as a number', { ...o, price: 5 }],
      ['isBuy as a number', { ...o, isBuy: 1 }],
      ['flags as a bigint', { ...o, flags: 0n }],
      ['a client id as a string', { ...o, clientId: '0' }],
    ];
    for (const [name, v] of nearly) {
      const text = encodeValue(v);
      expect(text, name).toBe(tagged(v));
      expect(decodeValue(text), name).toStrictEqual(
        JSON.parse(text, (_k, x: unknown) => (typeof x === 'object' && x !== null && '$big' in x ? BigInt((x as { $big: string }).$big) : x)),
      );
    }
    // a tag that is not one this codec writes stays the object it is
    const sub = `0x${'11'.repeat(32)}`;
    for (const text of [
      '{"$o":"junk"}',
      '{"$o":7}',
      `{"$o":"${sub}:1:1:5:6:7:0:0"}`,
      `{"$o":"${sub}:1:2:5:6:7:0:0:0"}`,
      `{"$o":"${sub}:01:1:5:6:7:0:0:0"}`,
      `{"$o":"${sub}:4294967296:1:5:6:7:0:0:0"}`,
      `{"$o":"${sub}:1:1:5.5:6:7:0:0:0"}`,
      `{"$o":"${sub}:1:1:-0:6:7:0:0:0"}`,
      `{"$o":"${sub}:1:1:5:6:7:0:0:0","more":1}`,
    ]) {
      expect(decodeValue(text), text).toStrictEqual(JSON.parse(text));
    }
  });

  it('reads back what it wrote exactly as JSON.parse with a reviver does', () => {
    const reference = (text: string): unknown =>
      JSON.parse(text, (_k, v: unknown) => {
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          const t = (v as Record<string, unknown>).$big;
          if (typeof t === 'string' && Object.keys(v).length === 1) return BigInt(t);
        }
        return v;
      });
    // besides values with bigints, objects that look like tags and are not: two keys, a tag of a tag, a number
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }),
      fc.constant({ $big: 1 }),
      fc.constant({ $big: '7', other: 1 }),
      fc.constant({ $big: { $big: '3' } }),
      fc.constant({ ['__proto__']: { $big: '9' } }),
      fc.constant({ $o: 'not an order' }),
      fc.constant({ $o: 3 }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = encodeValue(v);
        expect(decodeValue(text)).toStrictEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('spells bytes in hex exactly as the core does, a view into a larger buffer included', () => {
    const all = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff);
    for (const [from, to] of [
      [0, 0],
      [0, 1],
      [3, 68],
      [0, 300],
      [299, 300],
    ] as const) {
      const view = all.subarray(from, to);
      expect(toHex(view)).toBe(bytesToHex(view));
    }
  });

  it("cuts a key's tail as slice does", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 90 }), fc.nat({ max: 100 }), (key, from) => {
        expect(keyTail(key, from)).toBe(key.slice(from));
      }),
    );
    const hash = `0x${'ab'.repeat(32)}`;
    expect(keyTail(`rec:${hash}`, 4)).toBe(hash);
  });

  it('round-trips values with bigints of any size, and names its format on a fresh directory', async () => {
    const dir = tempDir('kestrel-store-');
    const store = await NodeStore.open(dir);
    const value = { amount: 2n ** 255n - 1n, negative: -(10n ** 30n), nested: [{ id: 7n, name: 'x' }], plain: 5, tag: { $big: 1 } };
    await store.write([
      { put: 'a', value },
      { put: 'b', value: 1n },
    ]);
    expect(await store.get('a')).toEqual(value);
    await store.write([{ del: 'b' }, { put: 'c', value: 'kept' }]);
    expect(await store.get('b')).toBeUndefined();
    await store.close();

    const reopened = await NodeStore.open(dir);
    expect(await reopened.get('meta:format')).toBe(STORE_FORMAT);
    expect(await reopened.get('c')).toBe('kept');
    await reopened.close();
  });

  it('groups the writes made while one is in flight, each atomic and in call order, and closes after the last', async () => {
    const dir = tempDir('kestrel-store-');
    const store = await NodeStore.open(dir);
    const before = store.diskBatches;
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 500; i++) {
      // each write replaces the shared key and adds its own; every tenth deletes the one before it
      writes.push(
        store.write([
          { put: 'last', value: i },
          { put: `k${String(i).padStart(3, '0')}`, value: BigInt(i) },
        ]),
      );
      if (i % 10 === 9) writes.push(store.write([{ del: `k${String(i - 1).padStart(3, '0')}` }]));
    }
    await Promise.all(writes);
    const batches = store.diskBatches - before;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(writes.length / 10);
    expect(await store.get('last')).toBe(499);
    for (let i = 0; i < 500; i++) expect(await store.get(`k${String(i).padStart(3, '0')}`), `k${i}`).toBe(i % 10 === 8 ? undefined : BigInt(i));

    // writes not awaited are on disk once close resolves
    void store.write([{ put: 'late', value: 'kept' }]);
    await store.close();
    const reopened = await NodeStore.open(dir);
    expect(await reopened.get('late')).toBe('kept');
    await reopened.close();
  });

  it('syncs every write to disk before it resolves (power loss cannot be produced here: the options LevelDB is given are watched)', async () => {
    const store = await NodeStore.open(tempDir('kestrel-store-'));
    const db = (store as unknown as { db: { batch: (ops: unknown[], options?: { sync?: boolean }) => Promise<void> } }).db;
    const real = db.batch.bind(db);
    const options: Array<{ sync?: boolean } | undefined> = [];
    db.batch = (ops, o) => {
      options.push(o);
      return real(ops, o);
    };
    await Promise.all([store.write([{ put: 'a', value: 1 }]), store.write([{ put: 'b', value: 2 }]), store.write([{ del: 'a' }])]);
    expect(options.length).toBeGreaterThan(0);
    for (const o of options) expect(o?.sync).toBe(true);
    expect(await store.get('b')).toBe(2);
    await store.close();
  });

  it('refuses a directory written in another store format', async () => {
    const dir = tempDir('kestrel-store-');
    await (await NodeStore.open(dir)).close();
    await raw(dir, { 'meta:format': String(STORE_FORMAT + 1) });
    await expect(NodeStore.open(dir)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining(`store format ${STORE_FORMAT + 1}; this node reads format ${STORE_FORMAT}`),
    });
  });

  it('takes over a directory of a format it reads as it is, naming it the current format', async () => {
    expect(READABLE_FORMATS).toEqual([3]);
    const dir = tempDir('kestrel-store-');
    await raw(dir, { 'meta:format': '3', 'batch:00000000000000000001': '{"old":{"$big":"5"}}' });
    const store = await NodeStore.open(dir);
    expect(await store.get('batch:00000000000000000001')).toEqual({ old: 5n });
    expect(await store.get('meta:format')).toBe(STORE_FORMAT);
    await store.close();
    // format 2 kept whole snapshots: refused
    await raw(dir, { 'meta:format': '2' });
    await expect(NodeStore.open(dir)).rejects.toThrow(`store format 2; this node reads format ${STORE_FORMAT}`);
  });

  it('refuses a directory that holds data but names no format', async () => {
    const dir = tempDir('kestrel-store-');
    await raw(dir, { 'batch:1': '{"old":"shape"}' });
    await expect(NodeStore.open(dir)).rejects.toThrow(/unknown format \(its first key is batch:1\)/);
  });
});
