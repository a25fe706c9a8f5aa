/** The signed messages on the wire: orders, cancels and risk plans, as the API carries them. */
import type { Hex } from '@kestrel/core';

export interface OrderWire {
  subaccount: Hex;
  marketId: number;
  isBuy: boolean;
  price: string;
  amount: string;
  nonce: string;
  expiry: string;
  flags: number;
  clientId: string;
}

export interface CancelWire {
  subaccount: Hex;
  orderHashes: Hex[];
  timestamp: string;
}

export interface CancelAllWire {
  subaccount: Hex;
  marketId: number;
  timestamp: string;
}

/** A risk plan (spec/de-risking.md) on the wire: ids and bounds as numbers, the nonce a decimal string. */
export interface RiskPlanWire {
  subaccount: Hex;
  /** market ids, reduced first to last */
  marketOrder: number[];
  maxSlippageBps: number;
  graceSeconds: number;
  nonce: string;
}
