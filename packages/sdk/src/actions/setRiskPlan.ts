import { ErrorCode, MAX_PLAN_MARKETS, MAX_PLAN_SLIPPAGE_BPS, type Hex, type RiskPlan } from '@kestrel/core';
import { riskPlanToWire, type RiskPlanBody, type RiskPlanResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, type KestrelApiError } from '../errors.js';
import { nextNonce, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import { signKestrelTypedData } from '../utils/sign.js';
import { getDomain } from './getDomain.js';

export type SetRiskPlanParameters = SubaccountRef & {
  /** market ids, reduced first to last if the account is in margin call past its grace window */
  marketOrder: readonly number[];
  /** the worst price a plan order accepts, in basis points from the index (at most 5,000) */
  maxSlippageBps: number;
  /** seconds after a margin call before the plan runs; the protocol caps it (maxGraceSeconds) */
  graceSeconds: number;
  /** a higher nonce replaces the last plan; default: the client's next nonce (as orders take them: never the same twice, even within a millisecond) */
  nonce?: bigint;
};
/** The signed plan, its digest, and the node's answer. */
export interface SetRiskPlanReturnType extends RiskPlanResponse {
  plan: RiskPlan;
  signature: Hex;
}
export type SetRiskPlanErrorType = KestrelSdkError | KestrelApiError;

/**
 * Signs the subaccount's de-risking plan (spec/de-risking.md) with the owner's key and sends it
 * (`POST /v1/risk-plans`). The plan takes effect once sequenced, and the Exchange stores its
 * bounds: if the account falls into margin call and the trader does nothing for the grace
 * window, the protocol reduces it in this market order, never beyond the slippage bound, and only
 * as far as restores maintenance health. Only the owner may sign a plan (not a linked signer).
 *
 * @example
 * ```ts
 * await client.setRiskPlan({ marketOrder: [3, 1], maxSlippageBps: 150, graceSeconds: 600 });
 * ```
 */
export async function setRiskPlan(client: KestrelBaseClient, parameters: SetRiskPlanParameters): Promise<SetRiskPlanReturnType> {
  const { marketOrder, maxSlippageBps, graceSeconds } = parameters;
  if (!Array.isArray(marketOrder) || marketOrder.length > MAX_PLAN_MARKETS || new Set(marketOrder).size !== marketOrder.length) {
    throw new KestrelSdkError(ErrorCode.INVALID_PLAN, `marketOrder must name at most ${MAX_PLAN_MARKETS} markets, each once`, { details: { marketOrder } });
  }
  if (!Number.isInteger(maxSlippageBps) || maxSlippageBps < 0 || maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS) {
    throw new KestrelSdkError(ErrorCode.INVALID_PLAN, `maxSlippageBps must be an integer in 0..${MAX_PLAN_SLIPPAGE_BPS}`, { details: { maxSlippageBps } });
  }
  const plan: RiskPlan = {
    subaccount: resolveSubaccount(client, parameters, 'setRiskPlan'),
    marketOrder: [...marketOrder],
    maxSlippageBps,
    graceSeconds,
    nonce: parameters.nonce ?? nextNonce(client),
  };
  const signature = await signKestrelTypedData(client, await getDomain(client), { primaryType: 'RiskPlan', message: plan }, 'setRiskPlan');
  const body: RiskPlanBody = { plan: riskPlanToWire(plan), signature };
  const answer = await request(client, 'riskPlan', { body });
  return { ...answer, plan, signature };
}
