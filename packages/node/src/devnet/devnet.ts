/**
 * A whole local network in one call: anvil from the npm package, the contracts and test tokens,
 * funded test accounts with deposits, and N node processes that find each other over libp2p on
 * 127.0.0.1. The first `operators` nodes (one by default) take turns to sequence by the chain's
 * leader schedule; the others follow. Everything lives under one data directory, created fresh
 * each time (the chain is fresh too).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createPublicClient, createWalletClient, encodeFunctionData, http, keccak256, parseUnits, toHex, zeroHash, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { deployKestrel, exchangeAbi, mockFeedAbi, testTokenAbi, timelockAbi, receiptOf } from '@kestrel/contracts';
import { startAnvil } from '@kestrel/devnet';
import { KestrelError, ErrorCode, makeSubaccount } from '@kestrel/core';
import { DEVNET_ASSETS, DEVNET_FEEDS, DEVNET_FUNDING, DEVNET_MARKETS, DEVNET_RISK } from './listing.js';
import { spawnNode, stopNode, type NodeProcess } from './process.js';
import { ConfigError, resolveConfig } from '../config.js';

/** The states anvil keeps with --block-time-ms (its --prune-history): about 5 s at 10 ms blocks. */
export const FAST_BLOCK_STATES = 512;

/** anvil's public test mnemonic: its keys are known to everyone and must never hold real funds. */
const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

export interface DevnetOptions {
  nodes: number;
  dataDir: string;
  rpcPort: number;
  /** first node's API port; the others count up (0 = any free port) */
  apiPort: number;
  traders: number;
  batchIntervalMs?: number;
  /** seconds between perp funding updates (the node's default when absent) */
  fundingIntervalSeconds?: number;
  /** seconds between the price feeds' heartbeat rounds (default 60; 0: none) */
  feedHeartbeatSeconds?: number;
  /**
   * how far a batch's clock may trail the chain's, seconds (default 30): the grace window of a
   * margin call ends this much later on the batch clock
   */
  maxBatchAge?: number;
  /** the escape hatch: a request unprocessed, or no batch, this long lets anyone freeze (default a day) */
  forceDelay?: number;
  /** after a freeze, seconds claims register before payouts (default a day) */
  claimWindow?: number;
  /** how many of the nodes are operators, each sequencing in its turn (default 1: the first node leads every epoch) */
  operators?: number;
  /** mine a block every this many ms, as MegaETH's realtime chain does (default: a block per transaction) */
  blockTimeMs?: number;
  /** the leader schedule (spec/contracts.md): seconds each operator leads, and without a batch before the next may take over (defaults an hour and 30 s) */
  epochSeconds?: number;
  takeoverSeconds?: number;
  /** environment variables over the devnet's own for every node process (a testing hook, say) */
  nodeEnv?: Record<string, string>;
  /** how long the timelock holds an admin call after set-up (default an hour) */
  timelockDelay?: number;
  /**
   * node settings for every node, as in a `kestrel start` config file (limits, rate limits, …),
   * checked before anything starts; the devnet's own fields (DEVNET_OWN_SETTINGS) are refused
   */
  nodeSettings?: Record<string, unknown>;
  /** more configuration for node `index` (0 sequences), over the devnet's: e.g. small limits in tests, its chain through a proxy (`rpcUrl` is anvil's), or its peers (the first node's addresses, once it runs) */
  nodeConfig?: (index: number, around: { rpcUrl: string; leader?: { p2p: string[]; peerId: string; api: string } }) => Record<string, unknown>;
}

/** What the devnet sets in each node's config itself: `nodeSettings` may not. */
export const DEVNET_OWN_SETTINGS = ['name', 'role', 'dataDir', 'rpcUrl', 'exchange', 'operatorKey', 'apiPort', 'p2pPort', 'bootstrap', 'syncFrom'];

/**
 * Refuses settings the devnet sets itself or a node would refuse (unknown keys, bad limits),
 * before a chain or a node starts.
 */
export function checkNodeSettings(settings: Record<string, unknown>): void {
  const own = Object.keys(settings).filter((k) => DEVNET_OWN_SETTINGS.includes(k));
  if (own.length > 0) throw new ConfigError(`the devnet sets ${own.join(', ')} itself`);
  resolveConfig({ settings, flags: { rpcUrl: 'http://127.0.0.1:8545', exchange: `0x${'00'.repeat(20)}`, role: 'follower' } });
}

/** The devnet's batch age bound: batches land within a second or two here, so 30 s is ample. */
export const DEVNET_MAX_BATCH_AGE = 30;

export interface DevnetTrader {
  address: Hex;
  privateKey: Hex;
  subaccount: Hex;
}

export interface DevnetNode extends NodeProcess {
  configFile: string;
  dataDir: string;
  role: 'sequencer' | 'follower';
}

export interface Devnet {
  rpcUrl: string;
  chainId: number;
  exchange: Hex;
  tokens: Record<string, Hex>;
  /** the mock price feeds by name ("ETH / USD") */
  feeds: Record<string, Hex>;
  traders: DevnetTrader[];
  nodes: DevnetNode[];
  /** the operators' addresses, in the chain's schedule order: node i runs with operator i's key */
  operators: Hex[];
  /** publishes a new round to a mock feed (answer in the feed's decimals), at the latest block's time */
  publishPrice(feed: string, answer: bigint): Promise<void>;
  /**
   * an admin call on the Exchange (a listing or parameter change), scheduled on the timelock and
   * executed once its delay has passed in block time (`timelockDelay`)
   */
  adminCall(functionName: string, args: readonly unknown[]): Promise<void>;
  /** with `blockTimeMs`: stops the chain's blocks (nothing is mined, as if its sequencer stalled) and starts them again */
  blocks?: { pause(): void; resume(): void };
  /** stops the node if it runs and starts it again on its disk (with `env` over the devnet's own, a fault to inject, say) */
  restartNode(index: number, env?: Record<string, string>): Promise<DevnetNode>;
  stopNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const keyOf = (index: number): Hex => {
  const acct = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index });
  return `0x${Buffer.from(acct.getHdKey().privateKey!).toString('hex')}` as Hex;
};

export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  if (opts.nodeSettings) checkNodeSettings(opts.nodeSettings);
  const dataDir = resolve(opts.dataDir);
  await clearDevnetDir(dataDir);
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, DEVNET_MARKER), '{}\n');
  const anvil = await startAnvil({
    port: opts.rpcPort,
    // a block every few ms: each asked for once the last is mined (startAnvil's block clock; anvil's
    // own --block-time queues a block a tick, and on a busy machine a transaction waited minutes
    // behind the queue). anvil keeps every block's state in memory by default, which at that pace
    // slows it too; it keeps the last 512 (reads at older blocks are not served: the node reads at
    // recent ones).
    ...(opts.blockTimeMs !== undefined ? { blockIntervalMs: opts.blockTimeMs, args: ['--prune-history', String(FAST_BLOCK_STATES)] } : {}),
  });
  try {
    const transport = http(anvil.url);
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
    const admin = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: 0 });
    // the chain lets only the epoch's operator settle (spec/contracts.md, the leader schedule): the
    // first `operators` nodes are operators, registered in node order, each sequencing in its turn
    // (by default one: it leads every epoch)
    const operatorCount = opts.operators ?? 1;
    if (!Number.isInteger(operatorCount) || operatorCount < 1 || operatorCount > opts.nodes) {
      throw new KestrelError(ErrorCode.INTERNAL, `devnet: operators must be 1 to ${opts.nodes}`);
    }
    const operatorKeys = Array.from({ length: operatorCount }, (_, i) => keyOf(1 + i));
    const operators = operatorKeys.map((_, i) => mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: 1 + i }).address);
    const wallet = createWalletClient({ chain: foundry, transport, account: admin });
    const deployed = await deployKestrel({
      walletClient: wallet,
      publicClient,
      admin: admin.address,
      operators,
      feeSubaccount: makeSubaccount(admin.address, 'fees') as Hex,
      insuranceSubaccount: makeSubaccount(admin.address, 'insurance') as Hex,
      mockFeeds: DEVNET_FEEDS,
      ...DEVNET_RISK,
      // listings and parameter changes after set-up wait an hour in the timelock, as on a real
      // network they would wait days
      timelockDelay: opts.timelockDelay ?? 3600,
      maxBatchAge: opts.maxBatchAge ?? DEVNET_MAX_BATCH_AGE,
      forceDelay: opts.forceDelay ?? 86_400,
      claimWindow: opts.claimWindow ?? 86_400,
      ...(opts.epochSeconds !== undefined ? { epochSeconds: opts.epochSeconds } : {}),
      ...(opts.takeoverSeconds !== undefined ? { takeoverSeconds: opts.takeoverSeconds } : {}),
      assets: DEVNET_ASSETS,
      markets: DEVNET_MARKETS,
    });
    const lastAnswer = new Map(DEVNET_FEEDS.map((f) => [f.name, f.answer]));
    const publishPrice = async (feed: string, answer: bigint): Promise<void> => {
      const address = deployed.mockFeeds[feed];
      if (!address) throw new KestrelError(ErrorCode.INTERNAL, `no feed ${feed}`);
      const { timestamp } = await publicClient.getBlock();
      const hash = await wallet.writeContract({ address, abi: mockFeedAbi, functionName: 'publish', args: [answer, timestamp] });
      await receiptOf(publicClient, hash);
      lastAnswer.set(feed, answer);
    };
    // A heartbeat, as Chainlink's feeds have: the same answer again, so prices never go stale.
    const heartbeatMs = (opts.feedHeartbeatSeconds ?? 60) * 1000;
    let beating: Promise<unknown> = Promise.resolve();
    const heartbeat =
      heartbeatMs > 0
        ? setInterval(() => {
            beating = Promise.all([...lastAnswer].map(([feed, answer]) => publishPrice(feed, answer))).catch(() => undefined);
          }, heartbeatMs)
        : undefined;
    heartbeat?.unref();
    const traders = await fundTraders(anvil.url, deployed.exchange, deployed.tokens, opts.traders, 1 + opts.nodes);

    const nodes: DevnetNode[] = [];
    // Operators catch up from one another (a leader that lost a race for a batch, a node back
    // from a crash): each is given every other node's API, so the ports are chosen before any
    // starts. A single sequencer's followers need only it, known once it is up.
    const apiPorts =
      operatorCount > 1 ? (opts.apiPort === 0 ? await freePorts(opts.nodes) : Array.from({ length: opts.nodes }, (_, i) => opts.apiPort + i)) : null;
    const writeConfig = async (i: number): Promise<DevnetNode['configFile']> => {
      const nodeDir = join(dataDir, `node-${i + 1}`);
      await mkdir(nodeDir, { recursive: true });
      const leader = nodes[0];
      const config = {
        ...opts.nodeSettings,
        name: `node-${i + 1}`,
        role: i < operatorCount ? 'sequencer' : 'follower',
        dataDir: nodeDir,
        rpcUrl: anvil.url,
        exchange: deployed.exchange,
        ...(i < operatorCount ? { operatorKey: operatorKeys[i] } : {}),
        apiPort: apiPorts ? apiPorts[i]! : opts.apiPort === 0 ? 0 : opts.apiPort + i,
        p2pPort: 0,
        bootstrap: leader ? leader.p2p.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${leader.peerId}`)) : [],
        syncFrom: apiPorts ? apiPorts.filter((_, j) => j !== i).map((port) => `http://127.0.0.1:${port}`) : nodes.slice(0, i).map((n) => n.api),
        ...(opts.batchIntervalMs ? { batchIntervalMs: opts.batchIntervalMs } : {}),
        ...(opts.fundingIntervalSeconds ? { fundingIntervalSeconds: opts.fundingIntervalSeconds } : {}),
        ...opts.nodeConfig?.(i, { rpcUrl: anvil.url, ...(leader ? { leader: { p2p: leader.p2p, peerId: leader.peerId, api: leader.api } } : {}) }),
      };
      const file = join(nodeDir, 'config.json');
      await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
      return file;
    };
    const launch = async (i: number, configFile: string, env?: Record<string, string>): Promise<DevnetNode> => {
      const nodeDir = join(dataDir, `node-${i + 1}`);
      const p = await spawnNode(`node-${i + 1}`, configFile, join(nodeDir, 'node.log'), undefined, { ...opts.nodeEnv, ...env });
      // A node restarted on a new port is reachable again only at its old libp2p port if that was
      // fixed; followers dial the leader, so only the leader's address must stay stable.
      return { ...p, configFile, dataDir: nodeDir, role: i < operatorCount ? 'sequencer' : 'follower' };
    };
    for (let i = 0; i < opts.nodes; i++) {
      const file = await writeConfig(i);
      if (i === 0) {
        // pin the leader's ports after its first start so that restarts keep its addresses
        const first = await launch(0, file);
        nodes.push(first);
        await pinPorts(file, first);
      } else {
        nodes.push(await launch(i, file));
      }
    }
    let adminCalls = 0;
    const devnet: Devnet = {
      rpcUrl: anvil.url,
      chainId: foundry.id,
      exchange: deployed.exchange,
      tokens: deployed.tokens,
      feeds: deployed.mockFeeds,
      traders,
      nodes,
      operators: operators.map((a) => a.toLowerCase() as Hex),
      ...(anvil.blocks ? { blocks: anvil.blocks } : {}),
      publishPrice,
      async adminCall(functionName, args) {
        const data = encodeFunctionData({ abi: exchangeAbi, functionName, args } as never);
        const salt = keccak256(toHex(`${deployed.exchange}:${++adminCalls}`));
        const call = [deployed.exchange, 0n, data, zeroHash, salt] as const;
        const delay = BigInt(opts.timelockDelay ?? 3600);
        await receiptOf(
          publicClient,
          await wallet.writeContract({ address: deployed.timelock, abi: timelockAbi, functionName: 'schedule', args: [...call, delay] }),
        );
        const ready = (await publicClient.getBlock()).timestamp + delay;
        while ((await publicClient.getBlock()).timestamp < ready) await new Promise((r) => setTimeout(r, 500));
        await receiptOf(publicClient, await wallet.writeContract({ address: deployed.timelock, abi: timelockAbi, functionName: 'execute', args: call }));
      },
      async restartNode(i, env) {
        const old = nodes[i];
        if (!old) throw new KestrelError(ErrorCode.INTERNAL, `no node ${i}`);
        await stopNode(old);
        // back, it catches up from every other node: what they settled while it was down
        await pinPorts(
          old.configFile,
          old,
          nodes.filter((_, j) => j !== i).map((n) => n.api),
        );
        nodes[i] = await launch(i, old.configFile, env);
        return nodes[i]!;
      },
      async stopNode(i, signal = 'SIGTERM') {
        const n = nodes[i];
        if (n) await stopNode(n, signal);
      },
      async stop() {
        clearInterval(heartbeat);
        await beating;
        await Promise.all(nodes.map((n) => stopNode(n)));
        await anvil.stop();
      },
    };
    await writeFile(
      join(dataDir, 'devnet.json'),
      `${JSON.stringify({ rpcUrl: anvil.url, chainId: foundry.id, exchange: deployed.exchange, timelock: deployed.timelock, tokens: deployed.tokens, feeds: deployed.mockFeeds, nodes: nodes.map((n) => ({ name: n.name, role: n.role, api: n.api, p2p: n.p2p })), traders }, null, 2)}\n`,
    );
    return devnet;
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** The file that marks a folder as a devnet's: only such a folder (or an empty one) is wiped. */
export const DEVNET_MARKER = 'devnet.json';

async function clearDevnetDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return; // does not exist yet
  }
  if (entries.length > 0 && !entries.includes(DEVNET_MARKER)) {
    throw new KestrelError(ErrorCode.INTERNAL, `${dir} is not empty and is not a devnet folder (no ${DEVNET_MARKER}); refusing to wipe it`);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Rewrites a node's config with the ports it got, so a restart binds the same ones. */
/** `count` TCP ports free on 127.0.0.1 now (each was bound and let go). */
async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => (srv.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

/** Fixes a node's ports in its config to the ones it has (and, given, the peers it catches up from). */
async function pinPorts(configFile: string, p: NodeProcess, syncFrom?: string[]): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const cfg = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  if (syncFrom) cfg.syncFrom = syncFrom;
  cfg.apiPort = Number(new URL(p.api).port);
  const tcp = p.p2p.map((a) => /\/tcp\/(\d+)/.exec(a)?.[1]).find(Boolean);
  if (tcp) cfg.p2pPort = Number(tcp);
  await writeFile(configFile, `${JSON.stringify(cfg, null, 2)}\n`);
}

/** Mints test tokens to each trader and deposits part of them into its `main` subaccount. */
async function fundTraders(rpcUrl: string, exchange: Hex, tokens: Record<string, Hex>, count: number, firstIndex: number): Promise<DevnetTrader[]> {
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  const out: DevnetTrader[] = [];
  for (let t = 0; t < count; t++) {
    const account = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: firstIndex + t });
    const wallet = createWalletClient({ chain: foundry, transport, account });
    const subaccount = makeSubaccount(account.address, 'main') as Hex;
    for (const [assetId, asset] of DEVNET_ASSETS.entries()) {
      const token = tokens[asset.symbol]!;
      const { mint, deposit } = DEVNET_FUNDING[asset.symbol]!;
      const minted = parseUnits(mint, asset.decimals);
      const deposited = parseUnits(deposit, asset.decimals);
      const hashes: Hex[] = [];
      hashes.push(await wallet.writeContract({ address: token, abi: testTokenAbi, functionName: 'mint', args: [account.address, minted] }));
      hashes.push(await wallet.writeContract({ address: token, abi: testTokenAbi, functionName: 'approve', args: [exchange, deposited] }));
      for (const h of hashes) await receiptOf(publicClient, h);
      const h = await wallet.writeContract({ address: exchange, abi: exchangeAbi, functionName: 'deposit', args: [subaccount, assetId, deposited] });
      await receiptOf(publicClient, h);
    }
    out.push({ address: account.address, privateKey: keyOf(firstIndex + t), subaccount });
  }
  return out;
}
