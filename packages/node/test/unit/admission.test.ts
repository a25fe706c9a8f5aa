import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFlags, makeSubaccount, orderInput, parseX18 as x, TimeInForce, type Hex, type Order, type SignedInput } from '@kestrel/core';
import { inputToWire } from '@kestrel/api';
import { Admission } from '../../src/admission/admission.js';
import { Metrics } from '../../src/util/metrics.js';
import { Ledger } from '../../src/store/ledger.js';
import { NodeStore } from '../../src/store/store.js';
import { SPOT_CONFIG, tempDir } from '../helpers.js';

const alice = makeSubaccount('0x1111111111111111111111111111111111111111', 'main') as Hex;
const config = SPOT_CONFIG;
const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
const LAST_BATCH = 1_000n;
const NOW = LAST_BATCH + 3600n; // no batch for an hour: the engine's clock is the last batch's

let store: NodeStore;
let admission: Admission;
/** every refusal, as the node's metrics are told of it */
const refused: string[] = [];
/** each input's time in admission, by source, as the node's metrics are told of it */
const timed: Array<[string, number]> = [];

/** A ledger on `store` whose last batch was at LAST_BATCH. */
async function openedAt(store: NodeStore): Promise<Ledger> {
  const ledger = await Ledger.open(config, DOMAIN, store);
  ledger.engine.apply({ kind: 'time', timestamp: LAST_BATCH });
  ledger.engine.apply({ kind: 'endBatch' });
  return ledger;
}

beforeAll(async () => {
  store = await NodeStore.open(tempDir('kestrel-admission-'));
  const ledger = await openedAt(store);
  admission = new Admission({
    ledger,
    marketIds: [1],
    recover: async () => null,
    nowSeconds: () => NOW,
    onRefused: (source, verdict, code) => refused.push(`${source} ${verdict} ${code}`),
    observe: (source, seconds) => timed.push([source, seconds]),
  });
});

afterAll(async () => {
  await store?.close();
});

const taker = (expiry: bigint, timeInForce: TimeInForce = TimeInForce.IOC) => {
  const order: Order = {
    subaccount: alice,
    marketId: 1,
    isBuy: true,
    price: x('2000'),
    amount: x('1'),
    nonce: 1n,
    expiry,
    flags: encodeFlags({ timeInForce }),
    clientId: 0n,
  };
  return orderInput(DOMAIN, order, `0x${'22'.repeat(65)}`);
};
const refusal = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('order admission', () => {
  it('takes an IOC with a short expiry after the exchange sat idle for an hour', () => {
    expect(refusal(() => admission.precheck(taker(NOW + 30n)))).toBeNull();
    expect(refusal(() => admission.precheck(taker(NOW + 30n, TimeInForce.FOK)))).toBeNull();
  });

  it('refuses an IOC without an expiry, or one expiring past the lifetime a batch allows from now', () => {
    expect(refusal(() => admission.precheck(taker(0n)))).toBe('TAKER_EXPIRY');
    expect(refusal(() => admission.precheck(taker(NOW + 121n)))).toBe('TAKER_EXPIRY');
    expect(refusal(() => admission.precheck(taker(NOW + 120n)))).toBeNull();
  });

  it("refuses an order already expired by this machine's clock", () => {
    expect(refusal(() => admission.precheck(taker(NOW)))).toBe('EXPIRED');
    expect(refusal(() => admission.precheck(taker(NOW - 1n)))).toBe('EXPIRED');
  });

  it('refuses a badly signed input from a peer, and tells gossip to penalize it', async () => {
    await expect(admission.admit(taker(NOW + 30n), 'api')).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    const wire = { type: 'order', order: { nonsense: true }, signature: '0x' };
    expect(await admission.admitGossip(wire)).toBe('REJECT');
  });
});

describe('several inputs of one request', () => {
  it('admits them in the order given, recovering their signatures together, each refused on its own', async () => {
    const dir = tempDir('kestrel-admit-all-');
    let own = await NodeStore.open(dir);
    try {
      const ledger = await openedAt(own);
      const withNonce = (nonce: bigint, expiry = NOW + 30n) => {
        const i = taker(expiry);
        return orderInput(DOMAIN, { ...i.order, nonce }, i.signature);
      };
      const forged = withNonce(3n);
      // the first recovery answers last: order on entry is the request's, not the workers'
      let inFlight = 0;
      let most = 0;
      const recovering = new Admission({
        ledger,
        marketIds: [1],
        recover: async (digest) => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, digest === withNonce(1n).hash ? 30 : 1));
          inFlight--;
          return digest === forged.hash ? '0x2222222222222222222222222222222222222222' : '0x1111111111111111111111111111111111111111';
        },
        nowSeconds: () => NOW,
      });
      const inputs = [withNonce(1n), withNonce(2n), forged, withNonce(1n), withNonce(4n, 0n), withNonce(5n)];
      const out = await recovering.admitAll(inputs, 'api');
      expect(out.map((e) => (e === undefined ? 'ok' : (e as unknown as { code: string }).code))).toEqual([
        'ok',
        'ok',
        'INVALID_SIGNATURE',
        'DUPLICATE_ORDER', // the same order as the first, refused after it entered
        'TAKER_EXPIRY',
        'ok',
      ]);
      expect(most).toBeGreaterThan(1);
      expect(ledger.mempool.peek(10).map((e) => (e.input.type === 'order' ? e.input.order.nonce : -1n))).toEqual([1n, 2n, 5n]);
      // on disk too, in the same order
      await own.close();
      own = await NodeStore.open(dir);
      const reopened = await Ledger.open(config, DOMAIN, own);
      expect((await reopened.storedMempool()).map((e) => (e.input.type === 'order' ? e.input.order.nonce : -1n))).toEqual([1n, 2n, 5n]);
    } finally {
      await own.close();
    }
  });
});

describe('the checks again after recovery', () => {
  const withNonce = (nonce: bigint) => {
    const i = taker(NOW + 30n);
    return orderInput(DOMAIN, { ...i.order, nonce }, i.signature);
  };

  async function admitting(during: (ledger: Ledger) => void, clock: () => bigint = () => NOW) {
    const own = await NodeStore.open(tempDir('kestrel-recheck-'));
    const ledger = await openedAt(own);
    let validations = 0;
    const validate = ledger.engine.validate.bind(ledger.engine);
    ledger.engine.validate = (...args) => {
      validations++;
      return validate(...args);
    };
    const a = new Admission({
      ledger,
      marketIds: [1],
      recover: async () => {
        during(ledger);
        return '0x1111111111111111111111111111111111111111';
      },
      nowSeconds: clock,
    });
    const inputs = [withNonce(1n), withNonce(2n)];
    const single = await a.admit(withNonce(3n), 'api').then(
      () => undefined,
      (e: { code: string }) => e.code,
    );
    const all = (await a.admitAll(inputs, 'api')).map((e) => (e as { code?: string } | undefined)?.code);
    await own.close();
    return { single, all, validations, ledger };
  }

  it('judges an order once when nothing moved while its signature was recovered', async () => {
    const r = await admitting(() => {});
    expect(r.single).toBeUndefined();
    expect(r.all).toEqual([undefined, undefined]);
    expect(r.validations).toBe(3);
  });

  it('judges it again when the state moved meanwhile, and refuses what no longer passes', async () => {
    const r = await admitting((ledger) => {
      if (ledger.engine.minNonce(alice) === 0n) ledger.engine.apply({ kind: 'cancelUpTo', requestId: 1n, subaccount: alice, minNonce: 10n });
    });
    const code = r.ledger.engine.validate(withNonce(1n).order, withNonce(1n).hash, NOW);
    expect(code).not.toBeNull();
    expect(r.single).toBe(code);
    expect(r.all).toEqual([code, code]);
  });

  it('refuses an order a batch sequenced while its signature was recovered', async () => {
    let sequenced = false;
    const own = await NodeStore.open(tempDir('kestrel-recheck-seq-'));
    const ledger = await openedAt(own);
    const input = withNonce(7n);
    const a = new Admission({
      ledger,
      marketIds: [1],
      recover: async () => {
        if (!sequenced) {
          sequenced = true;
          // another copy reached the sequencer first: its batch is applied and committed here meanwhile
          const b = { timestamp: NOW, prices: [], funding: [], requests: [], inputs: [input] };
          const applied = ledger.tryApply(b);
          await ledger.commit(
            { ...b, batchId: 1n, requestCursor: 0n, prevStateHash: ledger.stateHash, stateHash: applied.stateHash, signature: `0x${'00'.repeat(65)}` },
            applied.events,
            null,
          );
        }
        return '0x1111111111111111111111111111111111111111';
      },
      nowSeconds: () => NOW,
    });
    await expect(a.admit(input, 'api')).rejects.toMatchObject({ code: 'DUPLICATE_ORDER' });
    expect(ledger.mempool.has(input.hash)).toBe(false);
    await own.close();
  });

  it('judges it again when the clock moved meanwhile', async () => {
    let now = NOW;
    const r = await admitting(
      () => {
        now = NOW + 60n; // past the orders' expiry
      },
      () => now,
    );
    expect(r.single).toBe('EXPIRED');
    expect(r.all).toEqual(['EXPIRED', 'EXPIRED']);
  });
});

describe("a peer's bundle of gossiped inputs", () => {
  it('admits each input and judges the bundle: REJECT for a provably bad input, ACCEPT if any was new, else IGNORE', async () => {
    const own = await NodeStore.open(tempDir('kestrel-admit-bundle-'));
    try {
      const ledger = await openedAt(own);
      const withNonce = (nonce: bigint) => {
        const i = taker(NOW + 30n);
        return orderInput(DOMAIN, { ...i.order, nonce }, i.signature);
      };
      const forged = withNonce(9n);
      const seen: string[] = [];
      const gossip = new Admission({
        ledger,
        marketIds: [1],
        recover: async (digest) => (digest === forged.hash ? '0x2222222222222222222222222222222222222222' : '0x1111111111111111111111111111111111111111'),
        nowSeconds: () => NOW,
        onRefused: (source, verdict, code) => seen.push(`${source} ${verdict} ${code}`),
      });
      const wire = (nonce: bigint) => JSON.parse(JSON.stringify(inputToWire(withNonce(nonce)))) as unknown;
      const cases: Array<[string, unknown[], { verdict: string; admitted: number }, string[]]> = [
        ['all new', [wire(1n), wire(2n)], { verdict: 'ACCEPT', admitted: 2 }, []],
        ['one new among known', [wire(1n), wire(3n)], { verdict: 'ACCEPT', admitted: 1 }, ['gossip IGNORE DUPLICATE_ORDER']],
        ['all known', [wire(2n), wire(3n)], { verdict: 'IGNORE', admitted: 0 }, ['gossip IGNORE DUPLICATE_ORDER', 'gossip IGNORE DUPLICATE_ORDER']],
        [
          'a forged signature',
          [wire(4n), JSON.parse(JSON.stringify(inputToWire(forged)))],
          { verdict: 'REJECT', admitted: 1 },
          ['gossip REJECT INVALID_SIGNATURE'],
        ],
        [
          'an input that does not decode',
          [wire(5n), { type: 'order', order: { nonsense: true } }],
          { verdict: 'REJECT', admitted: 0 },
          ['gossip REJECT MALFORMED'],
        ],
      ];
      for (const [name, bundle, expected, refusals] of cases) {
        seen.length = 0;
        expect(await gossip.admitGossipBundle(bundle), name).toEqual(expected);
        expect(seen, name).toEqual(refusals);
      }
      // the undecodable bundle admitted nothing, not even its good input
      expect(ledger.mempool.peek(10).map((e) => (e.input.type === 'order' ? e.input.order.nonce : -1n))).toEqual([1n, 2n, 3n, 4n]);
    } finally {
      await own.close();
    }
  });
});

describe('a gossiped copy of an input this node holds', () => {
  it('takes the held digest (same signature, same fields) and is refused as a duplicate without being hashed again', async () => {
    const own = await NodeStore.open(tempDir('kestrel-admit-held-'));
    try {
      const ledger = await openedAt(own);
      const input = taker(NOW + 30n);
      // held under a digest no hash of its fields gives: only the held digest can name it
      const heldDigest = `0x${'7e'.repeat(32)}` as Hex;
      await ledger.admit({ ...input, hash: heldDigest });
      const seen: string[] = [];
      const gossip = new Admission({
        ledger,
        marketIds: [1],
        recover: async () => '0x1111111111111111111111111111111111111111',
        nowSeconds: () => NOW,
        onRefused: (source, verdict, code, hash) => seen.push(`${source} ${verdict} ${code} ${hash}`),
      });
      const wire = (i: SignedInput) => JSON.parse(JSON.stringify(inputToWire(i))) as unknown;
      expect(await gossip.admitGossipBundle([wire(input)])).toEqual({ verdict: 'IGNORE', admitted: 0 });
      expect(await gossip.admitGossip(wire(input))).toBe('IGNORE');
      expect(seen).toEqual([`gossip IGNORE DUPLICATE_ORDER ${heldDigest}`, `gossip IGNORE DUPLICATE_ORDER ${heldDigest}`]);
      // another order under the same signature is hashed from its own fields
      const other = orderInput(DOMAIN, { ...input.order, nonce: 2n }, input.signature);
      expect(await gossip.admitGossip(wire(other))).toBe('ACCEPT');
      expect(ledger.mempool.has(other.hash)).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe('admission timed', () => {
  it("tells the metrics each input's time to its verdict, once per input, by source", async () => {
    timed.length = 0;
    await expect(admission.admit(taker(0n), 'api')).rejects.toMatchObject({ code: 'TAKER_EXPIRY' });
    await expect(admission.admit(taker(NOW + 30n), 'relay')).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    const outcomes = await admission.admitAll([taker(0n), taker(NOW + 30n)], 'gossip');
    expect(outcomes.map((e) => (e as { code?: string } | undefined)?.code)).toEqual(['TAKER_EXPIRY', 'INVALID_SIGNATURE']);
    expect(timed.map(([source]) => source)).toEqual(['api', 'relay', 'gossip', 'gossip']);
    for (const [, seconds] of timed) {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(5);
    }
  });
});

describe('refusals counted', () => {
  it('tells the metrics of every refusal, by source, verdict and code, and renders them as labeled series', async () => {
    refused.length = 0;
    await expect(admission.admit(taker(0n), 'api')).rejects.toMatchObject({ code: 'TAKER_EXPIRY' });
    await expect(admission.admit(taker(NOW + 30n), 'api')).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(await admission.admitGossip({ type: 'order', order: { nonsense: true }, signature: '0x' })).toBe('REJECT');
    expect(await admission.admitGossip(taker(NOW))).toBe('REJECT'); // not even on the wire's shape
    expect(refused).toEqual(['api IGNORE TAKER_EXPIRY', 'api REJECT INVALID_SIGNATURE', 'gossip REJECT MALFORMED', 'gossip REJECT MALFORMED']);

    const metrics = new Metrics();
    const count = metrics.labeledCounter('kestrel_inputs_refused_total', 'refusals', ['source', 'verdict', 'code']);
    for (const r of refused) {
      const [source, verdict, code] = r.split(' ') as [string, string, string];
      count({ source, verdict, code });
    }
    // one series per label set, in the order first seen, its labels by name
    const text = await metrics.render();
    expect(text.split('\n').filter((l) => l.startsWith('kestrel_inputs_refused_total'))).toEqual([
      'kestrel_inputs_refused_total{code="TAKER_EXPIRY",source="api",verdict="IGNORE"} 1',
      'kestrel_inputs_refused_total{code="INVALID_SIGNATURE",source="api",verdict="REJECT"} 1',
      'kestrel_inputs_refused_total{code="MALFORMED",source="gossip",verdict="REJECT"} 2',
    ]);
    expect(text).toContain('# TYPE kestrel_inputs_refused_total counter');
  });
});
