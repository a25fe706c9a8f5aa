/**
 * The Kestrel node. How an order flows, each stage in the folder of its name:
 *
 *   api/        POST /v1/orders ─┐
 *   gossip/     a peer's input ──┼─▶ admission/ (signature, market, tick, lot…: one verdict)
 *   store/      the disk on boot ┘        │
 *                                         ▼
 *   mempool/    arrival order, limits ────┴──gossip──▶ peers
 *   relay/      what is still unsequenced ──re-sent with backoff, pushed on connect──▶ the sequencer
 *   sequencer/  (the leader) every batch interval: mempool + chain request queue ──▶ core
 *               applyBatch ──▶ simulate settleBatch ──▶ commit (store/) ──▶ gossip the proposal
 *               ──▶ chain/ settleBatch ──▶ receipt (a revert rolls the batch back)
 *   follower/   a proposal ──▶ the same core applyBatch ──▶ the same state hash? ──▶ commit
 *
 * Clients follow it over HTTP and the WebSocket channels of /v1/ws (book, trades, account with
 * margin-call warnings, batches). Components are created here and started/stopped together; each
 * has one job. The protocol the node implements is specified in apps/docs/spec/node.md.
 */
import './util/polyfill.js';
import { inputToWire, proposalToWire, type HealthResponse, type LimitsWire } from '@kestrel/api';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { privateKeyToAccount } from 'viem/accounts';
import { KestrelError, ErrorCode, domainSeparator, type Hex, type SignedInput } from '@kestrel/core';
import { verifyProposalInputs } from './follower/proposal-inputs.js';
import { admitProposal } from './gossip/proposal-gate.js';
import { Admission } from './admission/admission.js';
import { engineConfigOf, ExchangeChain, type ChainListing } from './chain/exchange.js';
import { updateListing } from './chain/listing.js';
import { inTurnNow } from './chain/schedule.js';
import { healthOf, noLeader, type ChainView, type HealthInput } from './api/health.js';
import { nativeRecoveryLoaded, recoverAddress } from './admission/recover.js';
import { RecoverPool } from './admission/recover-pool.js';
import { Follower } from './follower/follower.js';
import { clearInterruptedLoad, joinIfEmpty } from './catchup/snapshot-join.js';
import { SnapshotServer } from './catchup/snapshot-serve.js';
import { SettledBatchAudit } from './audit/audit.js';
import { FAULT_ENV, faultFromEnv } from './sequencer/faults.js';
import { Ledger } from './store/ledger.js';
import { createLogger, type Logger } from './util/log.js';
import { decodeGossip, encodeGossip, GossipKind, MAX_GOSSIP_BUNDLE, topicsFor } from './gossip/codec.js';
import { InputBundler } from './gossip/bundler.js';
import { startNetwork, type DropReason, type Network, type Verdict } from './gossip/network.js';
import { loadPeerKey, subscribeGossip } from './gossip/subscribe.js';
import { Relay } from './relay/relay.js';
import { CommittedBooks } from './api/committed-books.js';
import { RelayResponder } from './relay/responder.js';
import { relayProtocolFor } from './relay/wire.js';
import { Metrics } from './util/metrics.js';
import { batchStageObserver, nodeCounters } from './util/node-counters.js';
import { heartbeatFor, Sequencer } from './sequencer/sequencer.js';
import { NodeStore } from './store/store.js';
import { buildRouter } from './api/routes.js';
import { startHttp } from './api/http.js';
import { WsHub } from './api/ws.js';
import { RateLimiter } from './util/rate-limit.js';
import { Loop } from './util/loop.js';
import type { NodeConfig } from './config.js';

export const NODE_VERSION = '0.1.0';

/** How often the node reads the chain's leader schedule and height for /health, ms. */
const CHAIN_WATCH_MS = 1000;
/** How often the node reads the Exchange's new events to audit the batches it settled, ms. */
const AUDIT_INTERVAL_MS = 1000;

export class KestrelNode {
  private server: Server | null = null;
  private ws: WsHub | null = null;
  private sequencer: Sequencer | null = null;
  follower: Follower | null = null;
  private stopping = false;
  /** signature recovery on worker threads (null without the native binding: recovered in place) */
  private recoverPool: RecoverPool | null = null;
  /** the one way into the mempool (API, gossip, disk) */
  private readonly admission: Admission;
  readonly metrics = new Metrics();
  private readonly count = nodeCounters(this.metrics);
  private relay: Relay | null = null;
  /** the audit of settled batches against the chain's events (audit/audit.ts) */
  private audit: Loop | null = null;
  private settledAudit: SettledBatchAudit | null = null;
  /** the chain's leader schedule and settled height, read every second for /health (api/health.ts) */
  chainView: ChainView | null = null;
  private readonly chainWatch = new Loop(
    async () => {
      const [{ schedule, now }, lastBatchId] = await Promise.all([this.chain.leaderSchedule(), this.chain.lastBatchId()]);
      this.chainView = { schedule, now, lastBatchId };
    },
    CHAIN_WATCH_MS,
    (err) => this.log.warn('node: reading the leader schedule failed', { error: err.message }),
  );
  /** gossips the inputs this node's clients had admitted, a bundle per turn of the event loop */
  private readonly bundler: InputBundler;
  /** book reads at the committed state, answered while a batch is in flight */
  readonly books: CommittedBooks;
  /** this node's state for joining peers (GET /v1/snapshot) */
  readonly snapshots: SnapshotServer;
  /** signature recovery on the worker pool, or in place without the native binding */
  private readonly recover = async (digest: Hex, signature: Hex): Promise<string | null> =>
    this.recoverPool ? this.recoverPool.recover(digest, signature) : recoverAddress(digest, signature);

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly listing: ChainListing,
    readonly chain: ExchangeChain,
    readonly ledger: Ledger,
    readonly network: Network,
    private readonly store: NodeStore,
    readonly topics: { orders: string; batches: string },
  ) {
    this.books = new CommittedBooks(ledger);
    this.tradedMarkets();
    // a listing change that took effect: the API, admission, the sequencer and the follower read the new listing
    ledger.onReconfigure = (engineConfig) => {
      updateListing(listing, engineConfig);
      this.tradedMarkets();
      log.info('listing changed', { batchId: String(ledger.lastBatchId), markets: listing.markets.length, assets: listing.assets.length });
    };
    this.snapshots = new SnapshotServer(store, config.maxSnapshotStreams);
    // a peer configured as this node is takes a bundle whole: no larger than its rate limit's burst
    this.bundler = new InputBundler({
      publish: (data) => network.publish(topics.orders, data),
      maxBytes: config.maxGossipBytes,
      maxInputs: Math.max(1, Math.min(MAX_GOSSIP_BUNDLE, config.gossipRateLimit.burst)),
      lingerMs: config.gossipLingerMs,
    });
    this.admission = new Admission({
      ledger,
      marketIds: this.marketIds,
      recover: this.recover,
      nowSeconds: () => BigInt(Math.floor(Date.now() / 1000)),
      onRefused: (source, verdict, code, hash) => this.refusedInput(source, verdict, code, hash),
      observe: (source, seconds) => this.count.admissionSeconds({ source }, seconds),
    });
  }

  /** the markets that trade, and the perps among them: kept in place, since admission and the sequencer hold these arrays */
  private readonly marketIds: number[] = [];
  private readonly perps: number[] = [];

  private tradedMarkets(): void {
    this.marketIds.splice(0, this.marketIds.length, ...this.listing.markets.map((m) => m.marketId));
    this.perps.splice(0, this.perps.length, ...this.listing.markets.filter((m) => m.kind === 'PERP').map((m) => m.marketId));
  }

  /** the open-order caps of its engine and the bounds of its mempool */
  get limits(): LimitsWire {
    return { ...this.config.engineLimits, mempool: { ...this.config.mempool } };
  }

  get role(): 'sequencer' | 'follower' {
    return this.config.role;
  }

  /** What GET /health answers (api/health.ts). */
  health(): HealthResponse {
    return healthOf(this.healthInput());
  }

  /** Whether inputs wait with no batch for longer than the takeover delay (api/health.ts). */
  noLeader(): boolean {
    return noLeader(this.healthInput());
  }

  private healthInput(): HealthInput {
    const { ledger } = this;
    return {
      role: this.role,
      operator: (this.chain.operator?.toLowerCase() as Hex | undefined) ?? null,
      lastBatchId: ledger.lastBatchId,
      lastSettledBatchId: ledger.lastSettledBatchId,
      lastBatchTime: ledger.lastTimestamp,
      stateHash: ledger.stateHash,
      peers: this.network.peerCount(),
      pendingInputs: ledger.mempool.size,
      diverged: this.follower?.diverged ?? null,
      lastAuditedBatchId: this.settledAudit?.lastAudited ?? 0n,
      chain: this.chainView,
      nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
    };
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
    const chain = new ExchangeChain(config.rpcUrl, config.exchange, config.operatorKey, config.chainTx);
    const listing = await chain.listing();
    // the listing is the chain's; the open-order caps are the network's own configuration
    const engineConfig = { ...engineConfigOf(listing), limits: { ...config.engineLimits } };
    const domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: BigInt(listing.chainId), verifyingContract: listing.exchange });
    // Read before the API answers: an order the chain settled is never reported pending while the
    // first catch-up round or sequencer tick is still in flight (after a restart, say).
    const settled = await chain.lastSettled();
    const store = await NodeStore.open(join(config.dataDir, 'db'));
    const recoverPool = RecoverPool.start();
    if (config.catchUpFrom === 'snapshot')
      await joinIfEmpty({
        store,
        config: engineConfig,
        configBatch: listing.configBatch,
        chain,
        peers: config.syncFrom,
        recover: async (digest, signature) => (recoverPool ? recoverPool.recover(digest, signature) : recoverAddress(digest, signature)),
        log,
        waitMs: config.snapshotWaitMs,
        maxBytes: config.maxSnapshotBytes,
        chainBatchId: settled.batchId,
      });
    else await clearInterruptedLoad(store, log);
    // replaying from the first batch needs the listing it started with, which the chain no longer tells
    if (listing.configBatch > 0n && (await store.get('meta:lastBatch')) === undefined) {
      await store.close();
      await recoverPool?.close();
      throw new KestrelError(
        ErrorCode.INTERNAL,
        `the listing changed at batch ${listing.configBatch}: a node with an empty store joins from a peer's snapshot (--catch-up-from snapshot, with --sync-from a peer at or past that batch)`,
      );
    }
    const ledger = await Ledger.open(engineConfig, domainSep, store, config.mempool, {
      archiveRetentionSeconds: BigInt(config.archiveRetentionSeconds),
      history: config.history === 'keep',
    });
    ledger.lastSettledBatchId = settled.batchId;
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
    node.recoverPool = recoverPool;
    const restored = await node.admission.restore();
    if (restored.dropped > 0) log.info('mempool: inputs read back from disk and no longer admissible were dropped', restored);
    node.instrument();
    subscribeGossip(network, topics, { input: (data) => node.onGossipInput(data), proposal: (data) => node.onGossipProposal(data) }, config, {
      inputThrottled: (inputs) => node.count.gossipThrottled(inputs),
      proposalThrottled: () => node.count.proposalsThrottled(),
      inputDropped: (reason, inputs) => node.gossipInputDropped(reason, inputs),
      proposalDropped: (reason) => node.proposalIgnored(reason),
    });
    node.relay = node.startRelay(relayProtocolFor(listing.chainId, listing.exchange));
    await node.relay.start();
    node.server = await startHttp(buildRouter(node), config.apiHost, config.apiPort, log, {
      writes: new RateLimiter(config.apiRateLimit),
      reads: new RateLimiter(config.apiReadRateLimit),
      retryAfterSeconds: config.retryAfterSeconds,
      connections: { maxTotal: config.apiMaxConnections, maxPerAddress: config.apiMaxConnectionsPerAddress },
    });
    node.ws = new WsHub({ server: node.server, ledger, listing, log });
    ledger.onRollback = (batchId) => node.ws?.onRollback(batchId);
    if (config.role === 'sequencer') {
      const operator = privateKeyToAccount(config.operatorKey!);
      if (!(await chain.isOperator(operator.address))) {
        await node.stop();
        throw new KestrelError(ErrorCode.INTERNAL, `the operator key's address ${operator.address} is not an operator of the Exchange`);
      }
      const fault = faultFromEnv(process.env, config.dataDir);
      if (fault) log.warn(`${FAULT_ENV} is set: this node kills itself at a point of a batch (a testing hook)`);
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
        perps: node.perps,
        fundingIntervalSeconds: config.fundingIntervalSeconds,
        heartbeatSeconds: heartbeatFor(listing.forceDelay),
        observe: (phase, ms) => node.count.tickSeconds({ phase }, ms / 1000),
        observeStage: batchStageObserver(node.count),
        halted: () => node.follower?.diverged != null,
        ...(fault ? { fault } : {}),
      });
      node.sequencer.start();
    }
    // every node follows the leader's proposals: an operator's node, out of its turn, as any other
    node.follower = new Follower({
      ledger,
      chain,
      log,
      syncFrom: config.syncFrom,
      pollIntervalMs: config.syncIntervalMs,
      feeds: listing.feeds,
      recover: node.recover,
    });
    node.follower.start();
    node.chainWatch.start();
    const audit = (node.settledAudit = new SettledBatchAudit({
      publicClient: chain.publicClient,
      exchange: listing.exchange,
      ledger,
      store,
      log,
      halt: (d) => node.follower?.halt(d),
    }));
    node.audit = new Loop(
      () => audit.round(),
      AUDIT_INTERVAL_MS,
      (err) => log.warn('audit: reading the settled batches failed', { error: err.message }),
    );
    node.audit.start();
    log.info('node started', {
      role: config.role,
      api: node.apiUrl(),
      p2p: network.addresses(),
      peerId: network.peerId,
      lastBatchId: String(ledger.lastBatchId),
    });
    return node;
  }

  /** The relay of pending inputs (relay/): its answering side goes through admission as `relay`. */
  private startRelay(protocol: string): Relay {
    const { config } = this;
    const operator = config.role === 'sequencer' && config.operatorKey ? privateKeyToAccount(config.operatorKey) : null;
    // the leader now by the chain's schedule, asked every time: a revoked operator's answers (a
    // refusal drops an input) are not trusted a moment longer
    const verifySequencer = async (digest: Hex, signature: Hex): Promise<boolean> => {
      const signer = recoverAddress(digest, signature);
      return signer !== null && (await inTurnNow(this.chain, signer));
    };
    const responder = new RelayResponder({
      ledger: this.ledger,
      admit: (input) => this.admission.admit(input, 'relay'),
      sequencer: config.role === 'sequencer',
      // an operator's node answers as the sequencer only in its turn
      ...(operator ? { sign: (digest: Hex) => operator.sign({ hash: digest }), leading: () => this.sequencer?.leading ?? false } : {}),
      limiter: new RateLimiter(config.relay.rateLimit),
      maxInputsPerRequest: config.relay.maxInputsPerRequest,
      onRefused: (verdict, code) => this.refusedInput('relay', verdict, code),
      onResult: (r) => this.count.relayAnswered({ status: r.status, code: r.code ?? '' }),
    });
    return new Relay({
      ledger: this.ledger,
      network: this.network,
      protocol,
      role: config.role,
      ...(operator ? { leading: () => this.sequencer?.leading ?? false } : {}),
      limits: config.relay,
      maxBytes: config.maxGossipBytes,
      responder,
      domainSep: this.ledger.domainSep,
      verifySequencer,
      log: this.log,
      onSent: (why, n) => this.count.relaySent({ why }, n),
      onResult: (r, fromSequencer) => this.count.relayResults({ peer: fromSequencer ? 'sequencer' : 'follower', status: r.status, code: r.code ?? '' }),
      onFailed: () => this.count.relayFailed(),
      onDropped: (code) => this.count.relayDropped({ code }),
    });
  }

  /** Every refused input is counted and logged at debug, whatever refused it (spec/node.md, Metrics). */
  private refusedInput(source: 'api' | 'gossip' | 'relay' | 'disk', verdict: Verdict, code: string, hash?: Hex): void {
    this.count.refused({ source, verdict, code });
    this.log.debug('input refused', { source, verdict, code, ...(hash ? { hash } : {}) });
  }

  /** Gossiped inputs (one message: an input or a bundle of `inputs`) dropped before admission could judge them. */
  private gossipInputDropped(reason: DropReason, inputs: number): void {
    const [verdict, code]: [Verdict, string] =
      reason === 'too_large'
        ? ['REJECT', ErrorCode.PAYLOAD_TOO_LARGE]
        : reason === 'throttled'
          ? ['IGNORE', ErrorCode.RATE_LIMITED]
          : ['IGNORE', ErrorCode.INTERNAL];
    for (let i = 0; i < inputs; i++) this.refusedInput('gossip', verdict, code);
  }

  private proposalIgnored(reason: string): void {
    this.count.proposalsIgnored({ reason });
    this.log.debug('gossip: proposal not applied', { reason });
  }

  private instrument(): void {
    const { ledger, metrics } = this;
    ledger.onExpired = (n) => this.count.expired(n);
    metrics.gauge('kestrel_relay_pending', 'unsequenced inputs the relay follows for a re-send', () => this.relay?.pending ?? 0);
    ledger.onCommit = (p, events) => {
      this.count.batches();
      this.count.fills(events.filter((e) => e.kind === 'fill').length);
      this.ws?.onBatch(p, events);
    };
    metrics.gauge('kestrel_mempool_size', 'unsequenced inputs in the mempool', () => ledger.mempool.size);
    metrics.gauge('kestrel_open_orders', 'orders resting on the books of all markets', () => ledger.engine.restingOrderCount());
    metrics.gauge('kestrel_peers', 'connected libp2p peers', () => this.network.peerCount());
    metrics.gauge('kestrel_last_batch_id', 'last batch applied by this node', () => Number(ledger.lastBatchId));
    metrics.gauge('kestrel_last_settled_batch_id', 'last batch settled on chain, as last seen', () => Number(ledger.lastSettledBatchId));
    metrics.gauge('kestrel_sequencer', '1 if this node sequences', () => (this.role === 'sequencer' ? 1 : 0));
    metrics.gauge('kestrel_ws_connections', 'open WebSocket connections (/v1/ws)', () => this.ws?.connections() ?? 0);
    metrics.gauge('kestrel_ws_subscriptions', 'channel subscriptions over all WebSocket connections', () => this.ws?.subscriptions() ?? 0);
    // how long a ready callback (an HTTP request, a gossip message) can wait behind other work
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    this.loopDelay = delay;
    const seconds = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
    metrics.gauge('kestrel_event_loop_delay_p50_seconds', 'event loop delay since start, median', () => seconds(delay.percentile(50)));
    metrics.gauge('kestrel_event_loop_delay_p99_seconds', 'event loop delay since start, 99th percentile', () => seconds(delay.percentile(99)));
    metrics.gauge('kestrel_event_loop_delay_max_seconds', 'event loop delay since start, the longest', () => seconds(delay.max));
  }

  private loopDelay: IntervalHistogram | null = null;

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.chainWatch.stop();
    await this.audit?.stop();
    await this.sequencer?.stop();
    await this.follower?.stop();
    await this.relay?.stop();
    this.ws?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await this.network.stop();
    await this.recoverPool?.close();
    await this.store.close();
    this.loopDelay?.disable();
  }

  /**
   * A client's signed input (its signature not checked yet): through admission, then gossiped to
   * the peers; the relay sends it again until a batch takes it (spec/node.md, Delivery). Throws
   * the refusal (a KestrelError with its stable code), MEMPOOL_FULL when this node cannot take more.
   */
  async submit(input: SignedInput): Promise<void> {
    await this.admission.admit(input, 'api');
    this.publishAdmitted(input);
  }

  /**
   * Counts a client's admitted input and gossips it in the next bundle. The client's answer does
   * not wait for the publish: the input is in the mempool and on disk, and the relay delivers
   * what gossip did not (a failed publish is logged).
   */
  private publishAdmitted(input: SignedInput): void {
    this.count.submitted();
    this.relay?.own(input.hash);
    this.bundler.add(JSON.stringify(inputToWire(input))).catch((err: Error) => {
      this.log.warn('gossip publish failed', { error: err.message });
    });
  }

  /**
   * Several signed inputs of one client request: admitted in the order given, their signatures
   * recovered together; each admitted one is gossiped. Resolves, per input, to undefined
   * (admitted) or its refusal.
   */
  async submitAll(inputs: readonly SignedInput[]): Promise<Array<Error | undefined>> {
    const outcomes = await this.admission.admitAll(inputs, 'api');
    inputs.forEach((input, i) => {
      if (outcomes[i] === undefined) this.publishAdmitted(input);
    });
    return outcomes;
  }

  private async onGossipInput(data: Uint8Array): Promise<Verdict> {
    const msg = decodeGossip(data);
    let verdict: Verdict;
    if (msg?.kind === GossipKind.INPUTS) {
      const bundle = await this.admission.admitGossipBundle(msg.body);
      this.count.gossipAccepted(bundle.admitted);
      verdict = bundle.verdict;
    } else if (msg?.kind === GossipKind.INPUT) {
      verdict = await this.admission.admitGossip(msg.body);
      if (verdict === 'ACCEPT') this.count.gossipAccepted();
    } else {
      // admission counts what it refuses; a payload that is not an input never reaches it
      this.refusedInput('gossip', 'REJECT', ErrorCode.MALFORMED);
      verdict = 'REJECT';
    }
    if (verdict === 'REJECT') this.count.gossipRejected();
    return verdict;
  }

  private async onGossipProposal(data: Uint8Array): Promise<Verdict> {
    const msg = decodeGossip(data);
    if (!msg || msg.kind !== GossipKind.PROPOSAL) {
      this.proposalIgnored('undecodable');
      return 'REJECT';
    }
    const follower = this.follower;
    if (!follower) {
      this.proposalIgnored('sequencer');
      return 'IGNORE';
    }
    // the proposal's own signature before any of its inputs'
    const gated = await admitProposal(this.domainSep, msg.body, {
      wants: (id) => follower.wants(id),
      proposer: (p) => follower.proposer(p),
      held: (sig) => this.ledger.mempool.bySignature(sig),
      verifyInputs: (p) =>
        verifyProposalInputs(
          p,
          (i) => this.ledger.knows(i),
          (s, k) => this.ledger.engine.canSign(s, k),
          this.recover,
        ),
    });
    if (gated.proposal === undefined) {
      if (gated.verdict === 'REJECT') this.count.gossipRejected();
      this.proposalIgnored(gated.verdict === 'REJECT' ? 'invalid' : 'unwanted');
      return gated.verdict;
    }
    const result = await follower.apply(gated.proposal);
    if (result === 'gap') void follower.catchUp().catch(() => undefined);
    if (result !== 'applied') this.proposalIgnored(result);
    if (result === 'forged') return 'REJECT';
    return result === 'applied' ? 'ACCEPT' : 'IGNORE';
  }
}
