/**
 * The OpenAPI document and the schema checker the e2e tests hold real answers to: every endpoint
 * is in the document with its parameters and schemas; the checker refuses what breaks a schema
 * (a missing or an extra field, a wrong type, a pattern, one-of) and takes what conforms.
 */
import { describe, expect, it } from 'vitest';
import { endpoints, openApiDocument, validate, InfoResponseSchema, BookResponseSchema, CancelBodySchema, type JsonSchema } from '../src/index.js';

const info = {
  chainId: 31337,
  exchange: `0x${'ab'.repeat(20)}`,
  version: '0.1.0',
  nodeId: 'n',
  peers: 1,
  leader: true,
  lastBatchId: '12',
  assets: [{ assetId: 0, symbol: 'USDC', token: `0x${'cd'.repeat(20)}`, decimals: 6 }],
  limits: { maxOpenOrdersPerSubaccount: 1000, maxOpenOrdersPerOwner: 10000, mempool: { maxTotal: 1, maxPerSubaccount: 1, maxPerOwner: 1 } },
};

describe('the OpenAPI document', () => {
  it('has every endpoint, its path parameters, and its answer and body schemas', () => {
    const doc = openApiDocument('0.1.0');
    expect(doc.openapi).toBe('3.1.0');
    for (const [name, e] of Object.entries(endpoints)) {
      const path = e.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[path]?.[e.method.toLowerCase()] as { operationId: string; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown };
      expect(op?.operationId, path).toBe(name);
      for (const m of e.path.matchAll(/:([A-Za-z]+)/g)) expect(op.parameters?.some((p) => p.name === m[1] && p.in === 'path')).toBe(true);
      expect(op.requestBody !== undefined).toBe(e.method === 'POST');
    }
    const trades = doc.paths['/v1/markets/{marketId}/trades']?.get as { parameters: Array<{ name: string }> };
    expect(trades.parameters.map((p) => p.name)).toEqual(['marketId', 'limit', 'before']);
    // every $ref resolves
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const r of refs) expect(doc.components.schemas[r.split('/').at(-1)!], r).toBeDefined();
  });
});

describe('validate', () => {
  const cases: Array<[string, JsonSchema, unknown, RegExp | null]> = [
    ['a conforming answer', InfoResponseSchema.json, info, null],
    ['a missing field', InfoResponseSchema.json, { ...info, peers: undefined }, /\$\.peers: missing/],
    ['an extra field', InfoResponseSchema.json, { ...info, secret: 1 }, /\$\.secret: not in the schema/],
    [
      'a wrong type deep inside',
      InfoResponseSchema.json,
      { ...info, assets: [{ ...info.assets[0], decimals: '6' }] },
      /\$\.assets\[0\]\.decimals: expected integer/,
    ],
    ['a bad pattern', InfoResponseSchema.json, { ...info, exchange: '0x12' }, /\$\.exchange: "0x12" does not match/],
    ['a non-decimal price', BookResponseSchema.json, { marketId: 1, sequence: '1', bids: [['1e3', '1']], asks: [] }, /\$\.bids\[0\]\[0\]/],
    ['a level of three', BookResponseSchema.json, { marketId: 1, sequence: '1', bids: [['1', '1', '1']], asks: [] }, /more than 2 items/],
    [
      'one of two bodies',
      CancelBodySchema.json,
      { cancelAll: { subaccount: `0x${'11'.repeat(32)}`, marketId: 0, timestamp: '1' }, signature: `0x${'22'.repeat(65)}` },
      null,
    ],
    ['neither body', CancelBodySchema.json, { signature: `0x${'22'.repeat(65)}` }, /matches 0 of its 2 alternatives/],
  ];
  it.each(cases)('%s', (_what, schema, value, error) => {
    const errors = validate(schema, JSON.parse(JSON.stringify(value)) as unknown);
    if (error === null) expect(errors).toEqual([]);
    else expect(errors.join('\n')).toMatch(error);
  });
});
