/**
 * The answering side of the relay: each pushed input is judged on its own, cheapest check first —
 * pending or sequenced here already (`known`), refused here before (`refused` with the code this
 * node recorded), over the peer's allowance (`busy`) — and only then goes through admission, like
 * any other input (source `relay`). A refusal for load is `busy`, not `refused`: the sender keeps
 * the input and tries again later.
 */
import { decodeInput } from '@kestrel/api';
import { ErrorCode, isSigned, KestrelError, type Hex, type SignedInput } from '@kestrel/core';
import type { Ledger } from '../store/ledger.js';
import type { RateLimiter } from '../util/rate-limit.js';
import { verdictOf, type Verdict } from '../admission/verdict.js';
import { decodeRelayRequest, encodeRelay, RELAY_VERSION, relayAnswerDigest, type RelayResult } from './wire.js';

/** Refusals that say "not now", not "never": the sender tries again. */
export const TRANSIENT: ReadonlySet<string> = new Set([ErrorCode.MEMPOOL_FULL, ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL]);
/** Refusals that say "I have it already". */
const DUPLICATE: ReadonlySet<string> = new Set([ErrorCode.DUPLICATE_ORDER, ErrorCode.DUPLICATE_CANCEL]);

export interface ResponderDeps {
  ledger: Pick<Ledger, 'domainSep' | 'mempool' | 'isSequenced' | 'rejectCode' | 'cancelSeen'>;
  /** admission with source `relay` (throws the refusal, which it counts) */
  admit: (input: SignedInput) => Promise<void>;
  /** whether this node sequences */
  sequencer: boolean;
  /** for an operator's node, whether it leads now: it answers as the sequencer only then */
  leading?: () => boolean;
  /** a sequencer signs its answers with its operator key (raw digest signature) */
  sign?: (digest: Hex) => Promise<Hex>;
  /** inputs per peer */
  limiter: RateLimiter;
  maxInputsPerRequest: number;
  /** told of a refusal admission never saw (an undecodable input, a peer over its allowance) */
  onRefused: (verdict: Verdict, code: string) => void;
  /** told of each answer given (metrics) */
  onResult?: (result: RelayResult) => void;
}

export class RelayResponder {
  constructor(private readonly d: ResponderDeps) {}

  /** Answers one request; throws on a request that is not one (the stream is closed unanswered). */
  async answer(data: Uint8Array, peer: string): Promise<Uint8Array> {
    const wires = decodeRelayRequest(data, this.d.maxInputsPerRequest);
    const results: RelayResult[] = [];
    for (const wire of wires) {
      const r = await this.judge(wire, peer);
      this.d.onResult?.(r);
      results.push(r);
    }
    const sequencer = this.d.leading ? this.d.leading() : this.d.sequencer;
    if (!sequencer || !this.d.sign) return encodeRelay({ v: RELAY_VERSION, sequencer, results });
    const signature = await this.d.sign(relayAnswerDigest(this.d.ledger.domainSep, JSON.stringify(results)));
    return encodeRelay({ v: RELAY_VERSION, sequencer: true, results, signature });
  }

  private async judge(wire: unknown, peer: string): Promise<RelayResult> {
    let input: SignedInput;
    try {
      // an input this node holds, re-sent by a peer that has not seen it sequenced, is not hashed again
      const decoded = decodeInput(this.d.ledger.domainSep, wire, (sig) => this.d.ledger.mempool.bySignature(sig));
      if (!isSigned(decoded)) throw new KestrelError(ErrorCode.MALFORMED, 'input: a protocol step is not relayed', { field: 'type' });
      input = decoded;
    } catch (err) {
      const code = err instanceof KestrelError ? err.code : ErrorCode.MALFORMED;
      this.d.onRefused(verdictOf(err), code);
      return { hash: hashOf(wire), status: 'refused', code };
    }
    const { ledger } = this.d;
    const hash = input.hash;
    if (ledger.mempool.has(hash) || ledger.isSequenced(hash) || (input.type !== 'order' && input.type !== 'riskPlan' && ledger.cancelSeen(hash))) {
      return { hash, status: 'known' };
    }
    const rejected = ledger.rejectCode(hash);
    if (rejected !== undefined) return { hash, status: 'refused', code: rejected };
    if (!this.d.limiter.take(peer)) {
      this.d.onRefused('IGNORE', ErrorCode.RATE_LIMITED);
      return { hash, status: 'busy', code: ErrorCode.RATE_LIMITED };
    }
    try {
      await this.d.admit(input);
      return { hash, status: 'accepted' };
    } catch (err) {
      const code = err instanceof KestrelError ? err.code : ErrorCode.INTERNAL;
      if (DUPLICATE.has(code)) return { hash, status: 'known' };
      return { hash, status: TRANSIENT.has(code) ? 'busy' : 'refused', code };
    }
  }
}

/** The digest a malformed input claims, echoed back so the sender can tell which it was. */
function hashOf(wire: unknown): Hex {
  const h = typeof wire === 'object' && wire !== null ? (wire as { hash?: unknown }).hash : undefined;
  return (typeof h === 'string' && /^0x[0-9a-fA-F]{64}$/.test(h) ? h : '0x') as Hex;
}
