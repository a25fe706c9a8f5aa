import {
  ErrorCode,
  feeFor,
  initialHealth,
  mulX18,
  parseX18,
  realize,
  riskReport,
  type AssetHolding,
  type MarginParams,
  type PerpHolding,
  type Portfolio,
  type RiskReport,
} from '@kestrel/core';
import type { AccountResponse, MarketWire, RiskResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, type KestrelApiError } from '../errors.js';
import { resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import { getRisk } from './getRisk.js';

/** What a what-if applies, in order (human decimal strings, exact). */
export type SimulateAction =
  /** a taker trade of `amount` base at `price` (default: the market's index), paying the taker fee */
  | { kind: 'trade'; marketId: number; side: 'buy' | 'sell'; amount: string; price?: string }
  | { kind: 'deposit'; assetId: number; amount: string }
  | { kind: 'withdraw'; assetId: number; amount: string };

export type SimulateParameters = SubaccountRef & { actions: readonly SimulateAction[] };

export interface SimulateReturnType {
  /** the account now, as the node and the contract compute it (null: a loan or a position without a price) */
  before: RiskReport | null;
  /** after the actions and the batch's end (what the account view and the contract's views show next) */
  after: RiskReport | null;
  /**
   * would the contract's margin check let the actions through: initial health ≥ 0 afterwards, or
   * no lower than before (spec/risk.md: a trade that reduces risk is always allowed), judged before
   * the batch realizes PnL, as the contract does
   */
  allowed: boolean;
}
export type SimulateErrorType = KestrelSdkError | KestrelApiError;

/**
 * A margin what-if (spec/risk.md): the account's health, tier and per-group explanation before and
 * after hypothetical trades, deposits and withdrawals, computed with the same code the engine
 * and (to the wei) the Exchange contract use, from the node's account view and risk parameters.
 * Trades pay the taker fee at the given price; lending interest until the next batch is not
 * included.
 *
 * @example
 * ```ts
 * const { after, allowed } = await client.simulate({ actions: [{ kind: 'trade', marketId: 3, side: 'buy', amount: '2' }] });
 * if (allowed) console.log(after?.tier, after?.initialHealth);
 * ```
 */
export async function simulate(client: KestrelBaseClient, parameters: SimulateParameters): Promise<SimulateReturnType> {
  const subaccount = resolveSubaccount(client, parameters, 'simulate');
  const [account, risk, markets] = await Promise.all([request(client, 'account', { params: { subaccount } }), getRisk(client), request(client, 'markets', {})]);
  return whatIf(account, risk, markets.markets, parameters.actions);
}

/** The computation of {@link simulate}, from the three API answers (pure; exported for tests and offline use). */
export function whatIf(account: AccountResponse, risk: RiskResponse, markets: readonly MarketWire[], actions: readonly SimulateAction[]): SimulateReturnType {
  const params: MarginParams = {
    pnlWeight: parseX18(risk.pnlWeight),
    groups: new Map(
      risk.groups.map((g) => [
        g.groupId,
        { groupId: g.groupId, shockIM: parseX18(g.shockIM), basisIM: parseX18(g.basisIM), shockMM: parseX18(g.shockMM), basisMM: parseX18(g.basisMM) },
      ]),
    ),
  };
  const backstop = parseX18(risk.backstopRatio);
  const price = new Map(risk.prices.map((p) => [p.marketId, parseX18(p.price)]));
  const balance = new Map(account.balances.map((b) => [b.assetId, parseX18(b.balance)]));
  const positions = new Map(
    risk.perps.map((m) => {
      const p = account.positions.find((x) => x.marketId === m.marketId);
      // funding owed leaves vQuote when the position is next settled: count it now, as the contract does
      const v = p === undefined ? 0n : parseX18(p.vQuote) - parseX18(p.fundingOwed);
      return [m.marketId, { size: p === undefined ? 0n : parseX18(p.size), vQuote: v, dSize: 0n, dVQuote: 0n }];
    }),
  );
  const portfolio = (realized: boolean): Portfolio => {
    let quote = balance.get(0) ?? 0n;
    const perps: PerpHolding[] = risk.perps.map((m) => {
      const p = positions.get(m.marketId)!;
      const size = p.size + p.dSize;
      let vQuote = p.vQuote + p.dVQuote;
      if (realized && (p.dSize !== 0n || p.dVQuote !== 0n)) {
        // the batch's end: what a reduce or close realizes moves to the quote balance (perp.ts)
        const r = realize(p.size, p.vQuote, size, vQuote);
        quote += r.realized;
        vQuote = r.vQuote;
      }
      return {
        group: m.riskGroup,
        size,
        vQuote,
        price: price.get(m.marketId),
        concIM: parseX18(m.concIM),
        concMM: parseX18(m.concMM),
        concThreshold: parseX18(m.concThreshold),
      };
    });
    const assets: AssetHolding[] = risk.assets.map((a) => ({
      group: a.riskGroup,
      balance: balance.get(a.assetId) ?? 0n,
      price: a.priceMarketId === null ? undefined : price.get(a.priceMarketId),
    }));
    return { quote, assets, perps };
  };
  const before = portfolio(false);
  const add = (assetId: number, d: bigint): void => void balance.set(assetId, (balance.get(assetId) ?? 0n) + d);
  for (const [i, a] of actions.entries()) {
    const amount = parseX18(a.amount);
    if (a.kind === 'deposit') add(a.assetId, amount);
    else if (a.kind === 'withdraw') add(a.assetId, -amount);
    else {
      const m = markets.find((x) => x.marketId === a.marketId);
      const px = a.price === undefined ? price.get(a.marketId) : parseX18(a.price);
      if (m === undefined || px === undefined)
        throw new KestrelSdkError(ErrorCode.UNKNOWN_MARKET, `actions[${i}]: market ${a.marketId} is not listed or has no price`, { details: { index: i } });
      const quote = mulX18(amount, px);
      const fee = feeFor(quote, parseX18(m.takerFee));
      const buy = a.side === 'buy';
      if (m.kind === 'PERP') {
        const p = positions.get(m.marketId)!;
        p.dSize += buy ? amount : -amount;
        p.dVQuote += buy ? -quote : quote;
        add(m.quoteAssetId, -fee);
      } else {
        add(m.quoteAssetId, (buy ? -quote : quote) - fee);
        add(m.baseAssetId, buy ? amount : -amount);
      }
    }
  }
  const hBefore = initialHealth(before, params);
  const hAfter = initialHealth(portfolio(false), params);
  const allowed = hAfter !== null && (hAfter >= 0n || (hBefore !== null && hAfter >= hBefore));
  return { before: riskReport(before, params, backstop), after: riskReport(portfolio(true), params, backstop), allowed };
}
