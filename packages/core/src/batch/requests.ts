/**
 * The Exchange's request queue as a batch sees it: what traders did on chain, applied in queue
 * order up to the batch's cursor (spec: contracts, the request queue).
 */
import type { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/types.js';
import type { Hex } from '../hex.js';
import type { ConfigChange } from './config-change.js';

/** The kinds of queued requests, numbered as the contract's `RequestKind` enum. */
export const RequestKind = { Deposit: 0, Withdrawal: 1, CancelUpTo: 2, CancelOrder: 3, LinkedSigner: 4, Liquidation: 5, Config: 6 } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/** A request from the Exchange's queue. */
export interface ChainRequest {
  id: bigint;
  kind: RequestKind;
  subaccount: Hex;
  assetId: number;
  /** X18 amount; the new min nonce for CancelUpTo; the expiry for LinkedSigner */
  amount: bigint;
  /**
   * CancelOrder: the order's digest; LinkedSigner: the signer's address (low 20 bytes);
   * Liquidation: the account liquidated (`subaccount` is the liquidator, `assetId` the market);
   * Config: keccak256 of the change's call; else zero
   */
  data: Hex;
  /** Config: the listing or parameter change, decoded from the call the Exchange keeps */
  change?: ConfigChange;
}

/** Applies one queued request to the engine. */
export function applyRequest(engine: Engine, r: ChainRequest): EngineEvent[] {
  switch (r.kind) {
    case RequestKind.Deposit:
      return engine.apply({ kind: 'deposit', requestId: r.id, subaccount: r.subaccount, assetId: r.assetId, amount: r.amount });
    case RequestKind.Withdrawal:
      return engine.apply({ kind: 'withdraw', requestId: r.id, subaccount: r.subaccount, assetId: r.assetId, amount: r.amount });
    case RequestKind.CancelUpTo:
      return engine.apply({ kind: 'cancelUpTo', requestId: r.id, subaccount: r.subaccount, minNonce: r.amount });
    case RequestKind.LinkedSigner:
      return engine.apply({ kind: 'linkedSigner', requestId: r.id, subaccount: r.subaccount, signer: `0x${r.data.slice(26)}` as Hex, expiry: r.amount });
    case RequestKind.Liquidation:
      return engine.apply({ kind: 'liquidate', requestId: r.id, liquidator: r.subaccount, subaccount: r.data, marketId: r.assetId, amount: r.amount });
    case RequestKind.Config:
      return []; // applied at the batch's end (apply.ts, config.ts)
    case RequestKind.CancelOrder:
      // cancelled on chain by its owner (the contract checked); an order this engine never saw has nothing to take off
      return engine.openOrder(r.data)?.order.subaccount === r.subaccount ? engine.apply({ kind: 'cancel', subaccount: r.subaccount, hashes: [r.data] }) : [];
  }
}
