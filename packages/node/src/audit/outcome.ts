/**
 * A settled batch's outcome, spelled the same way from two sides: from the engine's events when a
 * node applies the batch, and from the Exchange's events in the transaction that settled it. The
 * chain re-verifies a batch but decides some things itself — whether a withdrawal pays out or a
 * liquidation stands, the interest and funding it accrues — and a batch whose state hash the chain
 * took can still have moved money otherwise than the engine did. Comparing the two outcomes finds
 * that (spec/node.md "Auditing settled batches").
 *
 * Each entry is one line of text; the outcome is the sorted list (the chain emits in its own
 * order). Order fills are counted, not listed: the chain applied exactly the fills it was given.
 */
import { toFunctionSelector } from 'viem';
import type { EngineEvent, Proposal } from '@kestrel/core';

const low = (h: string): string => h.toLowerCase();

/** The outcome as the engine applied it: `events` of `p`, with `fillCount` fills sent to the chain. */
export function engineOutcome(
  p: Pick<Proposal, 'batchId' | 'stateHash' | 'timestamp' | 'requestCursor'>,
  events: readonly EngineEvent[],
  fillCount: number,
): string[] {
  const out = [`settled|${p.batchId}|${low(p.stateHash)}|${p.timestamp}|${p.requestCursor}|${fillCount}`];
  for (const e of events) {
    switch (e.kind) {
      case 'deposited':
      case 'withdrawn':
      case 'withdrawalRejected':
        out.push(`${e.kind}|${e.requestId}|${low(e.subaccount)}|${e.assetId}|${e.amount}`);
        break;
      case 'liquidated':
        out.push(`liquidated|${e.requestId}|${low(e.subaccount)}|${low(e.liquidator)}|${e.marketId}|${e.amount}|${e.quote}|${e.insuranceShare}`);
        break;
      case 'liquidationRejected':
        out.push(`liquidationRejected|${e.requestId}|${low(e.subaccount)}`);
        break;
      case 'fundingUpdated':
        out.push(`fundingUpdated|${e.marketId}|${e.rate}|${e.cumFunding}`);
        break;
      case 'interestAccrued':
        if (e.interest !== 0n) out.push(`interestAccrued|${e.assetId}|${e.interest}|${e.reserve}`);
        break;
      case 'marginCall':
        out.push(`marginCall|${low(e.subaccount)}|${e.at}`);
        break;
      case 'marginCallCleared':
        out.push(`marginCallCleared|${low(e.subaccount)}`);
        break;
      case 'absorbed':
        out.push(`absorbed|${low(e.subaccount)}|${e.deficit}`);
        break;
      case 'deleveraged':
        out.push(`deleveraged|${low(e.subaccount)}|${low(e.counterparty)}|${e.marketId}|${e.amount}|${e.quote}`);
        break;
      case 'configApplied':
        out.push(`config|${e.requestId}|applied`);
        break;
      case 'configRefused':
        out.push(`config|${e.requestId}|refused|${e.reason}`);
        break;
    }
  }
  return out.sort();
}

/** The errors a listing change may be refused with, by selector. */
const REFUSALS = new Map<string, string>(['InvalidParams', 'UnknownAsset'].map((name) => [toFunctionSelector(`${name}()`), name]));

/** An Exchange event as viem decodes it. */
export interface ChainEvent {
  eventName: string;
  args: Record<string, unknown>;
}

const s = (v: unknown): string => (typeof v === 'string' ? low(v) : String(v));

/** The outcome as the chain settled it: the Exchange's events of the one transaction that settled the batch. */
export function chainOutcome(events: readonly ChainEvent[]): string[] {
  const out: string[] = [];
  for (const { eventName: n, args: a } of events) {
    switch (n) {
      case 'BatchSettled':
        out.push(`settled|${s(a.batchId)}|${s(a.stateHash)}|${s(a.timestamp)}|${s(a.requestCursor)}|${s(a.fillCount)}`);
        break;
      case 'ConfigApplied':
        out.push(`config|${s(a.requestId)}|applied`);
        break;
      case 'ConfigRefused':
        out.push(`config|${s(a.requestId)}|refused|${REFUSALS.get(s(a.reason)) ?? s(a.reason)}`);
        break;
      case 'Deposited':
      case 'Withdrawn':
      case 'WithdrawalRejected':
        out.push(`${n[0]!.toLowerCase()}${n.slice(1)}|${s(a.requestId)}|${s(a.subaccount)}|${s(a.assetId)}|${s(a.amount)}`);
        break;
      case 'Liquidated':
        out.push(`liquidated|${s(a.requestId)}|${s(a.subaccount)}|${s(a.liquidator)}|${s(a.marketId)}|${s(a.amount)}|${s(a.quote)}|${s(a.insuranceShare)}`);
        break;
      case 'LiquidationRejected':
        out.push(`liquidationRejected|${s(a.requestId)}|${s(a.subaccount)}`);
        break;
      case 'FundingUpdated':
        out.push(`fundingUpdated|${s(a.marketId)}|${s(a.rate)}|${s(a.cumFunding)}`);
        break;
      case 'InterestAccrued':
        out.push(`interestAccrued|${s(a.assetId)}|${s(a.interest)}|${s(a.reserve)}`);
        break;
      case 'MarginCall':
        out.push(`marginCall|${s(a.subaccount)}|${s(a.flaggedAt)}`);
        break;
      case 'MarginCallCleared':
        out.push(`marginCallCleared|${s(a.subaccount)}`);
        break;
      case 'Absorbed':
        out.push(`absorbed|${s(a.subaccount)}|${s(a.deficit)}`);
        break;
      case 'Deleveraged':
        out.push(`deleveraged|${s(a.subaccount)}|${s(a.counterparty)}|${s(a.marketId)}|${s(a.amount)}|${s(a.quote)}`);
        break;
    }
  }
  return out.sort();
}

/** What one side has that the other lacks (both sorted), or null when they agree. */
export function outcomeDiff(chain: readonly string[], node: readonly string[]): { chain: string[]; node: string[] } | null {
  const left = [...chain];
  const right: string[] = [];
  for (const line of node) {
    const i = left.indexOf(line);
    if (i >= 0) left.splice(i, 1);
    else right.push(line);
  }
  return left.length === 0 && right.length === 0 ? null : { chain: left, node: right };
}
