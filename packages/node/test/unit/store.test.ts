/**
 * The node's store on a real LevelDB: values keep their bigints exactly, writes are atomic, and a
 * data directory written in another format (or by something else) is refused, never misread.
 */
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { NodeStore } from '../../src/store/store.js';
import { bytesToHex } from '@kestrel/core';
import fc from 'fast-check';
import { decodeValue, encodeValue, keyTail, STORE_FORMAT, toHex } from '../../src/store/codec.js';
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

  it('refuses a directory written in another store format', async () => {
    const dir = tempDir('kestrel-store-');
    await (await NodeStore.open(dir)).close();
    await raw(dir, { 'meta:format': String(STORE_FORMAT + 1) });
    await expect(NodeStore.open(dir)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining(`store format ${STORE_FORMAT + 1}; this node reads format ${STORE_FORMAT}`),
    });
  });

  it('refuses a directory that holds data but names no format', async () => {
    const dir = tempDir('kestrel-store-');
    await raw(dir, { 'batch:1': '{"old":"shape"}' });
    await expect(NodeStore.open(dir)).rejects.toThrow(/unknown format \(its first key is batch:1\)/);
  });
});
