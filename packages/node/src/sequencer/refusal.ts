/**
 * Reading the contract's refusal of a simulated batch: which order to leave out, and the stable
 * code it is reported with.
 *
 * | error | order left out | code |
 * |---|---|---|
 * | `InvalidOrder(i, reason)` | order `i` | by reason: INVALID_SIGNATURE, UNKNOWN_MARKET, NONCE_USED, EXPIRED |
 * | `InvalidFill(j, MAKER_/TAKER_INSUFFICIENT_MARGIN)` | that side of fill `j` (the last fill of the account under margin) | INSUFFICIENT_MARGIN |
 * | `InvalidFill(j, MAKER_/TAKER_STALE_PRICE)` | that side of fill `j` | STALE_PRICE |
 * | `InvalidFill(j, NOT_A_MAKER / POST_ONLY_TAKER)` | the maker / the taker of fill `j` | SETTLEMENT_REFUSED |
 * | `InvalidFill(j, OVERFILL)` | the side the chain holds consumed (cancelled on chain meanwhile), if the caller says which | SETTLEMENT_REFUSED |
 * | `InvalidFill(j, other)` | fill `j`'s taker if it is new in this batch, else its maker | SETTLEMENT_REFUSED |
 * | anything else | none: the batch is not rebuilt | |
 *
 * A new order left out is rejected; a resting one is taken off the book by a `drop` input.
 */
import { ErrorCode, type Hex, type SettlementArgs, type BatchInput } from '@kestrel/core';
import { InvalidFillReason, InvalidOrderReason } from '@kestrel/contracts';

export interface Refusal {
  error: string;
  args: readonly unknown[];
}

const ORDER_REFUSAL: Record<number, ErrorCode> = {
  [InvalidOrderReason.BAD_SIGNATURE]: ErrorCode.INVALID_SIGNATURE,
  [InvalidOrderReason.UNKNOWN_MARKET]: ErrorCode.UNKNOWN_MARKET,
  [InvalidOrderReason.NONCE_CANCELLED]: ErrorCode.NONCE_USED,
  [InvalidOrderReason.EXPIRED]: ErrorCode.EXPIRED,
};
const FILL_REFUSAL: Record<number, ErrorCode> = {
  [InvalidFillReason.MAKER_INSUFFICIENT_MARGIN]: ErrorCode.INSUFFICIENT_MARGIN,
  [InvalidFillReason.TAKER_INSUFFICIENT_MARGIN]: ErrorCode.INSUFFICIENT_MARGIN,
  [InvalidFillReason.MAKER_STALE_PRICE]: ErrorCode.STALE_PRICE,
  [InvalidFillReason.TAKER_STALE_PRICE]: ErrorCode.STALE_PRICE,
};
/** reasons that name the maker's side of the fill */
const MAKER_AT_FAULT = new Set<number>([InvalidFillReason.MAKER_INSUFFICIENT_MARGIN, InvalidFillReason.MAKER_STALE_PRICE, InvalidFillReason.NOT_A_MAKER]);
const TAKER_AT_FAULT = new Set<number>([InvalidFillReason.TAKER_INSUFFICIENT_MARGIN, InvalidFillReason.TAKER_STALE_PRICE, InvalidFillReason.POST_ONLY_TAKER]);

/** The stable code an order refused by the chain is reported with. */
export function refusalCode(sim: Refusal): ErrorCode {
  const reason = Number(sim.args[1]);
  const table = sim.error === 'InvalidOrder' ? ORDER_REFUSAL : sim.error === 'InvalidFill' ? FILL_REFUSAL : {};
  return table[reason] ?? ErrorCode.SETTLEMENT_REFUSED;
}

/**
 * Which order to leave out, from the contract's InvalidOrder / InvalidFill error. `consumed`:
 * orders the chain holds fully filled (read by the caller for an OVERFILL), which is how an
 * order cancelled on chain between building and simulating a batch shows.
 */
export function blame(sim: Refusal, args: SettlementArgs, inputs: readonly BatchInput[], consumed: ReadonlySet<Hex> = new Set()): Hex | undefined {
  const index = Number(sim.args[0]);
  if (sim.error === 'InvalidOrder') return args.hashes[index];
  if (sim.error !== 'InvalidFill') return undefined;
  const fill = args.fills[index];
  if (!fill) return undefined;
  const taker = args.hashes[fill.taker];
  const maker = args.hashes[fill.maker];
  const reason = Number(sim.args[1]);
  if (MAKER_AT_FAULT.has(reason)) return maker;
  if (TAKER_AT_FAULT.has(reason)) return taker;
  if (reason === InvalidFillReason.OVERFILL && maker !== undefined && consumed.has(maker)) return maker;
  if (reason === InvalidFillReason.OVERFILL && taker !== undefined && consumed.has(taker)) return taker;
  // Otherwise prefer an order that is new in this batch: it has not been promised anything yet.
  return inputs.some((i) => i.type === 'order' && i.hash === taker) ? taker : maker;
}
