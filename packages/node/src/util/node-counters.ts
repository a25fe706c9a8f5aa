/** The node's counters (Prometheus, GET /metrics), each named and explained once. */
import type { Metrics } from './metrics.js';

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
    tickSeconds: metrics.labeledCounter<'phase'>(
      'kestrel_sequencer_phase_seconds_total',
      "time the sequencer's ticks spent in each phase (read, apply, simulate, commit, publish, submit)",
    ),
    fills: metrics.counter('kestrel_fills_total', 'fills in applied batches'),
    refused: metrics.labeledCounter<'source' | 'verdict' | 'code'>(
      'kestrel_inputs_refused_total',
      'inputs refused, by source (api, gossip, relay, disk), gossip verdict and error code: at admission, or dropped before it (undecodable, oversized, throttled)',
    ),
    proposalsIgnored: metrics.labeledCounter<'reason'>(
      'kestrel_gossip_proposals_ignored_total',
      'gossiped proposals ignored or rejected without being applied, by reason',
    ),
    expired: metrics.counter('kestrel_mempool_expired_total', 'orders pruned from the mempool as expired before a batch took them'),
    relaySent: metrics.labeledCounter<'why'>('kestrel_relay_sent_total', 'inputs sent to peers by the relay, by why (resend, exchange)'),
    relayResults: metrics.labeledCounter<'peer' | 'status' | 'code'>(
      'kestrel_relay_results_total',
      'what peers answered for relayed inputs, by the peer role (sequencer, follower), status and code',
    ),
    relayAnswered: metrics.labeledCounter<'status' | 'code'>('kestrel_relay_answered_total', 'relayed inputs this node answered, by status and code'),
    relayFailed: metrics.counter('kestrel_relay_failed_total', 'relay requests that failed (no answer, a bad answer, the peer gone)'),
    relayDropped: metrics.labeledCounter<'code'>(
      'kestrel_relay_dropped_total',
      'inputs dropped from the mempool because the sequencer refused them, by code (orders are kept as rejected)',
    ),
  };
}
