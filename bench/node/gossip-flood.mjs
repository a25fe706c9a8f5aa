#!/usr/bin/env node
// Does a node's memory stay flat under a gossip flood? A 1-node devnet (anvil, the contracts, one
// `kestrel` process) and, in this process, a libp2p peer of its own on 127.0.0.1 that publishes at
// the node's orders topic, phase after phase:
//
//   repeated   one signed order, `--messages` times, each in a new spelling: a
//              new message id each (JSON whitespace after it), so past gossipsub's seen cache (which drops the very same bytes
//              on both sides, the publisher's first), and the same input for admission: a duplicate
//   refused    `--distinct` different orders, each signed, each refused by admission (expired)
//   forged     `--distinct` different orders with a signature that is not the subaccount's (the
//              node rejects them and scores this peer down)
//   bundled    `--messages` / 10 bundles (the INPUTS kind), each of 100 copies of the repeated
//              order in a new spelling, at a tenth of the rate: the same inputs a second as the
//              phases above, each judged and counted on its own
//
// The node's RSS (from /proc) is sampled throughout; printed per phase: before, its peak during,
// and after a pause. Needs the packages built (`npm run build`); Linux (reads /proc).
//
//   node bench/node/gossip-flood.mjs [--messages=20000] [--distinct=5000] [--rate=2000] [--keep]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { inputToWire } from '../../packages/api/dist/index.js';
import { domainSeparator, encodeFlags, orderInput, orderHash, parseX18 } from '../../packages/core/dist/index.js';
import { startDevnet } from '../../packages/node/dist/devnet/devnet.js';
import { encodeGossip, encodeInputBundle, GossipKind, MAX_GOSSIP_BUNDLE, topicsFor } from '../../packages/node/dist/gossip/codec.js';
import { startNetwork } from '../../packages/node/dist/gossip/network.js';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const MESSAGES = arg('messages', 20_000);
const DISTINCT = arg('distinct', 5_000);
const RATE = arg('rate', 2_000);
const x = parseX18;
const log = (m) => console.error(`  ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(path.join(tmpdir(), 'kestrel-bench-flood-'));
log(`starting a 1-node devnet in ${dir}`);
const devnet = await startDevnet({
  nodes: 1,
  dataDir: dir,
  rpcPort: 0,
  apiPort: 0,
  traders: 1,
  batchIntervalMs: 250,
  // the flood must reach the node's checks, not stop at its per-peer throttle
  nodeSettings: { gossipRateLimit: { perSecond: 1_000_000, burst: 1_000_000 }, logLevel: 'warn' },
});
const node = devnet.nodes[0];
const pid = node.child.pid;
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const metric = async (name) => {
  const text = await (await fetch(`${node.api}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
};

const topics = topicsFor(devnet.chainId, devnet.exchange);
const peer = await startNetwork({
  privateKey: await generateKeyPair('Ed25519'),
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: node.p2p.filter((a) => a.includes('127.0.0.1')).map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${node.peerId}`)),
  topics,
  maxMessageBytes: 64 * 1024,
  log: () => undefined,
});
for (let i = 0; i < 100 && peer.peerCount() === 0; i++) await sleep(100);
if (peer.peerCount() === 0) throw new Error('the bench peer did not connect to the node');
await sleep(2000); // the subscriptions go both ways before anything is published

const domain = domainSeparator({ name: 'Kestrel', version: '1', chainId: BigInt(devnet.chainId), verifyingContract: devnet.exchange });
const trader = devnet.traders[0];
const owner = privateKeyToAccount(trader.privateKey);
const stranger = privateKeyToAccount(generatePrivateKey());
let nonce = 1n;
async function signedOrder(by, expiry) {
  const order = {
    subaccount: trader.subaccount,
    marketId: 1,
    isBuy: true,
    price: x('1.00'),
    amount: x('0.01'),
    nonce: nonce++,
    expiry,
    flags: encodeFlags({ timeInForce: 0 }),
    clientId: 0n,
  };
  return orderInput(domain, order, await by.sign({ hash: orderHash(domain, order) }));
}
const WHITESPACE = [0x20, 0x09, 0x0a, 0x0d];
/** The input's gossip payload; `spelling` > 0 appends JSON whitespace spelling that number (base 4, 10 places). */
const payload = (input, spelling = 0) => spelled(encodeGossip(GossipKind.INPUT, inputToWire(input)), spelling);
/** A bundle of MAX_GOSSIP_BUNDLE copies of `input`, spelled as `payload` spells one. */
const bundle = (input, spelling) => spelled(encodeInputBundle(Array(MAX_GOSSIP_BUNDLE).fill(JSON.stringify(inputToWire(input)))), spelling);
const spelled = (bytes, spelling) => {
  if (spelling === 0) return bytes;
  const out = new Uint8Array(bytes.length + 10);
  out.set(bytes);
  for (let d = 0, v = spelling; d < 10; d++, v >>= 2) out[bytes.length + d] = WHITESPACE[v & 3];
  return out;
};

/**
 * Publishes `count` payloads at `RATE` a second, sampling the node's RSS; returns the peak and how
 * many the bench's own gossipsub refused to send (its queue to a node that reads slower is bounded).
 */
async function flood(count, make, rate = RATE) {
  let peak = rssMiB();
  let unsent = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await peer.publish(topics.orders, make(i)).catch(() => unsent++);
    if (i % 250 === 249) {
      peak = Math.max(peak, rssMiB());
      if (i % 20_000 === 19_999) log(`  ${(i + 1).toLocaleString('en-US')} sent, RSS ${rssMiB().toFixed(0)} MiB`);
      const ahead = (i + 1) / rate - (performance.now() - started) / 1000;
      if (ahead > 0) await sleep(ahead * 1000);
    }
  }
  for (let i = 0; i < 10; i++) {
    await sleep(200);
    peak = Math.max(peak, rssMiB());
  }
  return { peak, unsent };
}

const rows = [];
async function phase(name, count, make, rate = RATE) {
  const before = rssMiB();
  const seen = await metric('kestrel_inputs_refused_total');
  const { peak, unsent } = await flood(count, make, rate);
  await sleep(3000);
  const after = rssMiB();
  const refused = (await metric('kestrel_inputs_refused_total')) - seen;
  rows.push({ name, count, unsent, before, peak, after, refused });
  log(`${name}: ${count.toLocaleString('en-US')} messages, RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} → ${after.toFixed(0)} MiB`);
}

log('warming up');
const valid = await signedOrder(owner, 0n);
await phase('warm-up', 2000, (i) => payload(valid, 900_000 + i));
await phase('repeated', MESSAGES, (i) => payload(valid, 1 + (i % 899_999)));
log(`signing ${DISTINCT.toLocaleString('en-US')} expired and ${DISTINCT.toLocaleString('en-US')} forged orders`);
const expired = [];
for (let i = 0; i < DISTINCT; i++) expired.push(await signedOrder(owner, 1n));
const forged = [];
for (let i = 0; i < DISTINCT; i++) forged.push(await signedOrder(stranger, 0n));
await phase('refused', DISTINCT, (i) => payload(expired[i]));
await phase('forged', DISTINCT, (i) => payload(forged[i]));
await phase('bundled', Math.ceil(MESSAGES / 10), (i) => bundle(valid, 1 + (i % 899_999)), RATE / 10);
const end = rssMiB();

await peer.stop();
await devnet.stop();
if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else log(`kept ${dir}`);

console.log(`\nnode RSS under a gossip flood — one peer publishing at up to ${RATE.toLocaleString('en-US')} messages/s, node ${process.version}\n`);
console.log('phase          messages   not sent   refused by the node   RSS before   peak during   3 s after');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(12)} ${r.count.toLocaleString('en-US').padStart(10)}   ${r.unsent.toLocaleString('en-US').padStart(8)}   ${r.refused.toLocaleString('en-US').padStart(19)}   ${r.before.toFixed(0).padStart(6)} MiB   ${r.peak.toFixed(0).padStart(7)} MiB   ${r.after.toFixed(0).padStart(5)} MiB`,
  );
}
console.log(`\nRSS after the warm-up ${rows[0].after.toFixed(0)} MiB, at the end ${end.toFixed(0)} MiB`);
