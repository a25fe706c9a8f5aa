/**
 * Signed inputs as the node carries them: in the mempool, in gossip, in batch proposals and on
 * disk. Each keeps its signature so a batch can be re-verified by any peer and by the contract.
 */
import {
  isSigned,
  cancelAllDigest,
  cancelDigest,
  orderHash,
  riskPlanDigest,
  subaccountOwner,
  ErrorCode,
  KestrelError,
  type Cancel,
  type CancelAll,
  type Hex,
  type Order,
  type RiskPlan,
  type BatchInput,
  type ProtocolInput,
  type SignedInput,
} from '@kestrel/core';
import {
  cancelAllFromWire,
  cancelAllToWire,
  cancelFromWire,
  cancelToWire,
  orderFromWire,
  orderToWire,
  riskPlanFromWire,
  riskPlanToWire,
  signatureFromWire,
  type CancelAllWire,
  type CancelWire,
  type OrderWire,
  type RiskPlanWire,
} from '@kestrel/sdk';
import { recoverAddress } from './crypto/recover.js';

export type InputWire =
  | { type: 'order'; order: OrderWire; signature: Hex }
  | { type: 'cancel'; cancel: CancelWire; signature: Hex }
  | { type: 'cancelAll'; cancelAll: CancelAllWire; signature: Hex }
  | { type: 'riskPlan'; plan: RiskPlanWire; signature: Hex }
  | { type: 'drop'; hash: Hex }
  | ProtocolInput;

export function inputToWire(input: BatchInput): InputWire {
  switch (input.type) {
    case 'order':
      return { type: 'order', order: orderToWire(input.order), signature: input.signature };
    case 'cancel':
      return { type: 'cancel', cancel: cancelToWire(input.cancel), signature: input.signature };
    case 'cancelAll':
      return { type: 'cancelAll', cancelAll: cancelAllToWire(input.cancelAll), signature: input.signature };
    case 'riskPlan':
      return { type: 'riskPlan', plan: riskPlanToWire(input.plan), signature: input.signature };
    case 'drop':
      return { type: 'drop', hash: input.hash };
    default:
      return { ...input };
  }
}

/**
 * Decodes a wire input and verifies its signature against the domain — unless `known` vouches for
 * it: an input this node verified before (same digest, same signature) is not recovered again.
 * Throws KestrelError (MALFORMED or INVALID_SIGNATURE) — a peer sending either is provably
 * misbehaving.
 */
export function inputFromWire(domainSep: Hex, v: unknown, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): BatchInput {
  const input = decodeInput(domainSep, v);
  if (isSigned(input) && !known?.(input)) assertSigned(input, recoverAddress(input.hash, input.signature), canSign);
  return input;
}

/** May this key sign for the subaccount besides its owner (its linked signer, engine.canSign)? */
export type SignerCheck = (subaccount: Hex, signer: Hex) => boolean;

/**
 * Decodes a wire input and computes its digest without checking the signature: the caller
 * recovers the signer (on a worker, say) and calls {@link assertSigned}. Throws MALFORMED.
 */
export function decodeInput(domainSep: Hex, v: unknown): BatchInput {
  if (typeof v !== 'object' || v === null) throw new KestrelError(ErrorCode.MALFORMED, 'input: expected an object');
  const w = v as Record<string, unknown>;
  switch (w.type) {
    case 'order':
      return prepareOrder(domainSep, orderFromWire(w.order), signatureFromWire(w.signature));
    case 'cancel':
      return prepareCancel(domainSep, cancelFromWire(w.cancel), signatureFromWire(w.signature));
    case 'cancelAll':
      return prepareCancelAll(domainSep, cancelAllFromWire(w.cancelAll), signatureFromWire(w.signature));
    case 'riskPlan':
      return prepareRiskPlan(domainSep, riskPlanFromWire(w.plan), signatureFromWire(w.signature));
    case 'drop':
      if (typeof w.hash !== 'string' || !/^0x[0-9a-f]{64}$/.test(w.hash)) throw new KestrelError(ErrorCode.MALFORMED, 'drop.hash');
      return { type: 'drop', hash: w.hash as Hex };
    case 'deRisk':
    case 'absorb':
      return { type: w.type, subaccount: subaccountField(w.subaccount) };
    case 'deleverage':
      if (typeof w.marketId !== 'number' || !Number.isInteger(w.marketId) || w.marketId < 1 || w.marketId > 0xffffffff)
        throw new KestrelError(ErrorCode.MALFORMED, 'deleverage.marketId');
      return { type: 'deleverage', subaccount: subaccountField(w.subaccount), marketId: w.marketId };
    default:
      throw new KestrelError(ErrorCode.MALFORMED, 'input: unknown type');
  }
}

function subaccountField(v: unknown): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-f]{64}$/.test(v)) throw new KestrelError(ErrorCode.MALFORMED, 'subaccount');
  return v as Hex;
}

/** The subaccount whose owner must have signed the input. */
export function subaccountOfInput(input: SignedInput): Hex {
  switch (input.type) {
    case 'order':
      return input.order.subaccount;
    case 'cancel':
      return input.cancel.subaccount;
    case 'cancelAll':
      return input.cancelAll.subaccount;
    case 'riskPlan':
      return input.plan.subaccount;
  }
}

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

/** An order with its digest, signature not yet checked. */
export function prepareOrder(domainSep: Hex, order: Order, signature: Hex): SignedInput & { type: 'order' } {
  return { type: 'order', order, signature, hash: orderHash(domainSep, order) };
}

export function prepareCancel(domainSep: Hex, cancel: Cancel, signature: Hex): SignedInput & { type: 'cancel' } {
  return { type: 'cancel', cancel, signature, hash: cancelDigest(domainSep, cancel) };
}

export function prepareCancelAll(domainSep: Hex, cancelAll: CancelAll, signature: Hex): SignedInput & { type: 'cancelAll' } {
  return { type: 'cancelAll', cancelAll, signature, hash: cancelAllDigest(domainSep, cancelAll) };
}

export function prepareRiskPlan(domainSep: Hex, plan: RiskPlan, signature: Hex): SignedInput & { type: 'riskPlan' } {
  return { type: 'riskPlan', plan, signature, hash: riskPlanDigest(domainSep, plan) };
}

function verified<T extends SignedInput>(input: T): T {
  assertSigned(input, recoverAddress(input.hash, input.signature));
  return input;
}

export function verifyOrder(domainSep: Hex, order: Order, signature: Hex): SignedInput & { type: 'order' } {
  return verified(prepareOrder(domainSep, order, signature));
}

export function verifyCancel(domainSep: Hex, cancel: Cancel, signature: Hex): SignedInput & { type: 'cancel' } {
  return verified(prepareCancel(domainSep, cancel, signature));
}

export function verifyCancelAll(domainSep: Hex, cancelAll: CancelAll, signature: Hex): SignedInput & { type: 'cancelAll' } {
  return verified(prepareCancelAll(domainSep, cancelAll, signature));
}
