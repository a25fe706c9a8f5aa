/**
 * A copy-on-write view over a ledger, for dry runs (the FOK check): it reads through to the real
 * ledger and keeps every write to itself, so the dry run goes through exactly the same
 * settlement code as the real match and changes nothing.
 */
import type { Account, Grid, Ledger } from './accounts.js';
import type { StoredPosition } from './positions.js';

export class LedgerOverlay implements Ledger {
  private readonly delta = new Map<Account, Map<number, bigint>>();
  private readonly sizeDelta = new Map<Account, Map<number, bigint>>();
  private readonly vQuoteDelta = new Map<Account, Map<number, bigint>>();

  constructor(private readonly base: Ledger) {}

  balance(account: Account, assetId: number): bigint {
    return this.base.balance(account, assetId) + (this.delta.get(account)?.get(assetId) ?? 0n);
  }

  add(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, d);
  }

  sub(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, -d);
  }

  addBounded(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, d);
  }

  subBounded(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, -d);
  }

  positionSize(account: Account, marketId: number): bigint {
    return this.base.positionSize(account, marketId) + (this.sizeDelta.get(account)?.get(marketId) ?? 0n);
  }

  position(account: Account, marketId: number): StoredPosition {
    const p = this.base.position(account, marketId);
    const dSize = this.sizeDelta.get(account)?.get(marketId) ?? 0n;
    const dVQuote = this.vQuoteDelta.get(account)?.get(marketId) ?? 0n;
    return dSize === 0n && dVQuote === 0n ? p : { ...p, dSize: p.dSize + dSize, dVQuote: p.dVQuote + dVQuote };
  }

  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void {
    bump(this.sizeDelta, account, marketId, isBuy ? amount : -amount);
    bump(this.vQuoteDelta, account, marketId, isBuy ? -quote : quote);
  }

  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: number, units: number): void {
    this.trade(account, marketId, isBuy, BigInt(lots) * grid.lotSize, BigInt(units) * grid.unit);
  }
}

function bump(m: Map<Account, Map<number, bigint>>, account: Account, id: number, d: bigint): void {
  let inner = m.get(account);
  if (inner === undefined) {
    inner = new Map();
    m.set(account, inner);
  }
  inner.set(id, (inner.get(id) ?? 0n) + d);
}
