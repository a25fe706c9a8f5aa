/**
 * A batch as a state transition: one pure function every role runs — the sequencer that builds
 * it, the followers that replay it, the tests that check it against the contract — so they
 * cannot disagree on the order of its steps (spec: node, batches; contracts, settlement).
 */
import type { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/types.js';
import type { Hex } from '../hex.js';
import type { BatchInput } from './inputs.js';
import { foldConfig } from './config.js';
import { applyRequest, type ChainRequest } from './requests.js';

/** A market's price for a batch: the feed round the contract will read, and what it says. */
export interface PriceUpdate {
  marketId: number;
  roundId: bigint;
  /** X18, normalized from the feed's decimals */
  price: bigint;
  /** when the round was published, unix seconds */
  publishedAt: bigint;
}

/** A batch: its place, its clock, and everything it applies. */
export interface Batch {
  batchId: bigint;
  /** batch clock, unix seconds */
  timestamp: bigint;
  /** prices the batch uses, applied first */
  prices: PriceUpdate[];
  /** perp markets whose funding the batch updates (the engine computes the rate from its book) */
  funding: number[];
  /** requests processed by this batch: ids up to requestCursor − 1 */
  requestCursor: bigint;
  requests: ChainRequest[];
  inputs: BatchInput[];
}

/** A batch as the sequencer proposes it: the state hashes before and after, signed by its operator key. */
export interface Proposal extends Batch {
  prevStateHash: Hex;
  stateHash: Hex;
  /** the sequencer's signature over `proposalDigest` */
  signature: Hex;
}

export interface ApplyOptions {
  /**
   * A funding rate to post instead of the one the engine computes from its book (the engine
   * still clamps it): how a test puts the contract's clamp to work. A node never sets it.
   */
  fundingRate?: (marketId: number) => bigint | undefined;
}

/**
 * Applies a batch in the contract's order — its clock (interest accrues), prices, funding,
 * requests (liquidations among them), the risk plans, the other inputs in sequence (orders,
 * cancels, plan steps), then absorptions and deleveraging, then the resting orders of markets a
 * listing change re-grids or halts (the changes themselves apply after the batch: config.ts) — and ends it (margin calls are judged,
 * and every balance and position moved in the batch is stored once, as the contract does at the
 * end of settleBatch); returns the engine's events.
 */
export function applyBatch(
  engine: Engine,
  b: Pick<Batch, 'timestamp' | 'prices' | 'funding' | 'requests' | 'inputs'>,
  options: ApplyOptions = {},
): EngineEvent[] {
  const events: EngineEvent[] = [];
  const push = (evs: EngineEvent[]): void => {
    for (const e of evs) events.push(e);
  };
  push(engine.apply({ kind: 'time', timestamp: b.timestamp }));
  for (const u of b.prices) push(engine.apply({ kind: 'oracle', marketId: u.marketId, price: u.price, publishedAt: u.publishedAt }));
  for (const marketId of b.funding) {
    const rate = options.fundingRate?.(marketId);
    push(engine.apply(rate === undefined ? { kind: 'funding', marketId } : { kind: 'funding', marketId, rate }));
  }
  for (const r of b.requests) push(applyRequest(engine, r));
  for (const input of b.inputs) if (input.type === 'riskPlan') push(engine.apply({ kind: 'riskPlan', plan: input.plan }));
  for (const input of b.inputs) {
    switch (input.type) {
      case 'order':
        push(engine.apply({ kind: 'place', order: input.order, hash: input.hash }));
        break;
      case 'cancel':
        push(engine.apply({ kind: 'cancel', subaccount: input.cancel.subaccount, hashes: input.cancel.orderHashes }));
        break;
      case 'cancelAll':
        push(engine.apply({ kind: 'cancelAll', subaccount: input.cancelAll.subaccount, marketId: input.cancelAll.marketId }));
        break;
      case 'drop': {
        const o = engine.openOrder(input.hash);
        if (o) push(engine.apply({ kind: 'cancel', subaccount: o.order.subaccount, hashes: [input.hash] }));
        break;
      }
      case 'deRisk':
        push(engine.apply({ kind: 'deRisk', subaccount: input.subaccount }));
        break;
      default:
        break; // plans went first; absorptions and deleveraging come after every fill
    }
  }
  for (const input of b.inputs) if (input.type === 'absorb') push(engine.apply({ kind: 'absorb', subaccount: input.subaccount }));
  for (const input of b.inputs)
    if (input.type === 'deleverage') push(engine.apply({ kind: 'deleverage', subaccount: input.subaccount, marketId: input.marketId }));
  // listing and parameter changes take effect once the batch has settled; the markets whose grid
  // changes (or that halt) lose their resting orders now (config.ts)
  const fold = foldConfig(engine.config, b.requests);
  if (fold !== null) {
    for (const marketId of fold.closed) push(engine.apply({ kind: 'closeMarket', marketId }));
    for (const o of fold.outcomes)
      events.push(
        o.refused === undefined ? { kind: 'configApplied', requestId: o.requestId } : { kind: 'configRefused', requestId: o.requestId, reason: o.refused },
      );
  }
  push(engine.apply({ kind: 'endBatch' }));
  return events;
}
