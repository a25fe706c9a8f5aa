/**
 * A signed input's signature, judged: the signer recovered from its digest must be the
 * subaccount's owner, or a key the engine names its linked signer (never for a risk plan).
 */
import {
  ErrorCode,
  isSigned,
  KestrelError,
  orderInput,
  subaccountOfInput,
  subaccountOwner,
  type BatchInput,
  type Hex,
  type Order,
  type SignedInput,
} from '@kestrel/core';
import { decodeInput } from '@kestrel/api';
import { recoverAddress } from './recover.js';

/** May this key sign for the subaccount besides its owner (its linked signer, engine.canSign)? */
export type SignerCheck = (subaccount: Hex, signer: Hex) => boolean;

/**
 * Throws INVALID_SIGNATURE unless `signer` (recovered from the input's digest) may sign it: the
 * subaccount's owner, or a key `canSign` accepts (its unexpired linked signer in the engine).
 */
export function assertSigned(input: SignedInput, signer: string | null, canSign?: SignerCheck): void {
  const subaccount = subaccountOfInput(input);
  if (signer !== null && signer === subaccountOwner(subaccount)) return;
  // a linked signer trades; it does not decide how the account is de-risked (the contract agrees)
  if (signer !== null && input.type !== 'riskPlan' && canSign?.(subaccount, signer as Hex) === true) return;
  throw new KestrelError(ErrorCode.INVALID_SIGNATURE, 'signature is not by the subaccount owner or its linked signer', { digest: input.hash });
}

/**
 * Decodes a wire input and verifies its signature against the domain — unless `known` vouches for
 * it: an input this node verified before (same digest, same signature) is not recovered again.
 * Throws MALFORMED or INVALID_SIGNATURE — a peer sending either is provably misbehaving.
 */
export function inputFromWire(domainSep: Hex, v: unknown, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): BatchInput {
  const input = decodeInput(domainSep, v);
  if (isSigned(input) && !known?.(input)) assertSigned(input, recoverAddress(input.hash, input.signature), canSign);
  return input;
}

function verified<T extends SignedInput>(input: T): T {
  assertSigned(input, recoverAddress(input.hash, input.signature));
  return input;
}

/** An order whose signature is its owner's (throws INVALID_SIGNATURE). */
export function verifyOrder(domainSep: Hex, order: Order, signature: Hex): SignedInput & { type: 'order' } {
  return verified(orderInput(domainSep, order, signature));
}
