/** A ledger on a real LevelDB store, and batches committed to it as a node commits them (the ledger's unit tests). */
import { afterEach } from 'vitest';
import { encodeFlags, makeSubaccount, orderInput, parseX18 as x, RequestKind, type ChainRequest, type Hex, type Order, type SignedInput } from '@kestrel/core';
import { Ledger } from '../src/store/ledger.js';
import { NodeStore } from '../src/store/store.js';
import { SPOT_CONFIG, tempDir } from './helpers.js';

export const traders = [
  '0x1111111111111111111111111111111111111111',
  '0x2222222222222222222222222222222222222222',
  '0x4444444444444444444444444444444444444444',
].map((a) => makeSubaccount(a as Hex, 'main') as Hex);
const config = SPOT_CONFIG;
export const DOMAIN = `0x${'11'.repeat(32)}` as Hex;
export const SIG = `0x${'00'.repeat(65)}` as Hex; // the ledger stores signatures; admission checked them
export const RETENTION = 100n;

let nonce = 1n;
export function order(who: Hex, isBuy: boolean, price: string, amount: string): SignedInput & { type: 'order' } {
  const o: Order = {
    subaccount: who,
    marketId: 1,
    isBuy,
    price: x(price),
    amount: x(amount),
    nonce: nonce++,
    expiry: 0n,
    flags: encodeFlags({ timeInForce: 0 }),
    clientId: 0n,
  };
  return orderInput(DOMAIN, o, SIG);
}

export interface Fixture {
  store: NodeStore;
  ledger: Ledger;
  dir: string;
  /** the `rec:` keys each commit wrote (puts and deletes) */
  recordWrites: number[];
  now: bigint;
  requestId: bigint;
}

export const open: NodeStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

export async function fixture(dir = tempDir('kestrel-ledger-records-'), options: { history?: boolean } = {}): Promise<Fixture> {
  const store = await NodeStore.open(dir);
  open.push(store);
  const recordWrites: number[] = [];
  const write = store.write.bind(store);
  store.write = async (ops) => {
    recordWrites.push(ops.filter((o) => ('put' in o ? o.put : o.del).startsWith('rec:')).length);
    return write(ops);
  };
  const ledger = await Ledger.open(config, DOMAIN, store, undefined, { archiveRetentionSeconds: RETENTION, ...options });
  return { store, ledger, dir, recordWrites, now: 1_000n, requestId: 0n };
}

export async function batch(f: Fixture, inputs: SignedInput[], requests: ChainRequest[] = [], dt = 1n, funding: number[] = []): Promise<void> {
  f.now += dt;
  const b = { timestamp: f.now, prices: [], funding, requests, inputs };
  const applied = f.ledger.tryApply(b);
  await f.ledger.commit(
    { ...b, batchId: f.ledger.lastBatchId + 1n, requestCursor: f.requestId, prevStateHash: f.ledger.stateHash, stateHash: applied.stateHash, signature: SIG },
    applied.events,
    null,
  );
}

export function deposits(f: Fixture): ChainRequest[] {
  return traders.flatMap((who) =>
    [0, 1].map((assetId) => ({
      id: f.requestId++,
      kind: RequestKind.Deposit,
      subaccount: who,
      assetId,
      amount: x('1000000'),
      data: `0x${'00'.repeat(32)}` as Hex,
    })),
  );
}
