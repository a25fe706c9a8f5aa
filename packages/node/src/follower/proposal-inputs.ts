/**
 * A proposal read from a peer: decoded within the API's limits (`decodeProposal`), then each
 * input's signature verified — except those this node verified already.
 */
import { decodeProposal, type KnownBySignature } from '@kestrel/api';
import { isSigned, type Hex, type Proposal, type SignedInput } from '@kestrel/core';
import { recoverAddress } from '../admission/recover.js';
import { assertSigned, type SignerCheck } from '../admission/signature.js';

/** Recovers the signer of a digest (the node's worker pool, or in place). */
export type Recover = (digest: Hex, signature: Hex) => Promise<string | null>;

const inPlace: Recover = async (digest, signature) => recoverAddress(digest, signature);

/**
 * Verifies each input's signature, except those `known` vouches for (inputs this node verified
 * on arrival: a follower has most of a batch in its mempool already). The rest are recovered all
 * at once through `recover` — off the event loop where the node has its worker pool, so a batch of
 * inputs this node never saw does not hold up its API. Throws INVALID_SIGNATURE.
 */
export async function verifyProposalInputs(
  p: Pick<Proposal, 'inputs'>,
  known?: (input: SignedInput) => boolean,
  canSign?: SignerCheck,
  recover: Recover = inPlace,
): Promise<void> {
  const unknown = p.inputs.filter((input): input is SignedInput => isSigned(input) && !known?.(input));
  const signers = await Promise.all(unknown.map((input) => recover(input.hash, input.signature)));
  for (const [i, input] of unknown.entries()) assertSigned(input, signers[i] ?? null, canSign);
}

/** Decodes a proposal (orders `held` vouches for are not hashed again) and verifies its inputs' signatures. */
export async function proposalFromWire(
  domainSep: Hex,
  v: unknown,
  known?: (input: SignedInput) => boolean,
  canSign?: SignerCheck,
  recover?: Recover,
  held?: KnownBySignature,
): Promise<Proposal> {
  const p = decodeProposal(domainSep, v, held);
  await verifyProposalInputs(p, known, canSign, recover);
  return p;
}
