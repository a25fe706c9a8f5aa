/**
 * Node configuration: defaults (with their reasons) < a JSON config file < KESTREL_* environment
 * variables < command-line flags. Every limit is explicit and has a default here.
 */
import { PROPOSAL_RATE_LIMIT } from './gossip/proposal-gate.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, isHex, type Hex } from '@kestrel/core';
import { DEFAULT_MEMPOOL_LIMITS, type MempoolLimits } from './mempool/mempool.js';
import { DEFAULT_ARCHIVE_RETENTION_SECONDS } from './store/archive.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './relay/limits.js';
import { DEFAULT_SEND_POLICY, MIN_FEE_BUMP_PERCENT, type SendPolicy } from './chain/send-tx.js';
import { MAX_HEAP_GROWING_ABOVE_MIB, MAX_HEAP_GROWING_PERCENT } from './util/heap-tuning.js';
import type { LogLevel } from './util/log.js';
import type { RateLimit } from './util/rate-limit.js';

export interface NodeConfig {
  name: string;
  role: 'sequencer' | 'follower';
  dataDir: string;
  rpcUrl: string;
  exchange: Hex;
  /** the operator key the sequencer settles with; followers need none */
  operatorKey?: Hex;
  apiHost: string;
  apiPort: number;
  p2pHost: string;
  p2pPort: number;
  /** multiaddrs (with /p2p/<peerId>) to connect to and keep connected */
  bootstrap: string[];
  /** peer API URLs a follower fetches missed batches from */
  syncFrom: string[];
  /**
   * how a node with no batch on disk joins a network whose chain settled some: from a peer's
   * snapshot checked against the chain ('snapshot'), or by replaying every batch ('batches')
   */
  catchUpFrom: 'snapshot' | 'batches';
  /** how long a joining node waits for the chain to settle the batch a peer's snapshot stands at, ms */
  snapshotWaitMs: number;
  /** the most bytes a joining node reads of one peer's snapshot */
  maxSnapshotBytes: number;
  /** snapshots this node streams to joining peers at once (0: it serves none) */
  maxSnapshotStreams: number;
  batchIntervalMs: number;
  /** seconds between funding updates of each perp (spec/perps.md) */
  fundingIntervalSeconds: number;
  maxBatchOrders: number;
  maxBatchRequests: number;
  syncIntervalMs: number;
  maxGossipBytes: number;
  /** how long a bundle of this node's admitted inputs waits for more before it is gossiped, ms (0: one turn of the event loop) */
  gossipLingerMs: number;
  /** how far the `kestrel start` process lets its old generation grow past the live heap, %, once that is above `heapGrowingAboveMib` (0: V8's own heuristic at any size; util/heap-tuning.ts) */
  heapGrowingPercent: number;
  /** the live heap, MiB, above which `heapGrowingPercent` holds (0: at any size; util/heap-tuning.ts) */
  heapGrowingAboveMib: number;
  mempool: MempoolLimits;
  /** how long finished orders stay queryable, seconds (store/archive.ts) */
  archiveRetentionSeconds: number;
  /**
   * whether this node keeps the history of trades, fills, order changes and funding it serves
   * (store/history.ts): 'keep', or 'none' for a node whose reads others serve (a third more bytes
   * written per order are saved; its history endpoints answer NOT_FOUND and streams do not resume)
   */
  history: 'keep' | 'none';
  /**
   * the engine's open-order caps (spec/matching.md): every node of a network must run the same
   * values, since followers replay the sequencer's inputs and must answer them alike
   */
  engineLimits: EngineLimitsConfig;
  /** per client address, for POST endpoints */
  apiRateLimit: RateLimit;
  /** per client address, for GET endpoints (its own bucket: reading never starves writing) */
  apiReadRateLimit: RateLimit;
  /** open API connections (HTTP and WebSocket) in all; past it a new one is closed at once */
  apiMaxConnections: number;
  /** open API connections per client address */
  apiMaxConnectionsPerAddress: number;
  /** per peer (the one that relayed the message), for gossiped orders and cancels */
  gossipRateLimit: RateLimit;
  /** per peer, for gossiped batch proposals (see PROPOSAL_RATE_LIMIT) */
  proposalRateLimit: RateLimit;
  /** the Retry-After header (seconds) of a 503 (a full mempool) or 429 answer */
  retryAfterSeconds: number;
  /** the re-send and exchange of pending inputs (relay/limits.ts, spec/node.md Delivery) */
  relay: RelayLimits;
  /** how the operator's transactions are replaced when not mined in time (chain/send-tx.ts) */
  chainTx: SendPolicy;
  logLevel: LogLevel;
}

/** The engine's open-order caps, each set (core's DEFAULT_LIMITS when not configured). */
export interface EngineLimitsConfig {
  maxOpenOrdersPerSubaccount: number;
  maxOpenOrdersPerOwner: number;
}

export const DEFAULTS = {
  name: 'kestrel',
  role: 'follower',
  dataDir: '.kestrel/node',
  apiHost: '127.0.0.1',
  apiPort: 8545 + 1000, // 9545: beside a local chain's 8545
  p2pHost: '127.0.0.1',
  p2pPort: 0,
  bootstrap: [],
  syncFrom: [],
  // spec/node.md "Joining from a snapshot": what the state weighs, not what the history does
  catchUpFrom: 'snapshot',
  // a peer's snapshot stands at its last batch, which the chain settles within a batch or two
  snapshotWaitMs: 30_000,
  // ~1.2 KB a resting order on the wire: room for several million
  maxSnapshotBytes: 8 * 1024 ** 3,
  // each holds a LevelDB snapshot and a core's share while it streams
  maxSnapshotStreams: 2,
  // spec/node.md: a batch every 250 ms keeps latency low without one transaction per order.
  batchIntervalMs: 250,
  // spec/perps.md: funding each hour, the interval dYdX and Hyperliquid use.
  fundingIntervalSeconds: 3600,
  // Bounds a batch's calldata and gas (about 2 M gas at 50 fills); the rest waits for the next tick.
  maxBatchOrders: 500,
  maxBatchRequests: 64,
  // How soon a follower sees a batch settle (it reads the chain's lastBatchId): a fifth of a second
  // is under one batch interval, at one cheap call per round.
  syncIntervalMs: 200,
  // An order or cancel is under 1 KiB; a proposal of maxBatchOrders inputs stays under 1 MiB.
  maxGossipBytes: 1024 * 1024,
  // A steady stream of single orders goes out a few to a message (each message costs both ends
  // far more than its bytes) at under a tenth of the default batch interval.
  gossipLingerMs: 20,
  // util/heap-tuning.ts. Held to 15% from the start, a million-order node's RSS went from ~1.3
  // GiB to ~1.0, but at 100k resting it cost each node ~10% of a core and POST p99 80 → 100 ms.
  // So the percentage holds only where the slack is hundreds of MiB: from a live heap of 256 MiB
  // (~750k resting orders), at 25%; a smaller book keeps V8's heuristic and its latency.
  heapGrowingPercent: 25,
  heapGrowingAboveMib: 256,
  mempool: DEFAULT_MEMPOOL_LIMITS,
  archiveRetentionSeconds: Number(DEFAULT_ARCHIVE_RETENTION_SECONDS),
  history: 'keep',
  // core's defaults, explained there (DEFAULT_LIMITS)
  engineLimits: { ...DEFAULT_LIMITS },
  // A market maker re-quoting a ladder a few times a second fits; a flood from one address does not.
  apiRateLimit: { perSecond: 200, burst: 400 },
  apiReadRateLimit: { perSecond: 1000, burst: 2000 },
  // A descriptor each, well under the usual 65,536 per process (LevelDB and the peers need theirs);
  // one address may keep a client's pool of keep-alive connections, not the node's whole table.
  apiMaxConnections: 4096,
  apiMaxConnectionsPerAddress: 512,
  // A peer relays the inputs of all its clients: ten times one client's allowance, and far above
  // what signature checks can keep up with anyway, so only a flood is cut.
  gossipRateLimit: { perSecond: 2000, burst: 4000 },
  proposalRateLimit: { ...PROPOSAL_RATE_LIMIT },
  // Four batches at the default interval: long enough for the mempool to drain a batch's worth.
  retryAfterSeconds: 1,
  relay: DEFAULT_RELAY_LIMITS,
  // chain/send-tx.ts: a few blocks of a slow chain before a replacement; pools take a replacement
  // that pays at least 10% more
  chainTx: DEFAULT_SEND_POLICY,
  logLevel: 'info',
} as const satisfies Partial<NodeConfig>;

/** The longest a node lets a bundle of its admitted inputs wait before gossiping it, ms. */
export const MAX_GOSSIP_LINGER_MS = 1_000;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Raw = Record<string, unknown>;

/** Fields that must be at least 1: zero would spin a loop or refuse everything. */
const POSITIVE = new Set([
  'batchIntervalMs',
  'fundingIntervalSeconds',
  'maxBatchOrders',
  'maxBatchRequests',
  'syncIntervalMs',
  'maxGossipBytes',
  'retryAfterSeconds',
  'apiMaxConnections',
  'apiMaxConnectionsPerAddress',
  'snapshotWaitMs',
  'maxSnapshotBytes',
]);

const FIELDS: Record<string, 'string' | 'int' | 'list' | 'hex'> = {
  name: 'string',
  role: 'string',
  dataDir: 'string',
  rpcUrl: 'string',
  exchange: 'hex',
  operatorKey: 'hex',
  apiHost: 'string',
  apiPort: 'int',
  p2pHost: 'string',
  p2pPort: 'int',
  bootstrap: 'list',
  syncFrom: 'list',
  catchUpFrom: 'string',
  snapshotWaitMs: 'int',
  maxSnapshotBytes: 'int',
  maxSnapshotStreams: 'int',
  batchIntervalMs: 'int',
  fundingIntervalSeconds: 'int',
  maxBatchOrders: 'int',
  maxBatchRequests: 'int',
  syncIntervalMs: 'int',
  maxGossipBytes: 'int',
  gossipLingerMs: 'int',
  heapGrowingPercent: 'int',
  heapGrowingAboveMib: 'int',
  archiveRetentionSeconds: 'int',
  history: 'string',
  retryAfterSeconds: 'int',
  apiMaxConnections: 'int',
  apiMaxConnectionsPerAddress: 'int',
  logLevel: 'string',
};

/** KESTREL_RPC_URL → rpcUrl */
function envName(field: string): string {
  return `KESTREL_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function coerce(field: string, v: unknown): unknown {
  const kind = FIELDS[field];
  if (kind === 'int') {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${field}: expected a non-negative integer`);
    if (POSITIVE.has(field) && n < 1) throw new ConfigError(`${field}: must be at least 1`);
    return n;
  }
  if (kind === 'list') {
    if (Array.isArray(v)) return v.map(String);
    return String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (kind === 'hex') {
    if (!isHex(v)) throw new ConfigError(`${field}: expected 0x hex`);
    return v;
  }
  return String(v);
}

const RATE_LIMITS = ['apiRateLimit', 'apiReadRateLimit', 'gossipRateLimit', 'proposalRateLimit'];

function checkRateLimit(name: string, rl: Raw): void {
  if (!(typeof rl.perSecond === 'number' && rl.perSecond > 0 && Number.isInteger(rl.burst) && (rl.burst as number) >= 1)) {
    throw new ConfigError(`${name}: expected {perSecond > 0, burst ≥ 1}`);
  }
}

/** The file's `relay` over the defaults: known keys only, `rateLimit` merged field by field. */
function mergeRelay(into: Raw, from: Raw): void {
  for (const [k, v] of Object.entries(from)) {
    if (!(k in DEFAULT_RELAY_LIMITS)) throw new ConfigError(`unknown config key: relay.${k}`);
    if (k === 'rateLimit' && typeof v === 'object' && v) into.rateLimit = { ...(into.rateLimit as Raw), ...(v as Raw) };
    else into[k] = v;
  }
}

/** Limits nested in the file's objects, as flat names for flags and the environment (KESTREL_MEMPOOL_MAX_PER_OWNER …). */
export const NESTED_LIMITS: Record<string, readonly ['mempool' | 'engineLimits' | 'chainTx', string]> = {
  maxOpenOrdersPerSubaccount: ['engineLimits', 'maxOpenOrdersPerSubaccount'],
  maxOpenOrdersPerOwner: ['engineLimits', 'maxOpenOrdersPerOwner'],
  mempoolMaxTotal: ['mempool', 'maxTotal'],
  mempoolMaxPerSubaccount: ['mempool', 'maxPerSubaccount'],
  mempoolMaxPerOwner: ['mempool', 'maxPerOwner'],
  txReplaceAfterMs: ['chainTx', 'replaceAfterMs'],
  txFeeBumpPercent: ['chainTx', 'feeBumpPercent'],
  txMaxFeeBumps: ['chainTx', 'maxFeeBumps'],
};

/** The objects of limits a config file may give in part (the rest keep their defaults). */
const LIMIT_OBJECTS: Record<string, readonly string[]> = {
  mempool: ['maxTotal', 'maxPerSubaccount', 'maxPerOwner'],
  engineLimits: ['maxOpenOrdersPerSubaccount', 'maxOpenOrdersPerOwner'],
  chainTx: ['replaceAfterMs', 'feeBumpPercent', 'maxFeeBumps'],
};

/**
 * The configuration from its layers. `settings` stands in for a file's contents (the devnet
 * checks the settings it gives every node with it).
 */
export function resolveConfig(opts: { file?: string; settings?: Raw; env?: NodeJS.ProcessEnv; flags?: Raw }): NodeConfig {
  const merged: Raw = {
    ...DEFAULTS,
    mempool: { ...DEFAULTS.mempool },
    engineLimits: { ...DEFAULTS.engineLimits },
    apiRateLimit: { ...DEFAULTS.apiRateLimit },
    apiReadRateLimit: { ...DEFAULTS.apiReadRateLimit },
    gossipRateLimit: { ...DEFAULTS.gossipRateLimit },
    proposalRateLimit: { ...DEFAULTS.proposalRateLimit },
    relay: { ...DEFAULTS.relay, rateLimit: { ...DEFAULTS.relay.rateLimit } },
    chainTx: { ...DEFAULTS.chainTx },
  };
  if (opts.file || opts.settings) {
    let fromFile: Raw;
    try {
      fromFile = opts.settings ?? (JSON.parse(readFileSync(opts.file!, 'utf8')) as Raw);
    } catch (err) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new ConfigError('the config must be a JSON object');
    for (const [k, v] of Object.entries(fromFile)) {
      if (k in LIMIT_OBJECTS && typeof v === 'object' && v) {
        for (const [kk, vv] of Object.entries(v as Raw)) {
          if (!LIMIT_OBJECTS[k]!.includes(kk)) throw new ConfigError(`unknown config key: ${k}.${kk}`);
          (merged[k] as Raw)[kk] = vv;
        }
      } else if (k === 'relay' && typeof v === 'object' && v) mergeRelay(merged.relay as Raw, v as Raw);
      else if (RATE_LIMITS.includes(k) && typeof v === 'object' && v) merged[k] = { ...(merged[k] as Raw), ...v };
      else if (k in FIELDS) merged[k] = coerce(k, v);
      else throw new ConfigError(`unknown config key: ${k}`);
    }
  }
  const env = opts.env ?? {};
  for (const k of Object.keys(FIELDS)) {
    const v = env[envName(k)];
    if (v !== undefined && v !== '') merged[k] = coerce(k, v);
  }
  for (const [k, v] of Object.entries(opts.flags ?? {})) {
    if (v !== undefined && k in FIELDS) merged[k] = coerce(k, v);
  }
  // the nested limits by their flat names: environment, then flags
  for (const [flat, [obj, key]] of Object.entries(NESTED_LIMITS)) {
    for (const v of [env[envName(flat)], opts.flags?.[flat]]) {
      if (v === undefined || v === '') continue;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${obj}.${key}: expected a positive integer`);
      (merged[obj] as Raw)[key] = n;
    }
  }
  if (merged.catchUpFrom !== 'snapshot' && merged.catchUpFrom !== 'batches') throw new ConfigError('catchUpFrom: expected snapshot or batches');
  if (merged.history !== 'keep' && merged.history !== 'none') throw new ConfigError('history: expected keep or none');
  if (merged.role !== 'sequencer' && merged.role !== 'follower') throw new ConfigError('role: expected sequencer or follower');
  if (typeof merged.rpcUrl !== 'string' || !merged.rpcUrl) throw new ConfigError('rpcUrl is required (--rpc-url, KESTREL_RPC_URL or the config file)');
  if (!isHex(merged.exchange, 20)) throw new ConfigError('exchange is required: the Exchange contract address');
  if (merged.role === 'sequencer' && !isHex(merged.operatorKey, 32)) throw new ConfigError('a sequencer needs operatorKey (32-byte hex)');
  for (const [obj, keys] of Object.entries(LIMIT_OBJECTS)) {
    const o = merged[obj] as Raw;
    for (const k of keys) if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 1) throw new ConfigError(`${obj}.${k}: expected a positive integer`);
  }
  for (const k of RATE_LIMITS) checkRateLimit(k, merged[k] as Raw);
  const relay = merged.relay as Raw;
  for (const k of Object.keys(DEFAULT_RELAY_LIMITS)) {
    if (k === 'rateLimit') checkRateLimit('relay.rateLimit', relay.rateLimit as Raw);
    else if (!Number.isSafeInteger(relay[k]) || (relay[k] as number) < 1) throw new ConfigError(`relay.${k}: expected a positive integer`);
  }
  if ((merged.chainTx as SendPolicy).feeBumpPercent < MIN_FEE_BUMP_PERCENT) {
    throw new ConfigError(`chainTx.feeBumpPercent: at least ${MIN_FEE_BUMP_PERCENT} (pools refuse a replacement that pays less more)`);
  }
  // past a second, gossip would trail the relay's own re-sends (relay.firstResendMs)
  if ((merged.heapGrowingPercent as number) > MAX_HEAP_GROWING_PERCENT) throw new ConfigError(`heapGrowingPercent: at most ${MAX_HEAP_GROWING_PERCENT}`);
  if ((merged.heapGrowingAboveMib as number) > MAX_HEAP_GROWING_ABOVE_MIB) throw new ConfigError(`heapGrowingAboveMib: at most ${MAX_HEAP_GROWING_ABOVE_MIB}`);
  if ((merged.gossipLingerMs as number) > MAX_GOSSIP_LINGER_MS) throw new ConfigError(`gossipLingerMs: at most ${MAX_GOSSIP_LINGER_MS}`);
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(String(merged.logLevel))) throw new ConfigError('logLevel: debug, info, warn, error or silent');
  return merged as unknown as NodeConfig;
}
