/** A logged batch as `GET /v1/batches/:batchId` answers it: the API's wire shapes, not the store's. */
import { proposalToWire, settlementToWire, type BatchResponse } from '@kestrel/api';
import { NO_DE_RISKING } from '@kestrel/core';
import type { BatchRecord } from '../store/records.js';

export function batchResponse(rec: BatchRecord): BatchResponse {
  const p = rec.proposal;
  // a batch applied without its settlement (caught up from a peer) answers with an empty one
  const settlement = rec.settlement ?? { ...p, stateHash: p.stateHash, ...NO_DE_RISKING, prices: [], funding: [], orders: [], fills: [], hashes: [] };
  return { proposal: proposalToWire(p), settlement: settlementToWire(settlement), txHash: rec.txHash };
}
