/**
 * The engine's inputs that move money between the chain and an account: deposits (credited by
 * the batch that processes them) and withdrawals (paid only when nothing the account owes or
 * risks forbids it). The Exchange contract checks a withdrawal the same way, in the same order.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError, malformed } from '../errors.js';
import type { Hex } from '../hex.js';
import type { Margin } from './margin-check.js';
import type { EngineState } from './state.js';
import type { EngineEvent } from './types.js';

export function deposit(s: EngineState, requestId: bigint, subaccount: Hex, assetId: number, amount: bigint, events: EngineEvent[]): void {
  if (typeof requestId !== 'bigint') throw malformed('deposit: bad requestId');
  if (!s.assets.has(assetId)) throw new KestrelError(ErrorCode.UNKNOWN_ASSET, `deposit: unknown asset ${assetId}`, { assetId });
  if (typeof amount !== 'bigint' || amount < 0n) throw malformed('deposit: amount must be a non-negative bigint');
  s.accounts.add(s.accounts.of(subaccount), assetId, amount);
  s.accounts.moveCash(assetId, amount);
  events.push({ kind: 'deposited', requestId, subaccount, assetId, amount });
}

/**
 * A withdrawal request: paid when the balance covers it, the asset's pool holds the cash, and
 * (with portfolio margin) initial health stays ≥ 0 afterwards, checked in that order.
 */
export function withdraw(
  s: EngineState,
  margin: Margin | undefined,
  requestId: bigint,
  subaccount: Hex,
  assetId: number,
  amount: bigint,
  events: EngineEvent[],
): void {
  if (typeof requestId !== 'bigint') throw malformed('withdraw: bad requestId');
  if (typeof amount !== 'bigint') throw malformed('withdraw: amount must be a bigint');
  const code = !s.assets.has(assetId)
    ? ErrorCode.UNKNOWN_ASSET
    : amount < 0n
      ? ErrorCode.MALFORMED
      : s.accounts.balanceOf(subaccount, assetId) < amount
        ? ErrorCode.INSUFFICIENT_BALANCE
        : s.accounts.cash(assetId) < amount
          ? ErrorCode.INSUFFICIENT_LIQUIDITY
          : margin !== undefined && !margin.allowsWithdrawal(s.accounts, s.accounts.of(subaccount), assetId, amount)
            ? ErrorCode.INSUFFICIENT_MARGIN
            : undefined;
  if (code !== undefined) {
    events.push({ kind: 'withdrawalRejected', requestId, subaccount, assetId, amount, code });
    return;
  }
  s.accounts.add(s.accounts.of(subaccount), assetId, -amount);
  s.accounts.moveCash(assetId, -amount);
  events.push({ kind: 'withdrawn', requestId, subaccount, assetId, amount });
}
