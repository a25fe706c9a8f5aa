import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from 'viem';
import { KestrelBaseError } from '@kestrel/core';
import { exchangeAbi } from './generated/artifacts.js';
import { InvalidBatchReason, InvalidFillReason, InvalidOrderReason } from './types.js';

/** A custom error of the Exchange, decoded. */
export interface DecodedExchangeError {
  /** the Solidity error name, e.g. `InvalidFill` */
  name: string;
  /** its arguments as viem decodes them (uint256 → bigint, uint8 → number) */
  args: readonly unknown[];
  /** for InvalidOrder / InvalidFill: the index into `batch.orders` / `batch.fills` */
  index?: number;
  /** for InvalidOrder / InvalidFill / InvalidBatch: the reason code's name, e.g. `OVERFILL` */
  reason?: string;
}

const reasonNames = (table: Record<string, number>): Map<number, string> => new Map(Object.entries(table).map(([name, code]) => [code, name]));
const ORDER_REASONS = reasonNames(InvalidOrderReason);
const FILL_REASONS = reasonNames(InvalidFillReason);
const BATCH_REASONS = reasonNames(InvalidBatchReason);

function describe(name: string, args: readonly unknown[]): DecodedExchangeError {
  const out: DecodedExchangeError = { name, args };
  if ((name === 'InvalidOrder' || name === 'InvalidFill') && typeof args[0] === 'bigint') {
    out.index = Number(args[0]);
    const reason = (name === 'InvalidOrder' ? ORDER_REASONS : FILL_REASONS).get(Number(args[1]));
    if (reason) out.reason = reason;
  } else if (name === 'InvalidBatch') {
    const reason = BATCH_REASONS.get(Number(args[0]));
    if (reason) out.reason = reason;
  }
  return out;
}

function decodeData(data: Hex): DecodedExchangeError | null {
  try {
    const decoded = decodeErrorResult({ abi: exchangeAbi, data });
    return describe(decoded.errorName, decoded.args ?? []);
  } catch {
    return null;
  }
}

const isRevertData = (v: unknown): v is Hex => typeof v === 'string' && /^0x[0-9a-fA-F]{8,}$/.test(v);

/**
 * Extracts the Exchange's custom error from whatever viem threw for a failed `simulateContract`,
 * `writeContract`, `estimateContractGas` or raw `call`, so a sequencer can drop the bad order or
 * fill and rebuild the batch. Returns `null` when the error carries no Exchange revert (a
 * network failure, an out-of-gas, a plain `revert()`).
 *
 * @example
 * ```ts
 * try {
 *   await publicClient.simulateContract({ address, abi: exchangeAbi, functionName: 'settleBatch', args: [batch], account });
 * } catch (err) {
 *   const e = decodeExchangeError(err); // { name: 'InvalidFill', args: [3n, 4], index: 3, reason: 'OVERFILL' }
 * }
 * ```
 */
export function decodeExchangeError(error: unknown): DecodedExchangeError | null {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data) return describe(reverted.data.errorName, reverted.data.args ?? []);
      if (reverted.raw) return decodeData(reverted.raw);
    }
  }
  // Raw revert data somewhere in the cause chain (e.g. an RPC error of a plain eth_call).
  const seen = new Set<unknown>();
  let cur: unknown = error;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const data = (cur as { data?: unknown }).data;
    if (isRevertData(data)) return decodeData(data);
    if (data && typeof data === 'object' && isRevertData((data as { data?: unknown }).data)) {
      return decodeData((data as { data: Hex }).data);
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

/** A revert of the Exchange as an error of the Kestrel tree: its custom error, index and reason in `details`. */
export class ExchangeRevertError extends KestrelBaseError<
  'CONTRACT_REVERTED',
  { errorName: string; args: readonly unknown[]; index?: number; reason?: string }
> {
  override name = 'ExchangeRevertError';
  constructor(decoded: DecodedExchangeError, cause: unknown) {
    const shown = `${decoded.name}(${decoded.args.map(String).join(', ')})${decoded.reason ? ` ${decoded.reason}` : ''}`;
    const details: ExchangeRevertError['details'] = { errorName: decoded.name, args: decoded.args };
    if (decoded.index !== undefined) details.index = decoded.index;
    if (decoded.reason !== undefined) details.reason = decoded.reason;
    super('CONTRACT_REVERTED', `the Exchange reverted: ${shown}`, { details, cause });
  }
}

/** The Exchange's revert inside whatever viem threw, as a typed error; null when there is none (see {@link decodeExchangeError}). */
export function exchangeRevert(error: unknown): ExchangeRevertError | null {
  const decoded = decodeExchangeError(error);
  return decoded ? new ExchangeRevertError(decoded, error) : null;
}
