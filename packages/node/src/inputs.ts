/**
 * Signed inputs as the node carries them: in the mempool, in gossip, in batch proposals and on
 * disk. Each keeps its signature so a batch can be re-verified by any peer and by the contract.
 */
import {
  cancelAllDigest,
  cancelDigest,
  orderHash,
  subaccountOwner,
  ErrorCode,
  KestrelError,
  type Cancel,
  type CancelAll,
  type Hex,
  type Order,
} from '@kestrel/core';
import {
  cancelAllFromWire,
  cancelAllToWire,
  cancelFromWire,
  cancelToWire,
  orderFromWire,
  orderToWire,
  signatureFromWire,
  type CancelAllWire,
  type CancelWire,
  type OrderWire,
} from '@kestrel/sdk';
import { recoverAddress } from './crypto/recover.js';

export type SignedInput =
  | { type: 'order'; order: Order; signature: Hex; hash: Hex }
  | { type: 'cancel'; cancel: Cancel; signature: Hex; hash: Hex }
  | { type: 'cancelAll'; cancelAll: CancelAll; signature: Hex; hash: Hex };

/**
 * A sequenced input of a batch: a signed input, or `drop` — the sequencer's removal of a resting
 * order the chain refuses to settle (for example after an on-chain cancel it had not seen yet).
 */
export type BatchInput = SignedInput | { type: 'drop'; hash: Hex };

export type InputWire =
  | { type: 'order'; order: OrderWire; signature: Hex }
  | { type: 'cancel'; cancel: CancelWire; signature: Hex }
  | { type: 'cancelAll'; cancelAll: CancelAllWire; signature: Hex }
  | { type: 'drop'; hash: Hex };

export function inputToWire(input: BatchInput): InputWire {
  switch (input.type) {
    case 'order':
      return { type: 'order', order: orderToWire(input.order), signature: input.signature };
    case 'cancel':
      return { type: 'cancel', cancel: cancelToWire(input.cancel), signature: input.signature };
    case 'cancelAll':
      return { type: 'cancelAll', cancelAll: cancelAllToWire(input.cancelAll), signature: input.signature };
    case 'drop':
      return { type: 'drop', hash: input.hash };
  }
}

/**
 * Decodes a wire input and verifies its signature against the domain. Throws KestrelError
 * (MALFORMED or INVALID_SIGNATURE) — a peer sending either is provably misbehaving.
 */
export function inputFromWire(domainSep: Hex, v: unknown): BatchInput {
  if (typeof v !== 'object' || v === null) throw new KestrelError(ErrorCode.MALFORMED, 'input: expected an object');
  const w = v as Record<string, unknown>;
  switch (w.type) {
    case 'order':
      return verifyOrder(domainSep, orderFromWire(w.order), signatureFromWire(w.signature));
    case 'cancel':
      return verifyCancel(domainSep, cancelFromWire(w.cancel), signatureFromWire(w.signature));
    case 'cancelAll':
      return verifyCancelAll(domainSep, cancelAllFromWire(w.cancelAll), signatureFromWire(w.signature));
    case 'drop':
      if (typeof w.hash !== 'string' || !/^0x[0-9a-f]{64}$/.test(w.hash)) throw new KestrelError(ErrorCode.MALFORMED, 'drop.hash');
      return { type: 'drop', hash: w.hash as Hex };
    default:
      throw new KestrelError(ErrorCode.MALFORMED, 'input: unknown type');
  }
}

function checkSigner(digest: Hex, signature: Hex, subaccount: Hex): void {
  const signer = recoverAddress(digest, signature);
  // Linked signers arrive with the account issue; today only the owner signs.
  if (signer === null || signer !== subaccountOwner(subaccount)) {
    throw new KestrelError(ErrorCode.INVALID_SIGNATURE, 'signature is not by the subaccount owner', { digest });
  }
}

export function verifyOrder(domainSep: Hex, order: Order, signature: Hex): SignedInput & { type: 'order' } {
  const hash = orderHash(domainSep, order);
  checkSigner(hash, signature, order.subaccount);
  return { type: 'order', order, signature, hash };
}

export function verifyCancel(domainSep: Hex, cancel: Cancel, signature: Hex): SignedInput & { type: 'cancel' } {
  const hash = cancelDigest(domainSep, cancel);
  checkSigner(hash, signature, cancel.subaccount);
  return { type: 'cancel', cancel, signature, hash };
}

export function verifyCancelAll(domainSep: Hex, cancelAll: CancelAll, signature: Hex): SignedInput & { type: 'cancelAll' } {
  const hash = cancelAllDigest(domainSep, cancelAll);
  checkSigner(hash, signature, cancelAll.subaccount);
  return { type: 'cancelAll', cancelAll, signature, hash };
}
