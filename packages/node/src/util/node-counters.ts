/** The node's counters and histograms (Prometheus, GET /metrics), each named and explained once. */
import type { StageObserver } from '../sequencer/timing.js';
import { CHAIN_SECONDS_BUCKETS, LOCAL_SECONDS_BUCKETS, type Metrics } from './metrics.js';

export function nodeCounters(metrics: Metrics) {
  return {
    submitted: metrics.counter('kestrel_inputs_submitted_total', 'signed inputs accepted through the API'),
    gossipAccepted: metrics.counter('kestrel_gossip_accepted_total', 'gossiped inputs accepted into the mempool'),
    gossipRejected: metrics.counter('kestrel_gossip_rejected_total', 'gossip messages rejected as malformed or badly signed'),
    gossipThrottled: metrics.counter('kestrel_gossip_throttled_total', 'gossiped inputs ignored because their relaying peer exceeded gossipRateLimit'),
    proposalsThrottled: metrics.counter(
      'kestrel_gossip_proposals_throttled_total',
      'gossiped proposals ignored because their relaying peer exceeded proposalRateLimit',
    ),
    batches: metrics.counter('kestrel_batches_total', 'batches applied'),
    tickSeconds: metrics.labeledCounter(
      'kestrel_sequencer_phase_seconds_total',
      "time the sequencer's ticks spent in each phase (read, apply, simulate, commit, publish, submit)",
      ['phase'],
    ),
    fills: metrics.counter('kestrel_fills_total', 'fills in applied batches'),
    refused: metrics.labeledCounter(
      'kestrel_inputs_refused_total',
      'inputs refused, by source (api, gossip, relay, disk), gossip verdict and error code: at admission, or dropped before it (undecodable, oversized, throttled)',
      ['source', 'verdict', 'code'],
    ),
    proposalsIgnored: metrics.labeledCounter(
      'kestrel_gossip_proposals_ignored_total',
      'gossiped proposals ignored or rejected without being applied, by reason',
      ['reason'],
    ),
    expired: metrics.counter('kestrel_mempool_expired_total', 'orders pruned from the mempool as expired before a batch took them'),
    relaySent: metrics.labeledCounter('kestrel_relay_sent_total', 'inputs sent to peers by the relay, by why (resend, exchange)', ['why']),
    relayResults: metrics.labeledCounter(
      'kestrel_relay_results_total',
      'what peers answered for relayed inputs, by the peer role (sequencer, follower), status and code',
      ['peer', 'status', 'code'],
    ),
    relayAnswered: metrics.labeledCounter('kestrel_relay_answered_total', 'relayed inputs this node answered, by status and code', ['status', 'code']),
    relayFailed: metrics.counter('kestrel_relay_failed_total', 'relay requests that failed (no answer, a bad answer, the peer gone)'),
    relayDropped: metrics.labeledCounter(
      'kestrel_relay_dropped_total',
      'inputs dropped from the mempool because the sequencer refused them, by code (orders are kept as rejected)',
      ['code'],
    ),
    admissionSeconds: metrics.labeledHistogram(
      'kestrel_admission_seconds',
      'time from an input reaching admission to its verdict (admitted or refused), by source (api, gossip, relay, disk)',
      LOCAL_SECONDS_BUCKETS,
      ['source'],
    ),
    buildSeconds: metrics.histogram(
      'kestrel_batch_build_seconds',
      'time the sequencer took to build a batch: the engine, the state commitment and the settlement arguments (each build: a batch the chain would refuse is built again)',
      LOCAL_SECONDS_BUCKETS,
    ),
    simulationSeconds: metrics.histogram(
      'kestrel_batch_simulation_seconds',
      "time the chain took to simulate a batch's settlement (each build)",
      CHAIN_SECONDS_BUCKETS,
    ),
    submissionSeconds: metrics.histogram(
      'kestrel_batch_submission_seconds',
      "time from sending a batch's settlement to the RPC taking its transaction (gas, nonce, fees, signing)",
      CHAIN_SECONDS_BUCKETS,
    ),
    receiptSeconds: metrics.histogram(
      'kestrel_batch_receipt_seconds',
      "time from the RPC taking a settlement's transaction to its receipt (mined), replacements included",
      CHAIN_SECONDS_BUCKETS,
    ),
  };
}

/** Sends each timed stage of a batch to its histogram. */
export function batchStageObserver(count: ReturnType<typeof nodeCounters>): StageObserver {
  const to = { build: count.buildSeconds, simulation: count.simulationSeconds, submission: count.submissionSeconds, receipt: count.receiptSeconds };
  return (stage, seconds) => to[stage](seconds);
}
