/**
 * A proposal on the wire: how a sequencer's signed batch travels in gossip, in catch-up answers
 * and on disk, decoded within explicit limits before any signature is checked. The batch itself
 * — its steps, its digest, its settlement — is the core's (`applyBatch`, `proposalDigest`,
 * `settlementOf`).
 */
import { ErrorCode, isSigned, KestrelError, RequestKind, type Hex, type Proposal, type SignedInput } from '@kestrel/core';
import { recoverAddress } from './crypto/recover.js';
import { assertSigned, decodeInput, inputToWire, type InputWire, type SignerCheck } from './inputs.js';

export const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex;

export interface ProposalWire {
  batchId: string;
  timestamp: string;
  requestCursor: string;
  prices: Array<{ marketId: number; roundId: string; price: string; publishedAt: string }>;
  funding: number[];
  requests: Array<{ id: string; kind: number; subaccount: Hex; assetId: number; amount: string }>;
  inputs: InputWire[];
  prevStateHash: Hex;
  stateHash: Hex;
  signature: Hex;
}

export function proposalToWire(p: Proposal): ProposalWire {
  return {
    batchId: p.batchId.toString(),
    timestamp: p.timestamp.toString(),
    requestCursor: p.requestCursor.toString(),
    prices: p.prices.map((u) => ({ marketId: u.marketId, roundId: u.roundId.toString(), price: u.price.toString(), publishedAt: u.publishedAt.toString() })),
    funding: [...p.funding],
    requests: p.requests.map((r) => ({
      id: r.id.toString(),
      kind: r.kind,
      subaccount: r.subaccount,
      assetId: r.assetId,
      amount: r.amount.toString(),
      data: r.data,
    })),
    inputs: p.inputs.map(inputToWire),
    prevStateHash: p.prevStateHash,
    stateHash: p.stateHash,
    signature: p.signature,
  };
}

const bad = (what: string): KestrelError => new KestrelError(ErrorCode.MALFORMED, `proposal: ${what}`);
const big = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^\d{1,40}$/.test(v)) throw bad(what);
  return BigInt(v);
};
const hex32 = (v: unknown, what: string): Hex => {
  if (typeof v !== 'string' || !/^0x[0-9a-f]{64}$/.test(v)) throw bad(what);
  return v as Hex;
};

/** Limits on what a proposal may carry, checked before its inputs are verified. */
export const MAX_BATCH_INPUTS = 2000;
export const MAX_BATCH_REQUESTS = 256;
/** prices and funding updates: one per market at most */
export const MAX_BATCH_MARKETS = 64;

/** The batch id of a wire proposal, read without verifying anything (null if unreadable). */
export function peekBatchId(v: unknown): bigint | null {
  const id = (v as { batchId?: unknown } | null)?.batchId;
  return typeof id === 'string' && /^\d{1,20}$/.test(id) ? BigInt(id) : null;
}

/**
 * Decodes a proposal, its inputs with their digests, without verifying any input's signature
 * (see {@link verifyProposalInputs}): a node checks the proposal's own operator signature first,
 * so a forged proposal costs one recovery, not one per input.
 */
export function decodeProposal(domainSep: Hex, v: unknown): Proposal {
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const w = v as Record<string, unknown>;
  if (!Array.isArray(w.requests) || w.requests.length > MAX_BATCH_REQUESTS) throw bad('requests');
  if (!Array.isArray(w.inputs) || w.inputs.length > MAX_BATCH_INPUTS) throw bad('inputs');
  if (!Array.isArray(w.prices) || w.prices.length > MAX_BATCH_MARKETS) throw bad('prices');
  if (!Array.isArray(w.funding) || w.funding.length > MAX_BATCH_MARKETS) throw bad('funding');
  const marketId = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw bad(what);
    return v;
  };
  const prices = w.prices.map((u: unknown, i: number) => {
    const q = (u ?? {}) as Record<string, unknown>;
    return {
      marketId: marketId(q.marketId, `prices[${i}].marketId`),
      roundId: big(q.roundId, 'roundId'),
      price: big(q.price, 'price'),
      publishedAt: big(q.publishedAt, 'publishedAt'),
    };
  });
  const funding = w.funding.map((m: unknown, i: number) => marketId(m, `funding[${i}]`));
  if (new Set(prices.map((u) => u.marketId)).size !== prices.length || new Set(funding).size !== funding.length) throw bad('a market named twice');
  return {
    batchId: big(w.batchId, 'batchId'),
    timestamp: big(w.timestamp, 'timestamp'),
    requestCursor: big(w.requestCursor, 'requestCursor'),
    prices,
    funding,
    requests: w.requests.map((r: unknown, i: number) => {
      const q = (r ?? {}) as Record<string, unknown>;
      if (typeof q.kind !== 'number' || !Object.values(RequestKind).includes(q.kind as RequestKind)) throw bad(`requests[${i}].kind`);
      if (typeof q.assetId !== 'number' || !Number.isSafeInteger(q.assetId) || q.assetId < 0) throw bad(`requests[${i}].assetId`);
      return {
        id: big(q.id, 'request.id'),
        kind: q.kind as RequestKind,
        subaccount: hex32(q.subaccount, 'request.subaccount'),
        assetId: q.assetId,
        amount: big(q.amount, 'request.amount'),
        data: hex32(q.data, 'request.data'),
      };
    }),
    inputs: w.inputs.map((x: unknown) => decodeInput(domainSep, x)),
    prevStateHash: hex32(w.prevStateHash, 'prevStateHash'),
    stateHash: hex32(w.stateHash, 'stateHash'),
    signature: (() => {
      if (typeof w.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(w.signature)) throw bad('signature');
      return w.signature.toLowerCase() as Hex;
    })(),
  };
}

/**
 * Verifies each input's signature, except those `known` vouches for (inputs this node verified
 * on arrival: a follower has most of a batch in its mempool already). Throws INVALID_SIGNATURE.
 */
export function verifyProposalInputs(p: Pick<Proposal, 'inputs'>, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): void {
  for (const input of p.inputs) if (isSigned(input) && !known?.(input)) assertSigned(input, recoverAddress(input.hash, input.signature), canSign);
}

/** Decodes a proposal and verifies its inputs' signatures ({@link decodeProposal}, {@link verifyProposalInputs}). */
export function proposalFromWire(domainSep: Hex, v: unknown, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): Proposal {
  const p = decodeProposal(domainSep, v);
  verifyProposalInputs(p, known, canSign);
  return p;
}
