/**
 * What an account is to the ledger: a name for its slots in the ledger's arrays, its perp
 * positions, and the nonces it spent — and the integer grid a market's fills are counted on.
 */
import type { Hex } from '../hex.js';
import type { NonceSet } from './nonce-set.js';

/** A market's integer grid: the X18 value of one lot and of one tick·lot. */
export interface Grid {
  readonly lotSize: bigint;
  /** tickSize·lotSize / 1e18, exact */
  readonly unit: bigint;
}

/** One account's position in one market: what is stored, and the batch's net fills off the grid. */
export interface PositionEntry {
  size: bigint;
  vQuote: bigint;
  lastCumFunding: bigint;
  /** the batch's net fills off the grid, X18 */
  dSize: bigint;
  dVQuote: bigint;
  /** moved in the current batch (listed for its end) */
  touched: boolean;
}

/** One subaccount: a name for the ledger's arrays. Read it through a {@link Ledger}, which may be an overlay. */
export class Account {
  /** perp positions by market id (kept by {@link Positions}) */
  readonly positions = new Map<number, PositionEntry>();
  /**
   * nonces of the subaccount's orders filled in full, or IOCs that traded (spent: no other order
   * with one may trade); records of their own (records.ts), kept here so the matcher checks a
   * maker without a lookup by id
   */
  spentNonces: NonceSet | undefined = undefined;
  /** the account's state record key (records.ts) */
  readonly key: string;
  constructor(
    /** lower-case subaccount id */
    readonly subaccount: Hex,
    /** dense, in creation order: where this account sits in its ledger's arrays */
    readonly index: number,
    /**
     * the same small number for every subaccount of one owner address, so the self-trade check
     * compares numbers, not strings; only ever compared, never stored or hashed
     */
    readonly owner: number,
  ) {
    this.key = `a${subaccount}`;
  }
}
