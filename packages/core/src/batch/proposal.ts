/**
 * What the sequencer signs for a batch: every field of the proposal, with inputs by their digests
 * (each input is itself signed by its trader). A follower applies only proposals an operator of
 * the Exchange signed (spec: node, batches).
 */
import { keccak256 } from '../keccak.js';
import { bytesToHex, hexToBytes, writeUint256, type Hex } from '../hex.js';
import type { Proposal } from './apply.js';
import type { BatchInput } from './inputs.js';

/** An input's type in the digest. */
const INPUT_TYPE: Record<BatchInput['type'], bigint> = { order: 1n, cancel: 2n, cancelAll: 3n, drop: 4n, riskPlan: 5n, deRisk: 6n, absorb: 7n, deleverage: 8n };

/** The digest an operator signs for a proposal (the domain first: a proposal means nothing on another deployment). */
export function proposalDigest(domainSep: Hex, p: Omit<Proposal, 'signature'>): Hex {
  const words = 8 + p.prices.length * 4 + p.funding.length + p.requests.length * 6 + p.inputs.length * 2;
  const buf = new Uint8Array(words * 32);
  let o = 0;
  const word = (v: bigint): void => {
    writeUint256(buf, o, v);
    o += 32;
  };
  const bytes32 = (h: Hex): void => {
    buf.set(hexToBytes(h), o);
    o += 32;
  };
  bytes32(domainSep);
  word(p.batchId);
  word(p.timestamp);
  word(p.requestCursor);
  bytes32(p.prevStateHash);
  bytes32(p.stateHash);
  word(BigInt(p.prices.length));
  for (const u of p.prices) {
    word(BigInt(u.marketId));
    word(u.roundId);
    word(u.price);
    word(u.publishedAt);
  }
  word(BigInt(p.funding.length));
  for (const m of p.funding) word(BigInt(m));
  for (const r of p.requests) {
    word(r.id);
    word(BigInt(r.kind));
    bytes32(r.subaccount);
    word(BigInt(r.assetId));
    word(r.amount);
    bytes32(r.data);
  }
  for (const i of p.inputs) {
    // a protocol step is named by its subaccount (and a deleveraging by its market too)
    word(INPUT_TYPE[i.type] | (i.type === 'deleverage' ? BigInt(i.marketId) << 8n : 0n));
    bytes32('hash' in i ? i.hash : i.subaccount);
  }
  return bytesToHex(keccak256(buf));
}
