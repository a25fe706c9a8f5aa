import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feeFor, fundingOwed, nextCumFunding, realize, unrealizedPnl } from '../../src/index.js';

interface Doc {
  funding: Array<{ cum: string; rate: string; maxRate: string; index: string; elapsed: string; next: string; size: string; owed: string }>;
  fees: Array<{ quote: string; rate: string; fee: string }>;
  pnl: Array<{ size: string; vQuote: string; index: string; upnl: string }>;
  realizations: Array<{ s0: string; v0: string; s1: string; v1: string; vQuote: string; realized: string }>;
}

const doc = JSON.parse(readFileSync(new URL('../vectors/perp.json', import.meta.url), 'utf8')) as Doc;
const b = BigInt;

// The Solidity tests replay the same file against PerpMath and MathX18 (test/forge/PerpVectors.t.sol);
// this keeps the file in step with core, so a change on either side fails one of the two.
describe('shared perpetuals and fee vectors', () => {
  it('funding', () => {
    for (const [i, v] of doc.funding.entries()) {
      expect(nextCumFunding(b(v.cum), b(v.rate), b(v.maxRate), b(v.index), b(v.elapsed)).toString(), `funding ${i}`).toBe(v.next);
      expect(fundingOwed(b(v.size), b(v.cum), b(v.next)).toString(), `funding ${i}`).toBe(v.owed);
    }
  });

  it('fees', () => {
    for (const [i, v] of doc.fees.entries()) expect(feeFor(b(v.quote), b(v.rate)).toString(), `fee ${i}`).toBe(v.fee);
  });

  it('unrealized and realized PnL', () => {
    for (const [i, v] of doc.pnl.entries()) expect(unrealizedPnl(b(v.size), b(v.vQuote), b(v.index)).toString(), `pnl ${i}`).toBe(v.upnl);
    for (const [i, v] of doc.realizations.entries()) {
      expect(realize(b(v.s0), b(v.v0), b(v.s1), b(v.v1)), `realization ${i}`).toEqual({ vQuote: b(v.vQuote), realized: b(v.realized) });
    }
  });
});
