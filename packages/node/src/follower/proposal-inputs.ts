/**
 * A proposal read from a peer: decoded within the API's limits (`decodeProposal`), then each
 * input's signature verified — except those this node verified already.
 */
import { decodeProposal } from '@kestrel/api';
import { isSigned, type Hex, type Proposal, type SignedInput } from '@kestrel/core';
import { recoverAddress } from '../admission/recover.js';
import { assertSigned, type SignerCheck } from '../admission/signature.js';

/**
 * Verifies each input's signature, except those `known` vouches for (inputs this node verified
 * on arrival: a follower has most of a batch in its mempool already). Throws INVALID_SIGNATURE.
 */
export function verifyProposalInputs(p: Pick<Proposal, 'inputs'>, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): void {
  for (const input of p.inputs) if (isSigned(input) && !known?.(input)) assertSigned(input, recoverAddress(input.hash, input.signature), canSign);
}

/** Decodes a proposal and verifies its inputs' signatures. */
export function proposalFromWire(domainSep: Hex, v: unknown, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): Proposal {
  const p = decodeProposal(domainSep, v);
  verifyProposalInputs(p, known, canSign);
  return p;
}
