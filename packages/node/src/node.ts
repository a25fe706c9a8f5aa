/**
 * The Kestrel node. How an order flows:
 *
 *   client ──POST /v1/orders──▶ verify (signature, market, tick, lot…) ──▶ mempool ──gossip──▶ peers
 *                                                                            │
 *   sequencer (leader), every batchInterval:                                 ▼
 *     mempool (arrival order) + chain request queue ──▶ core engine ──▶ fills ──▶ simulate settleBatch
 *        ──▶ commit to LevelDB ──▶ gossip proposal ──▶ submit settleBatch ──▶ receipt
 *   followers: proposal ──▶ same core engine ──▶ same state hash? ──▶ commit
 *
 * Clients follow it over HTTP and the WebSocket channels of /v1/ws (book, trades, account with
 * margin-call warnings, batches). Components are created here and started/stopped together; each
 * has one job.
 */
import { proposalToWire, decodeInput, inputToWire } from '@kestrel/api';
import './polyfill.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { privateKeyToAccount } from 'viem/accounts';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import {
  domainSeparator,
  ErrorCode,
  KestrelError,
  MAX_PLAN_MARKETS,
  MAX_PLAN_SLIPPAGE_BPS,
  type Hex,
  type RiskPlan,
  isSigned,
  type BatchInput,
  type SignedInput,
} from '@kestrel/core';
import { verifyProposalInputs } from './batch.js';
import { admitProposal } from './p2p/proposal-gate.js';
import { orderAdmission } from './admission.js';
import { engineConfigOf, ExchangeChain, type ChainListing } from './chain/exchange.js';
import { nativeRecoveryLoaded, recoverAddress } from './crypto/recover.js';
import { RecoverPool } from './crypto/recover-pool.js';
import { Follower } from './follower.js';
import { assertSigned } from './inputs.js';
import { CANCEL_WINDOW_SECONDS, Ledger } from './ledger.js';
import { createLogger, type Logger } from './log.js';
import { decodeGossip, encodeGossip, GossipKind, topicsFor } from './p2p/codec.js';
import { startNetwork, type Network, type Verdict } from './p2p/network.js';
import { Metrics } from './metrics.js';
import { heartbeatFor, Sequencer } from './sequencer.js';
import { NodeStore } from './store/store.js';
import { buildRouter } from './api/routes.js';
import { startHttp } from './api/http.js';
import { WsHub } from './api/ws.js';
import { RateLimiter } from './rate-limit.js';
import type { NodeConfig } from './config.js';

export const NODE_VERSION = '0.1.0';

export class KestrelNode {
  private server: Server | null = null;
  private ws: WsHub | null = null;
  private sequencer: Sequencer | null = null;
  follower: Follower | null = null;
  private stopping = false;
  /** signature recovery on worker threads (null without the native binding: recovered in place) */
  private recoverPool: RecoverPool | null = null;
  readonly metrics = new Metrics();
  private readonly count = {
    submitted: this.metrics.counter('kestrel_inputs_submitted_total', 'signed inputs accepted through the API'),
    gossipAccepted: this.metrics.counter('kestrel_gossip_accepted_total', 'gossiped inputs accepted into the mempool'),
    gossipRejected: this.metrics.counter('kestrel_gossip_rejected_total', 'gossip messages rejected as malformed or badly signed'),
    gossipThrottled: this.metrics.counter('kestrel_gossip_throttled_total', 'gossiped inputs ignored because their relaying peer exceeded gossipRateLimit'),
    proposalsThrottled: this.metrics.counter(
      'kestrel_gossip_proposals_throttled_total',
      'gossiped proposals ignored because their relaying peer exceeded proposalRateLimit',
    ),
    batches: this.metrics.counter('kestrel_batches_total', 'batches applied'),
    fills: this.metrics.counter('kestrel_fills_total', 'fills in applied batches'),
  };

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly listing: ChainListing,
    readonly chain: ExchangeChain,
    readonly ledger: Ledger,
    readonly network: Network,
    private readonly store: NodeStore,
    readonly topics: { orders: string; batches: string },
  ) {}

  get role(): 'sequencer' | 'follower' {
    return this.config.role;
  }

  get domainSep(): Hex {
    return this.ledger.domainSep;
  }

  apiUrl(): string {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? `http://127.0.0.1:${addr.port}` : '';
  }

  static async start(config: NodeConfig): Promise<KestrelNode> {
    const log = createLogger(config.name, config.logLevel);
    if (!nativeRecoveryLoaded) log.warn('native secp256k1 did not load; signature checks use the slower pure-JS path');
    await mkdir(config.dataDir, { recursive: true });
    const chain = new ExchangeChain(config.rpcUrl, config.exchange, config.operatorKey);
    const listing = await chain.listing();
    const engineConfig = engineConfigOf(listing);
    const domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: BigInt(listing.chainId), verifyingContract: listing.exchange });
    const store = await NodeStore.open(join(config.dataDir, 'db'));
    const ledger = await Ledger.open(engineConfig, domainSep, store, config.mempool);
    const topics = topicsFor(listing.chainId, listing.exchange);
    const network = await startNetwork({
      privateKey: await loadPeerKey(config.dataDir),
      listen: [`/ip4/${config.p2pHost}/tcp/${config.p2pPort}`],
      bootstrap: config.bootstrap,
      topics,
      maxMessageBytes: config.maxGossipBytes,
      log: (msg, fields) => log.info(msg, fields),
    });
    const node = new KestrelNode(config, log, listing, chain, ledger, network, store, topics);
    node.recoverPool = RecoverPool.start();
    node.instrument();
    subscribeGossip(network, topics, { input: (data) => node.onGossipInput(data), proposal: (data) => node.onGossipProposal(data) }, config, {
      inputThrottled: () => node.count.gossipThrottled(),
      proposalThrottled: () => node.count.proposalsThrottled(),
    });
    node.server = await startHttp(buildRouter(node), config.apiHost, config.apiPort, log, new RateLimiter(config.apiRateLimit));
    node.ws = new WsHub({ server: node.server, ledger, listing, log });
    if (config.role === 'sequencer') {
      const operator = privateKeyToAccount(config.operatorKey!);
      if (!(await chain.isOperator(operator.address))) {
        await node.stop();
        throw new Error(`the operator key's address ${operator.address} is not an operator of the Exchange`);
      }
      node.sequencer = new Sequencer({
        ledger,
        chain,
        log,
        publish: (p) => network.publish(topics.batches, encodeGossip(GossipKind.PROPOSAL, proposalToWire(p))),
        sign: (digest) => operator.sign({ hash: digest }),
        nowSeconds: () => BigInt(Math.floor(Date.now() / 1000)),
        batchIntervalMs: config.batchIntervalMs,
        maxBatchOrders: config.maxBatchOrders,
        maxBatchRequests: config.maxBatchRequests,
        feeds: listing.feeds,
        perps: listing.markets.filter((m) => m.kind === 'PERP').map((m) => m.marketId),
        fundingIntervalSeconds: config.fundingIntervalSeconds,
        heartbeatSeconds: heartbeatFor(listing.forceDelay),
      });
      node.sequencer.start();
    } else {
      node.follower = new Follower({ ledger, chain, log, syncFrom: config.syncFrom, pollIntervalMs: config.syncIntervalMs, feeds: listing.feeds });
      node.follower.start();
    }
    log.info('node started', {
      role: config.role,
      api: node.apiUrl(),
      p2p: network.addresses(),
      peerId: network.peerId,
      lastBatchId: String(ledger.lastBatchId),
    });
    return node;
  }

  private instrument(): void {
    const { ledger, metrics } = this;
    ledger.onCommit = (p, events) => {
      this.count.batches();
      this.count.fills(events.filter((e) => e.kind === 'fill').length);
      this.ws?.onBatch(p, events);
    };
    metrics.gauge('kestrel_mempool_size', 'unsequenced inputs in the mempool', () => ledger.mempool.size);
    metrics.gauge('kestrel_peers', 'connected libp2p peers', () => this.network.peerCount());
    metrics.gauge('kestrel_last_batch_id', 'last batch applied by this node', () => Number(ledger.lastBatchId));
    metrics.gauge('kestrel_last_settled_batch_id', 'last batch settled on chain, as last seen', () => Number(ledger.lastSettledBatchId));
    metrics.gauge('kestrel_sequencer', '1 if this node sequences', () => (this.role === 'sequencer' ? 1 : 0));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.sequencer?.stop();
    await this.follower?.stop();
    this.ws?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await this.network.stop();
    await this.recoverPool?.close();
    await this.store.close();
  }

  /** Pre-sequencing checks against the current engine state; throws the stable code. */
  precheck(input: SignedInput): void {
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (input.type === 'riskPlan') {
      this.precheckPlan(input.plan, input.hash);
      return;
    }
    if (input.type !== 'order') {
      const ts = input.type === 'cancel' ? input.cancel.timestamp : input.cancelAll.timestamp;
      if (ts + CANCEL_WINDOW_SECONDS < now || ts > now + CANCEL_WINDOW_SECONDS) {
        throw new KestrelError(ErrorCode.STALE_CANCEL, `cancel timestamp must be within ${CANCEL_WINDOW_SECONDS} s of now`, {
          timestamp: ts.toString(),
          now: now.toString(),
        });
      }
      if (this.ledger.cancelSeen(input.hash)) throw new KestrelError(ErrorCode.DUPLICATE_CANCEL, 'cancel already submitted', { digest: input.hash });
      return;
    }
    if (this.ledger.isSequenced(input.hash) || this.ledger.mempool.has(input.hash) || this.ledger.rejectCode(input.hash) !== undefined) {
      throw new KestrelError(ErrorCode.DUPLICATE_ORDER, 'order already submitted', { orderHash: input.hash });
    }
    const code = orderAdmission(this.ledger.engine, input.order, input.hash, now);
    if (code) throw new KestrelError(code, `order refused: ${code}`, { orderHash: input.hash });
  }

  /** A plan the engine would store: known markets, each once, a slippage in range, a nonce above the last. */
  private precheckPlan(plan: RiskPlan, hash: Hex): void {
    const ids = plan.marketOrder;
    const listed = (id: number): boolean => this.listing.markets.some((m) => m.marketId === id);
    if (ids.length > MAX_PLAN_MARKETS || new Set(ids).size !== ids.length || !ids.every(listed) || plan.maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS) {
      throw new KestrelError(
        ErrorCode.INVALID_PLAN,
        `a plan names at most ${MAX_PLAN_MARKETS} listed markets, each once, and a slippage of at most ${MAX_PLAN_SLIPPAGE_BPS} bps`,
        { planHash: hash },
      );
    }
    const current = this.ledger.engine.riskPlan(plan.subaccount);
    if ((current !== undefined && plan.nonce <= current.nonce) || this.ledger.mempool.has(hash)) {
      throw new KestrelError(ErrorCode.NONCE_USED, 'a plan with a higher nonce replaces the last one', {
        planHash: hash,
        current: current?.nonce.toString() ?? null,
      });
    }
  }

  /** Throws INVALID_SIGNATURE unless the input's signer may sign it; recovers off the event loop. */
  async verify(input: SignedInput): Promise<void> {
    const signer = this.recoverPool ? await this.recoverPool.recover(input.hash, input.signature) : recoverAddress(input.hash, input.signature);
    assertSigned(input, signer, (s, k) => this.ledger.engine.canSign(s, k));
  }

  /**
   * Admits a client's signed input (its signature not checked yet): the cheap checks, then the
   * signature, then the checks again (the state may have moved while the signature was checked),
   * mempool, disk, gossip.
   */
  async submit(input: SignedInput): Promise<void> {
    this.precheck(input);
    await this.verify(input);
    this.precheck(input);
    await this.ledger.admit(input);
    this.count.submitted();
    await this.network.publish(this.topics.orders, encodeGossip(GossipKind.INPUT, inputToWire(input))).catch((err: Error) => {
      this.log.warn('gossip publish failed', { error: err.message });
    });
  }

  private async onGossipInput(data: Uint8Array): Promise<Verdict> {
    const msg = decodeGossip(data);
    if (!msg || msg.kind !== GossipKind.INPUT) return 'REJECT';
    let input: BatchInput;
    try {
      input = decodeInput(this.domainSep, msg.body);
    } catch {
      this.count.gossipRejected();
      return 'REJECT'; // malformed: provably bad
    }
    if (!isSigned(input)) return 'REJECT'; // only a sequencer drops or takes protocol steps, inside a proposal
    try {
      this.precheck(input); // a duplicate (the common case in a mesh) costs no signature check
    } catch {
      return 'IGNORE';
    }
    try {
      await this.verify(input);
    } catch (err) {
      if ((err as KestrelError).code !== ErrorCode.INVALID_SIGNATURE) return 'IGNORE'; // our fault, not the peer's
      this.count.gossipRejected();
      return 'REJECT'; // badly signed: provably bad
    }
    try {
      this.precheck(input);
      await this.ledger.admit(input);
      this.count.gossipAccepted();
      return 'ACCEPT';
    } catch {
      return 'IGNORE'; // valid but not for us now (duplicate, full, stale)
    }
  }

  private async onGossipProposal(data: Uint8Array): Promise<Verdict> {
    const msg = decodeGossip(data);
    if (!msg || msg.kind !== GossipKind.PROPOSAL) return 'REJECT';
    const follower = this.follower;
    if (!follower) return 'IGNORE';
    // the proposal's own signature before any of its inputs'
    const gated = await admitProposal(this.domainSep, msg.body, {
      wants: (id) => follower.wants(id),
      operatorSigned: (p) => follower.signedByOperator(p),
      verifyInputs: (p) =>
        verifyProposalInputs(
          p,
          (i) => this.ledger.knows(i),
          (s, k) => this.ledger.engine.canSign(s, k),
        ),
    });
    if (gated.proposal === undefined) {
      if (gated.verdict === 'REJECT') this.count.gossipRejected();
      return gated.verdict;
    }
    const result = await follower.apply(gated.proposal);
    if (result === 'gap') void follower.catchUp().catch(() => undefined);
    if (result === 'forged') return 'REJECT';
    return result === 'applied' ? 'ACCEPT' : 'IGNORE';
  }
}

/**
 * The node's two gossip topics, each rate-limited per relaying peer before its handler runs:
 * inputs (orders, cancels, plans) at `gossipRateLimit`, batch proposals at `proposalRateLimit`.
 */
export function subscribeGossip(
  network: Pick<Network, 'onMessage'>,
  topics: { orders: string; batches: string },
  handle: { input: (data: Uint8Array) => Promise<Verdict>; proposal: (data: Uint8Array) => Promise<Verdict> },
  limits: Pick<NodeConfig, 'gossipRateLimit' | 'proposalRateLimit'>,
  throttled: { inputThrottled: () => void; proposalThrottled: () => void },
): void {
  network.onMessage(topics.orders, (data) => handle.input(data), { perPeer: limits.gossipRateLimit, onThrottle: throttled.inputThrottled });
  network.onMessage(topics.batches, (data) => handle.proposal(data), { perPeer: limits.proposalRateLimit, onThrottle: throttled.proposalThrottled });
}

/** The node's libp2p identity, kept in its data directory so its peer id survives restarts. */
async function loadPeerKey(dataDir: string): Promise<Awaited<ReturnType<typeof generateKeyPair>>> {
  const path = join(dataDir, 'peer.key');
  try {
    return privateKeyFromProtobuf(await readFile(path));
  } catch {
    const key = await generateKeyPair('Ed25519');
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600 });
    return key;
  }
}
