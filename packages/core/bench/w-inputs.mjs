// W1/W2 (bench/matching/workload.mjs) as the Engine's inputs, built before any timing, shared by
// the Engine's run (engine-workload.mjs) and the floor's (floor-workload.mjs).
//
// Buys come from one owner and sells from another (so no self-trade), both funded far beyond
// need (so no balance failure): the checksums must then equal the yardstick's table.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSubaccount } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const { workload: generate } = await import(pathToFileURL(path.resolve(repoRoot, 'bench/matching/workload.mjs')).href);

export const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};

export const E18 = 10n ** 18n;
export const tickSize = E18 / 100n;
export const lotSize = E18 / 1000n;
export const makerFee = -(E18 / 10_000n);
export const takerFee = E18 / 2000n;
export const buyer = makeSubaccount('0x1000000000000000000000000000000000000001', 'bench');
export const seller = makeSubaccount('0x2000000000000000000000000000000000000002', 'bench');

/** A decoder hands over flat strings (a template literal makes a rope, which the first read would flatten inside the timed run). */
function flat(s) {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/** The workload's ops as `place` and `cancel` inputs, each order's hash a distinct 32-byte hex. */
export function buildInputs(n, maxLife) {
  const ops = generate({ n, maxLife });
  const nops = ops.length / 5;
  const hashes = new Array(n);
  for (let i = 0; i < n; i++) hashes[i] = flat(`0x${i.toString(16).padStart(64, '0')}`);
  const buys = new Uint8Array(n); // a cancel names the order's owner: the buyer or the seller
  const inputs = new Array(nops);
  for (let i = 0, j = 0; i < nops; i++, j += 5) {
    const id = ops[j + 4];
    if (ops[j] === 0) {
      const isBuy = ops[j + 1] === 0;
      buys[id] = isBuy ? 1 : 0;
      inputs[i] = {
        kind: 'place',
        hash: hashes[id],
        order: {
          subaccount: isBuy ? buyer : seller,
          marketId: 1,
          isBuy,
          price: BigInt(ops[j + 2]) * tickSize,
          amount: BigInt(ops[j + 3]) * lotSize,
          nonce: BigInt(id),
          expiry: 0n,
          flags: 0,
          clientId: 0n,
        },
      };
    } else inputs[i] = { kind: 'cancel', subaccount: buys[id] === 1 ? buyer : seller, hashes: [hashes[id]] };
  }
  return inputs;
}
