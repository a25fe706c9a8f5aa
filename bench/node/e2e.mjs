#!/usr/bin/env node
// The node end to end, as traders use it: a 2-node devnet (anvil, the contracts, two `kestrel`
// processes over libp2p), pre-signed orders POSTed at fixed rates through the leader and the
// follower. Three phases:
//
//   book     resting orders far from the middle, until `--resting` rest
//   flow     `--pairs` crossing pairs a second for `--seconds`, alternating the entry node, and a
//            reader polling the book: POST latency, the batch interval achieved, POST→settled on
//            every node (the time until each node reports the order's batch settled on chain)
//   burst    as many orders as one node takes, for a few seconds: orders accepted per second
//            beside the signature-recovery limit of one core measured in this process — once one
//            order a request, once 50 a request (POST /v1/orders/batch) — and what each admitted
//            order cost both nodes in CPU time (their threads' times from /proc): the entry
//            node's event loop bounds what one node admits once its recovery workers have cores
//            of their own, whatever else shares this machine's
//
// then every order a node answered 2xx is looked up on both nodes until each is decided on both:
// one still pending or unknown once the network has decided none for 60 s is lost. Prints RSS
// per node. Needs the packages built (`npm run build`).
//
//   node bench/node/e2e.mjs [--resting=5000] [--pairs=200] [--seconds=20] [--burst=5] [--interval=250] [--book-rate=1900] [--heap-growing-percent=25] [--keep]
// (--keep leaves the devnet folder, with each node's log, in the temp directory)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { privateKeyToAccount } from 'viem/accounts';
import { orderFromWire, orderToWire } from '../../packages/api/dist/index.js';
import { domainSeparator, encodeFlags, orderHash, parseX18 } from '../../packages/core/dist/index.js';
import { recoverAddress } from '../../packages/node/dist/admission/recover.js';
import { startDevnet } from '../../packages/node/dist/devnet/devnet.js';
import { childrenNamed, cpuBetween, machineTimes, processSeconds, threadTimes } from './cpu.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const RESTING = arg('resting', 5_000);
const PAIRS = arg('pairs', 200);
const SECONDS = arg('seconds', 20);
const BURST_SECONDS = arg('burst', 5);
const INTERVAL = arg('interval', 250);
// orders a second offered while the book is built (not measured: only what rests matters), below
// what the sequencer takes at its defaults (maxBatchOrders 500 every 250 ms)
const BOOK_RATE = arg('book-rate', 1_900);
// the nodes' heapGrowingPercent (util/heap-tuning.ts), when given: the node's default otherwise (25% once the live heap passes heapGrowingAboveMib, 256 MiB)
const HEAP_GROWING = arg('heap-growing-percent', undefined);
// anvil funds the first 10 keys of its mnemonic: the admin, two operators, and these
const TRADERS = 6;
const x = parseX18;
const now = () => performance.now();
const log = (m) => console.error(`  ${m}`);

const dir = mkdtempSync(path.join(tmpdir(), 'kestrel-bench-e2e-'));
log(`starting a 2-node devnet in ${dir}`);
const devnet = await startDevnet({
  nodes: 2,
  dataDir: dir,
  rpcPort: 0,
  apiPort: 0,
  traders: TRADERS,
  batchIntervalMs: INTERVAL,
  // the bench is one client address: its rate limits are a trader's, not the node's
  nodeSettings: {
    apiRateLimit: { perSecond: 100_000, burst: 100_000 },
    apiReadRateLimit: { perSecond: 100_000, burst: 100_000 },
    mempool: { maxTotal: 200_000, maxPerSubaccount: 200_000, maxPerOwner: 200_000 },
    // each trader rests its share of the book, beyond the default caps of an account
    engineLimits: {
      maxOpenOrdersPerSubaccount: Math.max(1_000, Math.ceil(RESTING / TRADERS) + 1_000),
      maxOpenOrdersPerOwner: Math.max(10_000, Math.ceil(RESTING / TRADERS) + 1_000),
    },
    logLevel: 'warn',
    ...(HEAP_GROWING === undefined ? {} : { heapGrowingPercent: HEAP_GROWING }),
  },
});
const nodes = devnet.nodes.map((n) => n.api);
const domain = domainSeparator({ name: 'Kestrel', version: '1', chainId: BigInt(devnet.chainId), verifyingContract: devnet.exchange });
const accounts = devnet.traders.map((t) => privateKeyToAccount(t.privateKey));
// the book of a million orders is signed here first: libsecp256k1 (the binding the node recovers
// with) signs in ~50 µs, viem's pure-JS signer in ~500; the same bytes either way (RFC 6979, low s)
const native = (() => {
  try {
    return createRequire(new URL('../../packages/node/package.json', import.meta.url))('secp256k1/bindings');
  } catch {
    return null;
  }
})();
const keys = devnet.traders.map((t) => Buffer.from(t.privateKey.slice(2), 'hex'));
async function sign(t, hash) {
  if (!native) return accounts[t].sign({ hash });
  const { signature, recid } = native.ecdsaSign(Buffer.from(hash.slice(2), 'hex'), keys[t]);
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`;
}

let nonce = 1n;
async function signed(t, isBuy, price, amount, tif = 0) {
  const order = {
    subaccount: devnet.traders[t].subaccount,
    marketId: 1, // WETH/USDC
    isBuy,
    price: x(price),
    amount: x(amount),
    nonce: nonce++,
    expiry: tif === 1 ? BigInt(Math.floor(Date.now() / 1000) + 110) : 0n,
    flags: encodeFlags({ timeInForce: tif }),
    clientId: 0n,
  };
  const hash = orderHash(domain, order);
  const signature = await sign(t, hash);
  return { hash, body: JSON.stringify({ order: orderToWire(order), signature }) };
}

// keep-alive connections through node:http: a client as light as it can be, since it shares the
// machine's cores with the nodes it measures
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function request(url, body, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      // a retry goes on a connection of its own: the pool may hold more that the server closed
      {
        method: body === undefined ? 'GET' : 'POST',
        agent: retried ? false : agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // a kept-alive connection the server closed while idle (keepAliveTimeout) carried nothing: ask again
    req.on('error', (err) => (req.reusedSocket && err.code === 'ECONNRESET' && !retried ? request(url, body, true).then(resolve, reject) : reject(err)));
    req.end(body);
  });
}

const posted = []; // { hash, node, start, end, status }
const refusals = new Map(); // "400 CODE" → count, over the whole run
async function post(node, o) {
  const start = now();
  let status = 0;
  try {
    const res = await request(`${nodes[node]}/v1/orders`, o.body);
    status = res.status;
    // a refusal's stable code, for the report
    if (status !== 200) status = `${status} ${JSON.parse(res.text)?.error?.code ?? ''}`.trim();
  } catch (err) {
    // no answer: the client's error code, for the report
    status = `no answer ${err.code ?? err.message}`;
  }
  const rec = { hash: o.hash, node, start, end: now(), status };
  if (typeof status === 'string') refusals.set(status, (refusals.get(status) ?? 0) + 1);
  posted.push(rec);
  return rec;
}
/** Posts `group` as one `POST /v1/orders/batch`; records each order as `post` does (its own result). */
async function postBatch(node, group) {
  const start = now();
  let statuses;
  try {
    const res = await request(`${nodes[node]}/v1/orders/batch`, `{"orders":[${group.map((o) => o.body).join(',')}]}`);
    statuses =
      res.status === 200
        ? JSON.parse(res.text).results.map((r) => (r.status === 'pending' ? 200 : `200 ${r.error?.code ?? ''}`))
        : group.map(() => `${res.status} ${JSON.parse(res.text)?.error?.code ?? ''}`.trim());
  } catch (err) {
    statuses = group.map(() => `no answer ${err.code ?? err.message}`);
  }
  const end = now();
  return group.map((o, i) => {
    const rec = { hash: o.hash, node, start, end, status: statuses[i] };
    if (typeof rec.status === 'string') refusals.set(rec.status, (refusals.get(rec.status) ?? 0) + 1);
    posted.push(rec);
    return rec;
  });
}
const getJson = async (url) => JSON.parse((await request(url)).text);
/** A node's metrics: name{labels} → value. */
const metrics = async (node) =>
  new Map(
    (await request(`${nodes[node]}/metrics`)).text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );
const PHASES = ['read', 'apply', 'simulate', 'commit', 'publish', 'submit'];
const phaseKey = (p) => `kestrel_sequencer_phase_seconds_total{phase="${p}"}`;

/**
 * Sends `items` at `perSecond` (in 10 ms ticks), each to the node `pick(i)` names, with at most
 * `maxInFlight` unanswered (a client's connection pool; past it the offer waits); resolves when
 * all answered.
 */
// `paused()` holds the offers back (the clock of the rate stops meanwhile: no catching up after)
async function offer(items, perSecond, pick, maxInFlight = 256, send = post, paused = () => false) {
  const out = [];
  let active = 0;
  let last = now();
  let i = 0;
  let inFlight = 0;
  while (i < items.length) {
    const t = now();
    if (!paused()) active += t - last;
    last = t;
    const due = Math.min(items.length, Math.floor((active / 1000) * perSecond) + 1);
    for (; i < due && inFlight < maxInFlight; i++) {
      inFlight++;
      out.push(send(pick(i), items[i]).finally(() => inFlight--));
    }
    await new Promise((r) => setTimeout(r, inFlight < maxInFlight ? 10 : 1));
  }
  return Promise.all(out);
}

const pct = (xs, p) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]);

// ---------------------------------------------------------------- book
// the traders' deposits reach a node's engine with a batch: the book waits until both nodes hold them
for (const deadline = now() + 60_000; ; ) {
  const funded = await Promise.all(
    nodes.flatMap((url) =>
      devnet.traders.map(async (t) => {
        const a = await getJson(`${url}/v1/accounts/${t.subaccount}`).catch(() => null);
        return (a?.balances ?? []).filter((b) => Number(b.balance) > 0).length >= 2;
      }),
    ),
  );
  if (funded.every(Boolean)) break;
  if (now() > deadline) throw new Error("the traders' deposits did not reach both nodes within 60 s");
  await new Promise((r) => setTimeout(r, 250));
}
log(`signing ${RESTING.toLocaleString('en-US')} resting orders`);
const resting = [];
for (let i = 0; i < RESTING; i++) {
  const isBuy = i % 2 === 0;
  const level = (i >> 1) % 500;
  // the market's minimum size: a million of them stay within what each trader has deposited
  resting.push(await signed(i % TRADERS, isBuy, isBuy ? (1000 - level * 0.5).toFixed(2) : (3000 + level * 0.5).toFixed(2), '0.001'));
}
// 50 a request through both nodes, as a market maker building a ladder sends them
const restingGroups = [];
for (let i = 0; i < resting.length; i += 50) restingGroups.push(resting.slice(i, i + 50));
const restingIndex = new Map(resting.map((o, i) => [o.hash, i]));
const mempools = async () => (await Promise.all([0, 1].map(metrics))).map((m) => m.get('kestrel_mempool_size'));
// a node that cannot take more answers 503 (or per order MEMPOOL_FULL) and keeps nothing: what it
// refused for load is offered again once its mempool has room, until the whole book rests
const busy = (status) => typeof status === 'string' && /MEMPOOL_FULL|RATE_LIMITED|^no answer/.test(status);
// A market maker does not quote faster than the venue takes its quotes: the book is offered at
// --book-rate while both mempools hold under BOOK_BACKLOG inputs, and waits while one holds more
// (the sequencer's intake falls as the book grows — anvil runs each batch twice — and a mempool
// filled to its bound would leave the heap at that peak, which is not the book's cost).
const BOOK_BACKLOG = 20_000;
let backlogged = false;
let building = true;
const backlogWatch = (async () => {
  while (building) {
    backlogged = (await mempools().catch(() => [0, 0])).some((n) => n > BOOK_BACKLOG);
    await new Promise((r) => setTimeout(r, 250));
  }
})();
let toOffer = restingGroups;
for (let round = 0; toOffer.length > 0; round++) {
  if (round === 20) throw new Error('the book did not rest in 20 rounds of offers');
  const answered = (
    await offer(
      toOffer,
      BOOK_RATE / 50,
      (i) => i % 2,
      16,
      postBatch,
      () => backlogged,
    )
  ).flat();
  const again = answered.filter((r) => busy(r.status)).map((r) => resting[restingIndex.get(r.hash)]);
  toOffer = [];
  for (let i = 0; i < again.length; i += 50) toOffer.push(again.slice(i, i + 50));
  if (toOffer.length > 0) log(`book: ${again.length.toLocaleString('en-US')} orders refused for load, offered again once the mempools have room`);
  while (toOffer.length > 0 && (await mempools()).some((n) => n > 10_000)) await new Promise((r) => setTimeout(r, 500));
}
building = false;
await backlogWatch;
const bookOk = posted.filter((p) => p.status === 200).length;
log(`book: ${bookOk.toLocaleString('en-US')} of ${RESTING.toLocaleString('en-US')} resting orders accepted`);
// the flow starts on an empty mempool: its orders do not queue behind the book's
const drainBy = now() + 600_000;
while (now() < drainBy && (await mempools()).some((n) => n > 0)) await new Promise((r) => setTimeout(r, 250));
const rssNow = () =>
  devnet.nodes.map((n) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${n.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  });
const restingNow = await Promise.all([0, 1].map(async (n) => (await metrics(n)).get('kestrel_open_orders') ?? NaN));
const rssBook = rssNow();
log(`book rests: ${restingNow.join(' / ')} open orders, RSS ${rssBook.map((r) => r.toFixed(0)).join(' / ')} MiB`);

// ---------------------------------------------------------------- flow
log(`signing ${(PAIRS * SECONDS).toLocaleString('en-US')} crossing pairs`);
const pairs = [];
for (let i = 0; i < PAIRS * SECONDS; i++) {
  const a = i % TRADERS;
  const b = (i + 1 + (i % (TRADERS - 1))) % TRADERS;
  const price = (2000 + (i % 20) * 0.01).toFixed(2);
  pairs.push(await signed(a, true, price, '0.01'), await signed(b === a ? (a + 1) % TRADERS : b, false, price, '0.01'));
}
const health = async (node) => getJson(`${nodes[node]}/health`);
// the book's batches are not the flow's: the fetcher below reads only batches after this one (a
// hundred thousand resting orders are ~200 batches of ~500 orders, which the leader would be
// serving while the flow is measured)
const firstBatch = BigInt((await health(0)).lastBatchId);
const seenSettled = [new Map(), new Map()]; // batchId → when each node first reported it settled
const seenBatch = new Map(); // batchId → when the leader first reported it
const batchOf = new Map(); // order hash → batch id
let watching = true;
// two loops: the heights are polled on their own, so that fetching a batch's inputs (a large
// answer) never delays when a height is first seen
const watcher = (async () => {
  while (watching) {
    await Promise.all(
      [0, 1].map(async (n) => {
        const h = await health(n).catch(() => null);
        if (!h) return;
        const t = now();
        const settled = BigInt(h.lastSettledBatchId);
        for (let b = settled; b > 0n && !seenSettled[n].has(b); b--) seenSettled[n].set(b, t);
        if (n === 0) for (let b = BigInt(h.lastBatchId); b > firstBatch && !seenBatch.has(b); b--) seenBatch.set(b, t);
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
})();
const fetcher = (async () => {
  const fetched = new Set();
  while (watching) {
    for (const b of seenBatch.keys()) {
      if (fetched.has(b)) continue;
      fetched.add(b);
      const r = await getJson(`${nodes[0]}/v1/batches/${b}`).catch(() => null);
      for (const input of r?.proposal?.inputs ?? []) if (input.type === 'order') batchOf.set(orderHash(domain, orderFromWire(input.order)), b);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
})();
const reads = [];
let reading = true;
const reader = (async () => {
  while (reading) {
    const t = now();
    await request(`${nodes[1]}/v1/markets/1/book?depth=20`);
    reads.push(now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
const before = posted.length;
const phasesBefore = await metrics(0);
// where the machine's CPU went during the flow: two cores shared by both nodes, anvil and this client
const flowProcs = [...devnet.nodes.map((n) => n.child.pid), ...childrenNamed('anvil')];
const flowCpu0 = { procs: flowProcs.map(processSeconds), self: process.cpuUsage(), machine: machineTimes() };
const flowStart = now();
await offer(pairs, PAIRS * 2, (i) => (i >> 1) % 2);
const flowEnd = now();
// the book resting under steady trading, past the transient of taking it in
const rssFlow = rssNow();
const flowCpu = (() => {
  const secs = (flowEnd - flowStart) / 1000;
  const m = machineTimes();
  const self = process.cpuUsage(flowCpu0.self);
  const all = m.all - flowCpu0.machine.all;
  return {
    procs: flowProcs.map((pid, i) => (processSeconds(pid) - flowCpu0.procs[i]) / secs),
    self: (self.user + self.system) / 1e6 / secs,
    busy: (m.busy - flowCpu0.machine.busy) / all,
    steal: (m.steal - flowCpu0.machine.steal) / all,
  };
})();
const lastBatch = (await health(0)).lastBatchId;
const phasesAfter = await metrics(0);
const loopDelay = await Promise.all([0, 1].map(metrics));
reading = false;
await reader;
const flow = posted.slice(before);
// the flow's orders settle before the burst starts, so that the burst's load does not delay what is observed of them
const settleBy = now() + 60_000;
while (now() < settleBy && !flow.every((p) => p.status !== 200 || [0, 1].every((n) => seenSettled[n].has(batchOf.get(p.hash) ?? -1n)))) {
  await new Promise((r) => setTimeout(r, 100));
}
watching = false;
await Promise.all([watcher, fetcher]);

// ---------------------------------------------------------------- burst
log(`measuring signature recovery and a ${BURST_SECONDS} s burst`);
const probe = await signed(0, true, '1.00', '0.01', 1);
const { order: probeOrder, signature: probeSig } = JSON.parse(probe.body);
let recovered = 0;
const r0 = now();
while (now() - r0 < 2000) {
  recoverAddress(probe.hash, probeSig);
  recovered++;
}
const recoveryPerCore = recovered / ((now() - r0) / 1000);
void probeOrder;
const burst = [];
const burstCount = Math.ceil(recoveryPerCore * BURST_SECONDS * 1.5);
for (let i = 0; i < burstCount; i++) burst.push(await signed(i % TRADERS, i % 2 === 0, i % 2 === 0 ? '1.00' : '9000.00', '0.01', 1));
const pids = devnet.nodes.map((n) => n.child.pid);
const burstBefore = posted.length;
const b0 = now();
let cpu0 = pids.map(threadTimes);
await offer(burst, burstCount / BURST_SECONDS, () => 1);
const burstSeconds = (now() - b0) / 1000;
const burstCpu = pids.map((pid, n) => cpuBetween(pid, cpu0[n], threadTimes(pid)));
const burstPosts = posted.slice(burstBefore);
const burstOk = burstPosts.filter((p) => p.status === 200).length;
// the same through POST /v1/orders/batch, 50 orders a request: what a market maker refreshing a ladder sends
const GROUP = 50;
const grouped = [];
for (let i = 0; i < burstCount; i++) grouped.push(await signed(i % TRADERS, i % 2 === 0, i % 2 === 0 ? '1.00' : '9000.00', '0.01', 1));
const groups = [];
for (let i = 0; i < grouped.length; i += GROUP) groups.push(grouped.slice(i, i + GROUP));
const batchedBefore = posted.length;
const g0 = now();
cpu0 = pids.map(threadTimes);
await offer(groups, groups.length / BURST_SECONDS, () => 1, 16, postBatch);
const batchedSeconds = (now() - g0) / 1000;
const batchedCpu = pids.map((pid, n) => cpuBetween(pid, cpu0[n], threadTimes(pid)));
const batchedPosts = posted.slice(batchedBefore);
const batchedOk = batchedPosts.filter((p) => p.status === 200).length;

// ---------------------------------------------------------------- accounting
log('waiting for every accepted order to be sequenced, then checking both nodes');
const accepted = posted.filter((p) => p.status === 200);
const DECIDED = ['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'];
// where each order stands on both nodes: the ones still pending somewhere, or decided nowhere (an
// order one node let expire before the other heard of it is decided: it expired)
async function undecided(posts) {
  const out = [];
  for (let i = 0; i < posts.length; i += 200) {
    const chunk = posts.slice(i, i + 200);
    const answers = await Promise.all(
      chunk.flatMap((p) =>
        [0, 1].map((n) =>
          getJson(`${nodes[n]}/v1/orders/${p.hash}`)
            .then((r) => [p, n, r.status ?? r.error?.code])
            .catch(() => [p, n, 'ERROR']),
        ),
      ),
    );
    const byPost = new Map();
    for (const [p, n, status] of answers) byPost.set(p, [...(byPost.get(p) ?? []), `node ${n + 1}: ${status}`]);
    for (const [p, seen] of byPost) {
      const pending = seen.some((x) => x.endsWith('pending') || x.endsWith('ERROR'));
      const decided = seen.some((x) => DECIDED.some((d) => x.endsWith(`: ${d}`)));
      if (pending || !decided) out.push({ post: p, seen });
    }
  }
  return out;
}
// The bursts leave a backlog the sequencer drains at its own pace (maxBatchOrders a batch): an
// order is lost only when the network stops deciding orders with it still undecided — no order
// decided for STALL_MS — not merely when the drain is slow. Each pass asks only about the orders
// the last pass found undecided; a last pass then asks about every accepted order again.
const STALL_MS = 60_000;
const drainStart = now();
let waiting = accepted;
let lastProgress = now();
for (;;) {
  const still = (await undecided(waiting)).map((u) => u.post);
  if (still.length < waiting.length) lastProgress = now();
  waiting = still;
  log(
    `  ${waiting.length.toLocaleString('en-US')} of ${accepted.length.toLocaleString('en-US')} accepted orders undecided, ${((now() - drainStart) / 1000).toFixed(0)} s after the bursts`,
  );
  if (waiting.length === 0 || now() - lastProgress > STALL_MS) break;
  await new Promise((r) => setTimeout(r, 2000));
}
const drainSeconds = (now() - drainStart) / 1000;
const lost = (await undecided(accepted)).map(({ post, seen }) => `${post.hash} ${seen.join(', ')}`);
const rss = rssNow();
await devnet.stop();
if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------- report
const flowOk = flow.filter((p) => p.status === 200);
const perNode = [0, 1].map((n) => flowOk.filter((p) => p.node === n).length / ((flowEnd - flowStart) / 1000));
const latency = flow.map((p) => p.end - p.start);
const settledLatency = flowOk.flatMap((p) => {
  const b = batchOf.get(p.hash);
  if (b === undefined) return [];
  const at = [seenSettled[0].get(b), seenSettled[1].get(b)];
  return at.every((t) => t !== undefined) ? [Math.max(...at) - p.start] : [];
});
// the slowest orders' batches: when the leader and the follower each saw them settled, and how
// long after the leader first reported the batch (where a tail comes from)
const slow = new Map();
for (const p of flowOk) {
  const b = batchOf.get(p.hash);
  const at = [seenSettled[0].get(b), seenSettled[1].get(b)];
  if (b === undefined || at.some((t) => t === undefined) || Math.max(...at) - p.start < 2_000) continue;
  const e = slow.get(b) ?? { orders: 0, earliestPost: p.start, at };
  e.orders++;
  e.earliestPost = Math.min(e.earliestPost, p.start);
  slow.set(b, e);
}
const slowBatches = [...slow].sort((x, y) => y[1].orders - x[1].orders).slice(0, 3);
const batches = Number(BigInt(lastBatch) - firstBatch);
const interval = batches > 0 ? (flowEnd - flowStart) / batches : NaN;
const ms = (v) => `${v.toFixed(1)} ms`;
console.log(`\nnode end to end — 2-node devnet, batch interval ${INTERVAL} ms, ${availableParallelism()} cores, node ${process.version}\n`);
console.log(`book                 ${bookOk.toLocaleString('en-US')} resting orders accepted`);
console.log(`flow offered         ${PAIRS} crossing pairs/s for ${SECONDS} s through leader and follower (${flow.length.toLocaleString('en-US')} orders)`);
console.log(`accepted per node    leader ${perNode[0].toFixed(0)}/s, follower ${perNode[1].toFixed(0)}/s (non-2xx: ${flow.length - flowOk.length})`);
console.log(`POST latency         p50 ${ms(pct(latency, 50))}, p99 ${ms(pct(latency, 99))}`);
console.log(`GET book latency     p50 ${ms(pct(reads, 50))}, p99 ${ms(pct(reads, 99))} (follower, during the flow)`);
console.log(`batch interval       ${ms(interval)} achieved (${batches} batches) for ${INTERVAL} ms configured: ${(interval / INTERVAL).toFixed(2)}×`);
const perBatch = (p) => (batches > 0 ? ((phasesAfter.get(phaseKey(p)) - phasesBefore.get(phaseKey(p))) * 1000) / batches : NaN);
console.log(`leader's tick        ${PHASES.map((p) => `${p} ${perBatch(p).toFixed(1)}`).join(', ')} ms per batch (mean, during the flow)`);
const lag = (m, q) => (m.get(`kestrel_event_loop_delay_${q}_seconds`) ?? NaN) * 1000;
const sumOf = (m, prefix) => [...m].filter(([k]) => k.startsWith(prefix)).reduce((t, [, v]) => t + v, 0);
const refusedAt = (m) => [...m].filter(([k]) => k.startsWith('kestrel_inputs_refused_total')).map(([k, v]) => `${k.slice(29)} ${v}`);
const relayAnswers = [...loopDelay[1]].filter(([k]) => k.startsWith('kestrel_relay_results_total')).map(([k, v]) => `${/status="(\w+)"/.exec(k)?.[1]} ${v}`);
console.log(
  `delivery (to flow end) follower re-sent ${sumOf(loopDelay[1], 'kestrel_relay_sent_total')} inputs by relay (answered: ${relayAnswers.join(', ') || 'none'}); leader refused: ${refusedAt(loopDelay[0]).join(', ') || 'none'}`,
);
const pc = (x) => `${(100 * x).toFixed(0)}%`;
console.log(
  `CPU in the flow      leader ${pc(flowCpu.procs[0])}, follower ${pc(flowCpu.procs[1])}, anvil ${flowCpu.procs.length > 2 ? pc(flowCpu.procs[2]) : 'n/a'}, this client ${pc(flowCpu.self)} of one core; the machine ${pc(flowCpu.busy)} busy, ${pc(flowCpu.steal)} stolen by its host (of ${availableParallelism()} cores)`,
);
console.log(
  `event loop delay     ${loopDelay.map((m, n) => `${n === 0 ? 'leader' : 'follower'} p99 ${ms(lag(m, 'p99'))}, max ${ms(lag(m, 'max'))}`).join('; ')} (since start)`,
);
console.log(
  `POST→settled, both   p50 ${ms(pct(settledLatency, 50))} (${(pct(settledLatency, 50) / INTERVAL).toFixed(1)} intervals), p99 ${ms(pct(settledLatency, 99))} (${(pct(settledLatency, 99) / INTERVAL).toFixed(1)} intervals); ${settledLatency.length.toLocaleString('en-US')} orders`,
);
for (const [b, e] of slowBatches) {
  const built = seenBatch.get(b);
  console.log(
    `  slow batch ${b} (${((built ?? NaN) - flowStart).toFixed(0)} ms into the flow): ${e.orders} orders over 2 s; built ${((built ?? NaN) - e.earliestPost).toFixed(0)} ms after its first order's POST, settled as seen by leader +${(e.at[0] - built).toFixed(0)} ms, follower +${(e.at[1] - built).toFixed(0)} ms`,
  );
}
const codes = [...new Set(flow.filter((p) => p.status !== 200).map((p) => p.status))].join(', ') || 'none';
console.log(`flow refusals        ${flow.length - flowOk.length} (HTTP ${codes})`);
console.log(`refusals, all phases ${[...refusals].map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'}`);
console.log(
  `burst, one node      ${(burstOk / burstSeconds).toFixed(0)} orders/s accepted (${burstPosts.length - burstOk} refused: ${[...new Set(burstPosts.filter((p) => p.status !== 200).map((p) => p.status))].join(', ') || 'none'})`,
);
console.log(
  `burst, 50 a request  ${(batchedOk / batchedSeconds).toFixed(0)} orders/s accepted (${batchedPosts.length - batchedOk} refused: ${[...new Set(batchedPosts.filter((p) => p.status !== 200).map((p) => p.status))].join(', ') || 'none'})`,
);
console.log(
  `recovery, one core   ${recoveryPerCore.toFixed(0)} /s in this process: admission / recovery = ${(burstOk / burstSeconds / recoveryPerCore).toFixed(2)}× one by one, ${(batchedOk / batchedSeconds / recoveryPerCore).toFixed(2)}× 50 a request`,
);
// what each admitted order cost the nodes in CPU time, wherever the machine's cores went meanwhile:
// the entry node's event loop bounds what one node admits when its workers have cores of their own
const perOrder = (cpu, ok) => {
  const us = (s) => ((s * 1e6) / Math.max(1, ok)).toFixed(0);
  return `entry node: event loop ${us(cpu[1].main)} µs, all threads ${us(cpu[1].total)} µs; other node: event loop ${us(cpu[0].main)} µs, all threads ${us(cpu[0].total)} µs`;
};
const loopBound = (cpu, ok) => ok / Math.max(1e-9, cpu[1].main) / recoveryPerCore;
console.log(`CPU per order        one a request — ${perOrder(burstCpu, burstOk)}`);
console.log(`                     50 a request — ${perOrder(batchedCpu, batchedOk)}`);
console.log(
  `recovery, one order  ${(1e6 / recoveryPerCore).toFixed(0)} µs: the entry node's event loop alone admits ${loopBound(burstCpu, burstOk).toFixed(2)}× / ${loopBound(batchedCpu, batchedOk).toFixed(2)}× one core's recovery (one a request / 50 a request)`,
);
console.log(
  `RSS                  with the book resting (${restingNow.map((r) => r.toLocaleString('en-US')).join(' / ')} open orders): leader ${rssBook[0].toFixed(0)} MiB, follower ${rssBook[1].toFixed(0)} MiB; after the flow: leader ${rssFlow[0].toFixed(0)} MiB, follower ${rssFlow[1].toFixed(0)} MiB; at the end: leader ${rss[0].toFixed(0)} MiB, follower ${rss[1].toFixed(0)} MiB`,
);
console.log(
  `lost orders          ${lost.length} of ${accepted.length.toLocaleString('en-US')} accepted (the backlog decided ${drainSeconds.toFixed(0)} s after the bursts${waiting.length > 0 ? `; no order decided for the last ${STALL_MS / 1000} s` : ''})`,
);
for (const l of lost.slice(0, 10)) console.log(`  ${l}`);
if (lost.length > 0) process.exitCode = 1;
