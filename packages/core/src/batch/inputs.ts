/**
 * What a batch sequences: inputs signed by traders, and the steps the protocol takes itself
 * (spec: node, batches). Each signed input keeps its signature, so any peer and the contract can
 * verify the batch again.
 */
import { cancelAllDigest, cancelDigest, orderHash, riskPlanDigest, type Cancel, type CancelAll, type Order, type RiskPlan } from '../eip712.js';
import type { Hex } from '../hex.js';

export type SignedInput =
  | { type: 'order'; order: Order; signature: Hex; hash: Hex }
  | { type: 'cancel'; cancel: Cancel; signature: Hex; hash: Hex }
  | { type: 'cancelAll'; cancelAll: CancelAll; signature: Hex; hash: Hex }
  /** a de-risking plan: only the subaccount's owner may sign one (not its linked signer) */
  | { type: 'riskPlan'; plan: RiskPlan; signature: Hex; hash: Hex };

/**
 * The protocol's own steps, which the sequencer adds from the engine's due list and every node
 * replays: a flagged account's plan step, the fund absorbing a bankrupt account, and
 * deleveraging one of its positions.
 */
export type ProtocolInput = { type: 'deRisk' | 'absorb'; subaccount: Hex } | { type: 'deleverage'; subaccount: Hex; marketId: number };

/**
 * A sequenced input of a batch: a signed input, `drop` — the sequencer's removal of a resting
 * order the chain refuses to settle (for example after an on-chain cancel it had not seen yet) —
 * or a protocol step.
 */
export type BatchInput = SignedInput | { type: 'drop'; hash: Hex } | ProtocolInput;

/** Is the input signed by a trader (as opposed to a sequencer's drop or protocol step)? */
export function isSigned(input: BatchInput): input is SignedInput {
  return input.type === 'order' || input.type === 'cancel' || input.type === 'cancelAll' || input.type === 'riskPlan';
}

/** The signed order an order input of `inputs` carries, if any. */
export function findOrderInput(inputs: readonly BatchInput[], hash: Hex): { order: Order; signature: Hex } | undefined {
  const i = inputs.find((x) => x.type === 'order' && x.hash === hash);
  return i?.type === 'order' ? i : undefined;
}

/** An order input with its digest under the domain (its signature not checked here). */
export function orderInput(domainSep: Hex, order: Order, signature: Hex): SignedInput & { type: 'order' } {
  return { type: 'order', order, signature, hash: orderHash(domainSep, order) };
}

export function cancelInput(domainSep: Hex, cancel: Cancel, signature: Hex): SignedInput & { type: 'cancel' } {
  return { type: 'cancel', cancel, signature, hash: cancelDigest(domainSep, cancel) };
}

export function cancelAllInput(domainSep: Hex, cancelAll: CancelAll, signature: Hex): SignedInput & { type: 'cancelAll' } {
  return { type: 'cancelAll', cancelAll, signature, hash: cancelAllDigest(domainSep, cancelAll) };
}

export function riskPlanInput(domainSep: Hex, plan: RiskPlan, signature: Hex): SignedInput & { type: 'riskPlan' } {
  return { type: 'riskPlan', plan, signature, hash: riskPlanDigest(domainSep, plan) };
}

/** The subaccount whose owner (or linked signer) must have signed the input. */
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
