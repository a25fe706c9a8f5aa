/**
 * The bounds of the relay of pending inputs (spec/node.md, Delivery), each with its reason. Every
 * one is configurable under `relay` in the node's configuration.
 */
import type { RateLimit } from '../util/rate-limit.js';

export interface RelayLimits {
  /** how often the inputs due for a re-send are looked for, ms */
  intervalMs: number;
  /** an input not sequenced this long after it was admitted is re-sent, ms */
  firstResendMs: number;
  /** the longest wait between two re-sends of one input, ms (each wait doubles up to it) */
  maxBackoffMs: number;
  /** inputs in one request (a request is refused past it) */
  maxInputsPerRequest: number;
  /** inputs re-sent in one round, over all peers */
  maxInputsPerRound: number;
  /** pending inputs pushed to a peer when it connects, oldest first */
  exchangeMaxInputs: number;
  /** a request not answered within this is given up (its inputs wait for their next turn), ms */
  requestTimeoutMs: number;
  /** inputs one peer may push per second; past it they are answered `busy` (RATE_LIMITED) */
  rateLimit: RateLimit;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  // Twice a second: a re-send waits at most half a second past its due time.
  intervalMs: 500,
  // Eight batches at the default 250 ms interval: an input gossip delivered is sequenced well
  // before, so only what gossip lost is sent again.
  firstResendMs: 2_000,
  // A sequencer that stays busy or out of reach is asked at most every 30 s per input.
  maxBackoffMs: 30_000,
  // About 200 KiB of inputs (an order is under 1 KiB): far below maxGossipBytes, the size bound
  // of a request and of its answer.
  maxInputsPerRequest: 200,
  // 1,000 every 500 ms: 2,000 inputs a second at most, the intake of the batch loop at its
  // defaults (500 inputs every 250 ms), so re-sends cannot outrun what the sequencer can take.
  maxInputsPerRound: 1_000,
  // A quarter of the default mempool: what a node reconnecting after a short cut holds, pushed in
  // 25 requests, without sending a full mempool to each new peer.
  exchangeMaxInputs: 5_000,
  // Loopback and LAN answers take milliseconds; a peer that takes 5 s is not keeping up.
  requestTimeoutMs: 5_000,
  // The same per-peer allowance as gossiped inputs (gossipRateLimit): a peer relays for all of
  // its clients.
  rateLimit: { perSecond: 2_000, burst: 4_000 },
};
