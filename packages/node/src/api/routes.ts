/** The v1 API handlers (spec/api.md), each a thin read of the ledger or a submit to the node. */
import {
  DEFAULT_BACKSTOP_RATIO,
  DE_RISK_DEFAULTS,
  defaultMaintenance,
  ErrorCode,
  KestrelError,
  formatX18,
  isHex,
  type Hex,
  type SignedInput,
  cancelInput,
  cancelAllInput,
  orderInput,
  riskPlanInput,
} from '@kestrel/core';
import {
  marketToWire,
  cancelAllFromWire,
  cancelFromWire,
  endpoints,
  orderFromWire,
  orderToWire,
  riskPlanFromWire,
  signatureFromWire,
  type AccountResponse,
  type BatchResponse,
  type BookResponse,
  type CancelResponse,
  type HealthResponse,
  type InfoResponse,
  type LimitsWire,
  type MarketsResponse,
  type OrderStatusName,
  type OrderStatusResponse,
  type PlaceOrderResponse,
  type NoLeaderWarning,
  type PlaceOrderResult,
  type PlaceOrdersResponse,
  type ErrorBody,
  MAX_ORDERS_PER_REQUEST,
  OPENAPI_PATH,
  openApiDocument,
  SNAPSHOT_CONTENT_TYPE,
  SNAPSHOT_PATH,
  type RiskPlanResponse,
  type RiskResponse,
} from '@kestrel/api';
import type { ChainListing } from '../chain/exchange.js';
import type { Follower } from '../follower/follower.js';
import type { LedgerReader } from '../store/ledger.js';
import type { Metrics } from '../util/metrics.js';
import type { Network } from '../gossip/network.js';
import { accountView } from './account-view.js';
import type { CommittedBooks } from './committed-books.js';
import { batchResponse } from './batch-view.js';
import { addHistoryRoutes } from './history-routes.js';
import { errorBody, Router, StreamBody, TextBody, type Request } from './http.js';
import type { SnapshotServer } from '../catchup/snapshot-serve.js';

/** What the API reads of its node and the one thing it asks of it (submit): nothing else. */
export interface ApiNode {
  readonly role: 'sequencer' | 'follower';
  /** the limits it admits and matches orders by */
  readonly limits: LimitsWire;
  readonly domainSep: Hex;
  readonly listing: ChainListing;
  readonly ledger: LedgerReader;
  readonly books: Pick<CommittedBooks, 'book'>;
  readonly network: Pick<Network, 'peerId' | 'peerCount'>;
  readonly metrics: Pick<Metrics, 'render' | 'contentType'>;
  /** this node's state for joining peers */
  readonly snapshots: Pick<SnapshotServer, 'open'>;
  readonly follower: Pick<Follower, 'diverged'> | null;
  /** what GET /health answers (api/health.ts) */
  health(): HealthResponse;
  /** whether inputs wait with no batch for longer than the takeover delay (api/health.ts) */
  noLeader(): boolean;
  /** admits a client's signed input: checks, signature, mempool, gossip (throws the refusal) */
  submit(input: SignedInput): Promise<void>;
  /** admits several, in order (per input: undefined when admitted, else its refusal) */
  submitAll(inputs: readonly SignedInput[]): Promise<Array<Error | undefined>>;
}

/** An answer to accepted orders, with the warning that they wait when no leader is sequencing. */
function withWarning<T extends object>(node: ApiNode, answer: T): T & { warning?: NoLeaderWarning } {
  if (!node.noLeader()) return answer;
  const warning: NoLeaderWarning = {
    code: 'NO_LEADER',
    message: 'no batch has come for longer than the takeover delay while inputs wait: this order waits in the node until a leader sequences it, or expires',
  };
  return { ...answer, warning };
}

/** The version /v1/info and the OpenAPI document name. */
export const NODE_VERSION = '0.1.0';

/** Most price levels a book request returns per side. */
export const MAX_BOOK_DEPTH = 500;

function bodyObject(req: Request): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new KestrelError(ErrorCode.MALFORMED, 'expected a JSON object body');
  }
  return req.body as Record<string, unknown>;
}

function marketIdParam(node: ApiNode, raw: string | undefined): number {
  const id = raw !== undefined && /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!node.listing.markets.some((m) => m.marketId === id)) throw new KestrelError(ErrorCode.UNKNOWN_MARKET, `unknown market ${String(raw).slice(0, 20)}`);
  return id;
}

function hashParam(raw: string | undefined, name: string): Hex {
  if (!isHex(raw, 32)) throw new KestrelError(ErrorCode.MALFORMED, `${name}: expected 32 bytes of 0x hex`);
  return raw.toLowerCase() as Hex;
}

/** A signed order of a request body, as an input of a listed market (throws the refusal). */
function placedOrder(node: ApiNode, body: Record<string, unknown>): SignedInput {
  const order = orderFromWire(body.order);
  const signature = signatureFromWire(body.signature);
  if (!node.listing.markets.some((m) => m.marketId === order.marketId)) {
    throw new KestrelError(ErrorCode.UNKNOWN_MARKET, `unknown market ${order.marketId}`);
  }
  return orderInput(node.domainSep, order, signature);
}

/**
 * A refusal as the error body `placeOrder` would answer. Anything unexpected is that order's
 * INTERNAL (admission counted it): the request's other orders keep their answers, since some may
 * be in the mempool already.
 */
function refusalOf(err: unknown): ErrorBody['error'] {
  if (err instanceof KestrelError) return errorBody(err.code, err.message, err.details).error;
  return errorBody(ErrorCode.INTERNAL, 'internal error').error;
}

/** Where an order stands: pending in the mempool, open in the engine, or finished (from the archive). */
export async function orderStatus(node: ApiNode, hash: Hex): Promise<OrderStatusResponse> {
  const { ledger } = node;
  const signed = ledger.signedOrder(hash);
  const live = ledger.engine.getOrder(hash);
  const reject = ledger.rejectCode(hash);
  const archived = signed && (live || reject !== undefined) ? undefined : await ledger.archived(hash);
  const state = live ?? archived?.state;
  const order = signed?.order ?? archived?.state.order;
  if (!order) throw new KestrelError(ErrorCode.UNKNOWN_ORDER, 'unknown order', { orderHash: hash });
  let status: OrderStatusName;
  if (state) status = state.status;
  // an order that expired in the mempool, never sequenced (Ledger.pruneExpired)
  else if (reject === ErrorCode.EXPIRED) status = 'expired';
  else if (reject !== undefined) status = 'rejected';
  else status = 'pending';
  const filled = state?.filled ?? 0n;
  const batchId = signed?.batchId ?? archived?.batchId ?? null;
  return {
    orderHash: hash,
    order: orderToWire(order),
    status,
    filled: formatX18(filled),
    remaining: formatX18(status === 'open' || status === 'partially_filled' || status === 'pending' ? order.amount - filled : 0n),
    sequence: state ? state.sequence.toString() : null,
    batchId: batchId === null ? null : batchId.toString(),
    settlement: batchId === null ? 'none' : batchId <= ledger.lastSettledBatchId ? 'settled' : 'pending',
    // the engine's word once it holds the order (a node may have recorded an expiry or a refusal
    // of its own for an order a batch then sequenced)
    rejectCode: state ? (state.rejectCode ?? null) : (reject ?? null),
    cancelReason: state?.cancelReason ?? null,
  };
}

export function buildRouter(node: ApiNode): Router {
  const { ledger } = node;
  const r = new Router();

  r.route(
    endpoints.info,
    (): InfoResponse => ({
      chainId: node.listing.chainId,
      exchange: node.listing.exchange,
      version: NODE_VERSION,
      nodeId: node.network.peerId,
      peers: node.network.peerCount(),
      leader: node.role === 'sequencer',
      lastBatchId: ledger.lastBatchId.toString(),
      assets: node.listing.assets.map((a) => ({ assetId: a.assetId, symbol: a.symbol, token: a.token, decimals: a.decimals })),
      limits: node.limits,
    }),
  );

  r.route(endpoints.markets, (): MarketsResponse => ({ markets: node.listing.markets.map(marketToWire) }));

  // Reads of engine state never show a batch the chain may still refuse at simulation: the book
  // is read from the committed state, also while a batch is in flight (committed-books.ts); the
  // other reads wait while a batch is applied but not yet committed.
  r.route(endpoints.book, async (req): Promise<BookResponse> => {
    const marketId = marketIdParam(node, req.params.marketId);
    const rawDepth = req.query.get('depth');
    const depth = rawDepth === null ? 50 : Number(rawDepth);
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_BOOK_DEPTH) {
      throw new KestrelError(ErrorCode.MALFORMED, `depth: expected 1 to ${MAX_BOOK_DEPTH}`);
    }
    const { book, sequence } = await node.books.book(marketId, depth);
    const lv = (levels: Array<[bigint, bigint]>): Array<[string, string]> => levels.map(([p, a]) => [formatX18(p), formatX18(a)]);
    return { marketId, sequence: sequence.toString(), bids: lv(book.bids), asks: lv(book.asks) };
  });

  r.route(endpoints.placeOrder, async (req): Promise<PlaceOrderResponse> => {
    const input = placedOrder(node, bodyObject(req));
    await node.submit(input);
    return withWarning(node, { orderHash: input.hash, status: 'pending' });
  });

  // Each order is judged on its own, as if posted alone, in the order given; the answer is 200
  // with one result per order unless the request itself is not a list of orders.
  r.route(endpoints.placeOrders, async (req): Promise<PlaceOrdersResponse> => {
    const list = bodyObject(req).orders;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ORDERS_PER_REQUEST) {
      throw new KestrelError(ErrorCode.MALFORMED, `orders: expected 1 to ${MAX_ORDERS_PER_REQUEST} signed orders`, { limit: MAX_ORDERS_PER_REQUEST });
    }
    req.charge(list.length - 1); // the request paid for one
    const results = new Array<PlaceOrderResult>(list.length);
    const inputs: SignedInput[] = [];
    const at: number[] = [];
    for (const [i, item] of list.entries()) {
      try {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new KestrelError(ErrorCode.MALFORMED, 'expected {order, signature}');
        inputs.push(placedOrder(node, item as Record<string, unknown>));
        at.push(i);
      } catch (err) {
        results[i] = { orderHash: null, error: refusalOf(err) };
      }
    }
    const outcomes = await node.submitAll(inputs);
    for (const [k, input] of inputs.entries()) {
      const err = outcomes[k];
      results[at[k]!] = err === undefined ? { orderHash: input.hash, status: 'pending' } : { orderHash: input.hash, error: refusalOf(err) };
    }
    return withWarning(node, { results });
  });

  r.route(endpoints.order, async (req) => {
    const hash = hashParam(req.params.orderHash, 'orderHash');
    await ledger.quiescent();
    return orderStatus(node, hash);
  });

  r.route(endpoints.cancel, async (req): Promise<CancelResponse> => {
    const body = bodyObject(req);
    const signature = signatureFromWire(body.signature);
    if (body.cancel !== undefined) {
      const input = cancelInput(node.domainSep, cancelFromWire(body.cancel), signature);
      await node.submit(input);
      const open = input.cancel.orderHashes.filter((h) => {
        const s = ledger.engine.getOrder(h);
        const mine = ledger.signedOrder(h)?.order.subaccount === input.cancel.subaccount;
        return mine && (s ? s.status === 'open' || s.status === 'partially_filled' : ledger.mempool.has(h));
      });
      return { cancelled: open };
    }
    if (body.cancelAll !== undefined) {
      const input = cancelAllInput(node.domainSep, cancelAllFromWire(body.cancelAll), signature);
      await node.submit(input);
      const ids = ledger.engine
        .openOrders(input.cancelAll.subaccount)
        .filter((o) => input.cancelAll.marketId === 0 || o.order.marketId === input.cancelAll.marketId)
        .map((o) => o.hash);
      return { cancelled: ids };
    }
    throw new KestrelError(ErrorCode.MALFORMED, 'expected `cancel` or `cancelAll`');
  });

  r.route(endpoints.riskPlan, async (req): Promise<RiskPlanResponse> => {
    const body = bodyObject(req);
    const input = riskPlanInput(node.domainSep, riskPlanFromWire(body.plan), signatureFromWire(body.signature));
    await node.submit(input);
    return { planHash: input.hash, status: 'pending' };
  });

  r.route(endpoints.risk, async (): Promise<RiskResponse> => {
    await ledger.quiescent();
    const risk = ledger.config.risk;
    const f = formatX18;
    return {
      pnlWeight: f(risk?.pnlWeight ?? 0n),
      backstopRatio: f(risk?.backstopRatio ?? DEFAULT_BACKSTOP_RATIO),
      groups: (risk?.groups ?? []).map((g) => ({
        groupId: g.groupId,
        shockIM: f(g.shockIM),
        basisIM: f(g.basisIM),
        shockMM: f(g.shockMM ?? defaultMaintenance(g.shockIM)),
        basisMM: f(g.basisMM ?? defaultMaintenance(g.basisIM)),
      })),
      assets: node.listing.assets
        .filter((a) => a.assetId !== 0)
        .map((a) => ({ assetId: a.assetId, riskGroup: a.riskGroup ?? 0, priceMarketId: a.priceMarketId ?? null })),
      perps: node.listing.markets
        .filter((m) => m.kind === 'PERP')
        .map((m) => ({
          marketId: m.marketId,
          riskGroup: m.riskGroup ?? 0,
          concIM: f(m.concIM ?? 0n),
          concMM: f(m.concMM ?? defaultMaintenance(m.concIM ?? 0n)),
          concThreshold: f(m.concThreshold ?? 0n),
        })),
      prices: node.listing.markets.flatMap((m) =>
        ((p) => (p === undefined ? [] : [{ marketId: m.marketId, price: f(p) }]))(ledger.engine.oraclePrice(m.marketId)),
      ),
      deRisk: {
        maxGraceSeconds: String(risk?.maxGraceSeconds ?? DE_RISK_DEFAULTS.maxGraceSeconds),
        defaultGraceSeconds: String(risk?.defaultGraceSeconds ?? DE_RISK_DEFAULTS.defaultGraceSeconds),
        defaultSlippageBps: risk?.defaultSlippageBps ?? DE_RISK_DEFAULTS.defaultSlippageBps,
        planBuffer: f(risk?.planBuffer ?? DE_RISK_DEFAULTS.planBuffer),
        liquidationDiscount: f(risk?.liquidationDiscount ?? DE_RISK_DEFAULTS.liquidationDiscount),
        insuranceShare: f(risk?.insuranceShare ?? DE_RISK_DEFAULTS.insuranceShare),
      },
    };
  });

  r.route(endpoints.account, async (req): Promise<AccountResponse> => {
    const subaccount = hashParam(req.params.subaccount, 'subaccount');
    await ledger.quiescent();
    return accountView(ledger.engine, node.listing, subaccount);
  });

  r.route(endpoints.batch, async (req): Promise<BatchResponse> => {
    const raw = req.params.batchId ?? '';
    if (!/^\d{1,20}$/.test(raw)) throw new KestrelError(ErrorCode.MALFORMED, 'batchId: expected a decimal integer');
    // ?stateHash= asks for that version: the log's, or one this node rolled back (the chain may have settled it)
    const version = req.query.get('stateHash');
    if (version !== null && !isHex(version, 32)) throw new KestrelError(ErrorCode.MALFORMED, 'stateHash: expected 32 bytes of 0x hex');
    const rec = version === null ? await ledger.batch(BigInt(raw)) : await ledger.batchVersion(BigInt(raw), version);
    if (!rec) throw new KestrelError(ErrorCode.NOT_FOUND, `no batch ${raw}${version === null ? '' : ` with state ${version}`}`);
    return batchResponse(rec);
  });

  addHistoryRoutes(r, ledger, { marketId: (raw) => marketIdParam(node, raw), subaccount: (raw) => hashParam(raw, 'subaccount') });

  r.route(endpoints.health, (): HealthResponse => node.health());

  const openApi = openApiDocument(NODE_VERSION);
  r.on('GET', OPENAPI_PATH, () => openApi);

  r.on('GET', SNAPSHOT_PATH, () => new StreamBody(SNAPSHOT_CONTENT_TYPE, node.snapshots.open()));

  r.on('GET', '/metrics', async () => new TextBody(node.metrics.contentType, await node.metrics.render()));

  return r;
}
