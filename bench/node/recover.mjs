#!/usr/bin/env node
// Signature recovery on the node's hot path: recovering in place on the event loop versus the
// worker pool the node uses (packages/node/src/admission/recover-pool.ts), on the same signatures in
// the same run. Needs the node package built (`npx nx run @kestrel/node:build`).
//
//   node bench/node/recover.mjs [--n=20000]
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { privateKeyToAccount } from 'viem/accounts';
import { bytesToHex } from '../../packages/core/dist/index.js';
import { recoverAddress } from '../../packages/node/dist/admission/recover.js';
import { RecoverPool } from '../../packages/node/dist/admission/recover-pool.js';

const nArg = process.argv.find((a) => a.startsWith('--n='));
const n = nArg ? Number(nArg.slice(4)) : 20_000;
const account = privateKeyToAccount(`0x${'07'.repeat(32)}`);
const jobs = [];
for (let i = 0; i < 256; i++) {
  const digest = bytesToHex(new Uint8Array(32).map((_, k) => (i * 31 + k * 7) & 255));
  jobs.push([digest, await account.sign({ hash: digest })]);
}
const expected = account.address.toLowerCase();

function inPlace(count) {
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const [d, s] = jobs[i & 255];
    if (recoverAddress(d, s) !== expected) throw new Error('wrong signer');
  }
  return performance.now() - t;
}

async function pooled(pool, count) {
  const t = performance.now();
  // requests arrive in waves, as HTTP and gossip hand them over
  for (let done = 0; done < count; ) {
    const wave = Math.min(500, count - done);
    const out = await Promise.all(Array.from({ length: wave }, (_, i) => pool.recover(...jobs[(done + i) & 255])));
    if (out.some((a) => a !== expected)) throw new Error('wrong signer');
    done += wave;
  }
  return performance.now() - t;
}

const sizeArg = process.argv.find((a) => a.startsWith('--workers='));
const pool = RecoverPool.start(sizeArg ? Number(sizeArg.slice(10)) : undefined);
if (!pool) throw new Error('the native secp256k1 binding did not load');
inPlace(2000);
await pooled(pool, 2000);
const a = inPlace(n);
const b = await pooled(pool, n);
await pool.close();
const rate = (ms) =>
  Math.round((n / ms) * 1000)
    .toLocaleString('en-US')
    .padStart(9);
console.log(`\nsignature recovery — ${n.toLocaleString('en-US')} signatures, ${availableParallelism()} cores, node ${process.version}\n`);
console.log(`in place, on the event loop          ${rate(a)} /s   event loop busy the whole time`);
console.log(`worker pool (${pool.size} worker${pool.size === 1 ? '' : 's'})                ${rate(b)} /s   event loop free but for hashing and messages`);
console.log(`\npool / in place: ${(a / b).toFixed(2)}× the throughput`);
