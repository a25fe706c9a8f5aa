/**
 * @packageDocumentation
 * `@kestrel/core` — the pure, deterministic heart of Kestrel: X18 fixed-point math, the EIP-712
 * types, the matching engine and its state hash, and the pooled-lending arithmetic. It does no
 * I/O, reads no clock and uses no randomness, so every node that applies the same input log
 * reaches the same state.
 *
 * @example
 * ```ts
 * import { parseX18, formatX18, mulX18 } from '@kestrel/core';
 * formatX18(mulX18(parseX18('1850.25'), parseX18('2'))); // "3700.5"
 * ```
 */
export * from './x18.js';
export * from './hex.js';
export { keccak256 } from './keccak.js';
export * from './eip712.js';
export * from './flags.js';
export * from './codes.js';
export * from './errors.js';
export * from './engine/types.js';
export * from './engine/engine.js';
export type { AtRisk, DueStep } from './engine/de-risk.js';
export * from './planner.js';
export * from './engine/risk.js';
export * from './engine/settlement.js';
export type { Account, Ledger } from './engine/accounts.js';
export { SNAPSHOT_VERSION, type EngineSnapshot } from './engine/snapshot.js';
export { MAX_LOTS, MAX_TICKS } from './engine/validate.js';
export { COMMITMENT_TAG } from './engine/commitment.js';
export * from './lending.js';
export * from './perp.js';
export * from './feeds.js';
export * from './margin.js';
export * from './batch/index.js';
