import { describe, expect, it } from 'vitest';
import { decodeGossip, encodeGossip, encodeInputBundle, gossipCost, GossipKind, MAX_GOSSIP_BUNDLE } from '../../src/gossip/codec.js';
import { InputBundler } from '../../src/gossip/bundler.js';

const json = (i: number): string => JSON.stringify({ type: 'order', n: i });
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('gossip payloads', () => {
  it('carries a bundle of inputs with its count in the header, and costs a peer one token per input', () => {
    const data = encodeInputBundle([json(1), json(2), json(3)]);
    expect([...data.subarray(0, 3)]).toEqual([1, GossipKind.INPUTS, 3]);
    expect(decodeGossip(data)).toEqual({
      kind: GossipKind.INPUTS,
      body: [
        { type: 'order', n: 1 },
        { type: 'order', n: 2 },
        { type: 'order', n: 3 },
      ],
    });
    expect(gossipCost(data)).toBe(3);
    expect(gossipCost(encodeGossip(GossipKind.INPUT, { type: 'order' }))).toBe(1);
    expect(decodeGossip(encodeGossip(GossipKind.INPUT, { a: 1 }))).toEqual({ kind: GossipKind.INPUT, body: { a: 1 } });
  });

  it('does not decode a bundle whose count its list does not match, an empty one, one past the maximum, or one not a list', () => {
    const bundle = encodeInputBundle([json(1), json(2)]);
    const claims = (count: number): Uint8Array => Uint8Array.from([...bundle.subarray(0, 2), count, ...bundle.subarray(3)]);
    // a peer claiming 1 to pay less is caught when the list is read
    const cases: Array<[string, Uint8Array]> = [
      ['count below the list', claims(1)],
      ['count above the list', claims(3)],
      ['empty', Uint8Array.from([1, GossipKind.INPUTS, 0, ...new TextEncoder().encode('[]')])],
      ['not a list', Uint8Array.from([1, GossipKind.INPUTS, 1, ...new TextEncoder().encode('{"a":1}')])],
      [
        'past the maximum',
        Uint8Array.from([
          1,
          GossipKind.INPUTS,
          (MAX_GOSSIP_BUNDLE + 1) & 0xff,
          ...new TextEncoder().encode(
            `[${Array(MAX_GOSSIP_BUNDLE + 1)
              .fill('1')
              .join(',')}]`,
          ),
        ]),
      ],
      ['not JSON', Uint8Array.from([1, GossipKind.INPUTS, 1, 0x7b])],
      ['unknown kind', Uint8Array.from([1, 9, 1, 0x31])],
    ];
    for (const [name, data] of cases) expect(decodeGossip(data), name).toBeNull();
    expect(() => encodeInputBundle([])).toThrow(RangeError);
    expect(() => encodeInputBundle(Array(MAX_GOSSIP_BUNDLE + 1).fill(json(0)))).toThrow(RangeError);
  });
});

describe('the input bundler', () => {
  it('sends what was added in one turn as one bundle, in order, and tells each caller when it went', async () => {
    const sent: unknown[][] = [];
    const bundler = new InputBundler({
      publish: async (data) => {
        sent.push(decodeGossip(data)!.body as unknown[]);
      },
      maxBytes: 1 << 20,
    });
    const first = [1, 2, 3].map((i) => bundler.add(json(i)));
    await Promise.all(first);
    const second = [4, 5].map((i) => bundler.add(json(i)));
    await Promise.all(second);
    expect(sent.map((b) => b.map((x) => (x as { n: number }).n))).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('with a linger, sends what was added within it after the first input as one bundle, across turns', async () => {
    const sent: Array<{ n: number[]; at: number }> = [];
    const t0 = performance.now();
    const bundler = new InputBundler({
      publish: async (data) => {
        sent.push({ n: (decodeGossip(data)!.body as Array<{ n: number }>).map((x) => x.n), at: performance.now() - t0 });
      },
      maxBytes: 1 << 20,
      lingerMs: 40,
    });
    // three inputs in three turns within the linger: one bundle, sent once the linger ran out
    const first = [bundler.add(json(1))];
    await turn();
    first.push(bundler.add(json(2)));
    await turn();
    first.push(bundler.add(json(3)));
    await Promise.all(first);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.n).toEqual([1, 2, 3]);
    expect(sent[0]!.at).toBeGreaterThanOrEqual(39);
    // a full bundle does not wait
    const full = new InputBundler({
      publish: async (data) => void sent.push({ n: (decodeGossip(data)!.body as Array<{ n: number }>).map((x) => x.n), at: 0 }),
      maxBytes: 1 << 20,
      maxInputs: 2,
      lingerMs: 60_000,
    });
    await Promise.all([full.add(json(4)), full.add(json(5))]);
    expect(sent.map((b) => b.n)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('cuts a bundle at its most inputs and before it would pass the size limit', async () => {
    const sent: number[][] = [];
    const sizes: number[] = [];
    const publish = async (data: Uint8Array): Promise<void> => {
      sizes.push(data.length);
      sent.push((decodeGossip(data)!.body as Array<{ n: number }>).map((x) => x.n));
    };
    const byCount = new InputBundler({ publish, maxBytes: 1 << 20, maxInputs: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => byCount.add(json(i))));
    expect(sent).toEqual([[1, 2], [3, 4], [5]]);

    sent.length = 0;
    sizes.length = 0;
    // each input is 23 bytes of JSON: three fit in 3 + 2 + 3·23 + 2 = 76 bytes, a fourth would not
    const bySize = new InputBundler({ publish, maxBytes: 90 });
    await Promise.all([10, 11, 12, 13, 14, 15, 16].map((i) => bySize.add(json(i))));
    expect(sent).toEqual([[10, 11, 12], [13, 14, 15], [16]]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(90);
  });

  it('rejects the callers of a bundle that failed to publish, and goes on with the next', async () => {
    let fail = true;
    const bundler = new InputBundler({
      publish: async () => {
        if (fail) throw new Error('no peers');
      },
      maxBytes: 1 << 20,
    });
    const failed = bundler.add(json(1));
    await expect(failed).rejects.toThrow('no peers');
    fail = false;
    await turn();
    await expect(bundler.add(json(2))).resolves.toBeUndefined();
  });
});
