/** The keys of the state records (records.ts, spec/matching.md "State commitment"). */
import type { Hex } from '../hex.js';

/** the globals: clock, sequence, oracle prices, lending pools, perps' funding */
export const GLOBALS_KEY = 'g';
/** one account: balances, positions, minNonce, linked signer, risk plan, margin call */
export const accountKey = (subaccount: Hex): string => `a${subaccount}`;
/** a spent nonce */
export const nonceKey = (subaccount: Hex, nonce: bigint): string => `n${subaccount}${nonce.toString(16).padStart(16, '0')}`;
