/**
 * How a gossiped batch proposal is let in, cheapest check first: its batch id (nothing older than
 * this node's last batch is worth anything), its shape, then the one signature that says who sent
 * it — an operator in its turn by the chain's leader schedule; an operator out of its turn is
 * IGNOREd (an honest peer may relay a leader's last proposal just after its epoch ended), anyone
 * else REJECTed with the peer relaying it — and only then the signatures of its inputs, which may
 * be thousands. A stranger cannot make a node recover signatures at will.
 */
import { decodeProposal, peekBatchId, type KnownBySignature } from '@kestrel/api';
import type { Proposal } from '@kestrel/core';
import type { Hex } from '@kestrel/core';
import type { RateLimit } from '../util/rate-limit.js';
import { verdictOf } from '../admission/verdict.js';
import type { Verdict } from './network.js';

/**
 * Proposals one peer may relay: the leader sends one a batch (four a second at the default
 * interval), so 20 a second with bursts of 40 leaves room for replacements and catch-up while a
 * flooding peer is cut off before any signature is recovered.
 */
export const PROPOSAL_RATE_LIMIT: RateLimit = Object.freeze({ perSecond: 20, burst: 40 });

export interface ProposalGate {
  /** whether a proposal for this batch id may matter (the next batch, or a replacement of ours) */
  wants(batchId: bigint): boolean;
  /** who signed the proposal: an operator in its turn, one out of its turn, or no operator */
  proposer(p: Proposal): Promise<'in-turn' | 'out-of-turn' | 'stranger'>;
  /** verifies the inputs' signatures; rejects on a bad one */
  verifyInputs(p: Proposal): Promise<void>;
  /** inputs this node holds, by signature: their orders are not hashed again */
  held?: KnownBySignature;
}

export type GateResult = { verdict: Verdict; proposal?: undefined } | { verdict: 'ACCEPT'; proposal: Proposal };

export async function admitProposal(domainSep: Hex, body: unknown, gate: ProposalGate): Promise<GateResult> {
  const id = peekBatchId(body);
  if (id === null) return { verdict: 'REJECT' };
  if (!gate.wants(id)) return { verdict: 'IGNORE' };
  try {
    const p = decodeProposal(domainSep, body, gate.held);
    const proposer = await gate.proposer(p);
    if (proposer !== 'in-turn') return { verdict: proposer === 'stranger' ? 'REJECT' : 'IGNORE' };
    await gate.verifyInputs(p); // an operator's proposal carrying a badly signed input is provably bad too
    return { verdict: 'ACCEPT', proposal: p };
  } catch (err) {
    return { verdict: verdictOf(err) };
  }
}
