#!/usr/bin/env node
// The leader dies: how long until the next operator settles a batch, and what is lost.
//
//   node bench/node/takeover.mjs [--takeover=4] [--rate=20] [--before=5] [--after=15]
//
// A 2-node devnet it starts itself, both nodes operators (an hour-long epoch, so only the death
// moves the leadership), once with anvil's block per transaction and once with a block every
// 10 ms (as MegaETH mines). Crossing pairs are posted through the node that does not lead at
// `--rate` pairs a second, `--before` seconds before the leader's process is killed (SIGKILL) and
// `--after` seconds after. Reports the time from the kill, and from the last batch before it, to
// the first batch the survivor settles, and the orders lost: answered 2xx by the survivor and not
// filled and settled there once the flow stops (must be 0). Needs the packages built.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '../../packages/contracts/dist/index.js';
import { startDevnet } from '../../packages/node/dist/devnet/devnet.js';
import { createKestrelClient } from '../../packages/sdk/dist/index.js';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
const TAKEOVER = arg('takeover', 4);
const RATE = arg('rate', 20);
const BEFORE = arg('before', 5);
const AFTER = arg('after', 15);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => process.stderr.write(`  ${m}\n`);

async function getJson(url) {
  const res = await fetch(url);
  return res.json();
}

async function until(read, done, what, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One epoch of a day (the longest the chain takes) for a run, started clear of its end: the lead must change by a takeover, not by the schedule. */
const EPOCH = 86_400;

async function run(blockTimeMs) {
  const left = EPOCH - ((Date.now() / 1000) % EPOCH);
  if (left < 300) await sleep((left + 1) * 1000);
  const devnet = await startDevnet({
    nodes: 2,
    operators: 2,
    epochSeconds: EPOCH,
    takeoverSeconds: TAKEOVER,
    dataDir: mkdtempSync(path.join(tmpdir(), 'kestrel-bench-takeover-')),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
    ...(blockTimeMs ? { blockTimeMs } : {}),
  });
  try {
    for (const n of devnet.nodes) {
      await until(
        () => getJson(`${n.api}/v1/accounts/${devnet.traders[1].subaccount}`),
        (r) => r.balances?.length === 3,
        'deposits',
      );
    }
    const healths = await Promise.all(
      devnet.nodes.map((n) =>
        until(
          () => getJson(`${n.api}/health`),
          (h) => h.schedule !== null,
          'schedule',
        ),
      ),
    );
    const leader = healths.findIndex((h) => h.schedule.thisNode === 'leader');
    const survivor = 1 - leader;
    const survivorOperator = privateKeyToAccount(JSON.parse(readFileSync(devnet.nodes[survivor].configFile, 'utf8')).operatorKey).address.toLowerCase();
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const clients = devnet.traders.map((t) => {
      const account = privateKeyToAccount(t.privateKey);
      return createKestrelClient({
        nodeUrl: devnet.nodes[survivor].api,
        exchange: devnet.exchange,
        account,
        publicClient: rpc,
        walletClient: createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account }),
        pollingIntervalMs: 100,
      });
    });
    const accepted = [];
    let refused = 0;
    let nonce = 1_000n;
    let killedAt = 0;
    const settledAt = new Map(); // batch id → first seen, and its sender
    let watching = true;
    const watch = (async () => {
      let seen = await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' });
      while (watching) {
        const id = await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' }).catch(() => seen);
        if (id > seen) {
          const logs = await rpc.getContractEvents({ address: devnet.exchange, abi: exchangeAbi, eventName: 'BatchSettled', fromBlock: 0n });
          for (const l of logs) {
            if (l.args.batchId <= seen || settledAt.has(l.args.batchId)) continue;
            const from = (await rpc.getTransaction({ hash: l.transactionHash })).from.toLowerCase();
            settledAt.set(l.args.batchId, { at: Date.now(), from });
          }
        }
        seen = id;
        await sleep(20);
      }
    })();
    const flowEnd = Date.now() + (BEFORE + AFTER) * 1000;
    const killAt = Date.now() + BEFORE * 1000;
    while (Date.now() < flowEnd) {
      if (!killedAt && Date.now() >= killAt) {
        killedAt = Date.now();
        void devnet.stopNode(leader, 'SIGKILL');
        log(`killed the leader (node-${leader + 1})`);
      }
      const n = nonce++;
      await Promise.all(
        [
          [0, 'sell'],
          [1, 'buy'],
        ].map(async ([t, side]) => {
          try {
            const r = await clients[t].placeOrder({ symbol: 'WETH/USDC', side, price: '1850', amount: '0.01', subaccountName: 'main', nonce: n });
            accepted.push(r.orderHash);
          } catch {
            refused++;
          }
        }),
      );
      await sleep(1000 / RATE);
    }
    // drain: every accepted order filled and settled on the survivor, or lost
    const deadline = Date.now() + 60_000;
    let lost = accepted;
    while (lost.length > 0 && Date.now() < deadline) {
      const states = await Promise.all(lost.map((h) => getJson(`${devnet.nodes[survivor].api}/v1/orders/${h}`).catch(() => ({}))));
      lost = lost.filter((_, i) => !(states[i].status === 'filled' && states[i].settlement === 'settled'));
      if (lost.length > 0) await sleep(500);
    }
    watching = false;
    await watch;
    const batches = [...settledAt.values()].sort((a, b) => a.at - b.at);
    const lastBefore = batches.filter((b) => b.at <= killedAt).at(-1);
    const firstAfter = batches.find((b) => b.at > killedAt && b.from === survivorOperator);
    return {
      chain: blockTimeMs ? `a block every ${blockTimeMs} ms` : 'a block per transaction',
      fromKill: firstAfter ? (firstAfter.at - killedAt) / 1000 : null,
      fromLastBatch: firstAfter && lastBefore ? (firstAfter.at - lastBefore.at) / 1000 : null,
      accepted: accepted.length,
      refused,
      lost: lost.length,
    };
  } finally {
    await devnet.stop();
  }
}

console.log(`\ntakeover — 2 operators' nodes, takeover delay ${TAKEOVER} s, ${RATE} crossing pairs/s through the survivor, node ${process.version}\n`);
console.log('chain                        kill → first batch   last batch → first batch   accepted   lost');
let failed = false;
for (const blockTimeMs of [0, 10]) {
  const r = await run(blockTimeMs);
  const s = (v) => (v === null ? 'none' : `${v.toFixed(1)} s`);
  console.log(
    `${r.chain.padEnd(28)} ${s(r.fromKill).padStart(18)}   ${s(r.fromLastBatch).padStart(24)}   ${String(r.accepted).padStart(8)}   ${String(r.lost).padStart(4)}`,
  );
  if (r.lost > 0 || r.fromKill === null) failed = true;
}
if (failed) process.exitCode = 1;
