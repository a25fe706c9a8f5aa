/**
 * A gossiped proposal is let in cheapest check first: a stranger's proposal — however many
 * inputs it carries, however they are signed — costs one signature recovery, its own, and is
 * REJECTed before a single input signature is looked at.
 */
import { proposalToWire } from '@kestrel/api';
import { describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { domainSeparator, makeSubaccount, parseX18, type Hex, type Order, proposalDigest, type Proposal, orderInput } from '@kestrel/core';
import { verifyProposalInputs } from '../../src/follower/proposal-inputs.js';

const ZERO_HASH = `0x${'0'.repeat(64)}` as const;
import { recoverAddress } from '../../src/admission/recover.js';
import { admitProposal, type ProposalGate } from '../../src/gossip/proposal-gate.js';

const domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' });
const operator = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const trader = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
/** an operator whose turn it is not */
const resting = privateKeyToAccount('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a');

async function proposal(inputs: number, signer: typeof operator, badInputs: boolean): Promise<Proposal> {
  const orders = await Promise.all(
    Array.from({ length: inputs }, async (_, i) => {
      const order: Order = {
        subaccount: makeSubaccount(trader.address, 'main'),
        marketId: 1,
        isBuy: true,
        price: parseX18('2000'),
        amount: parseX18('1'),
        nonce: BigInt(i + 1),
        expiry: 0n,
        flags: 0,
        clientId: 0n,
      };
      const real = orderInput(domainSep, order, '0x');
      const signature = badInputs ? (`0x${'11'.repeat(64)}1b` as Hex) : await trader.sign({ hash: real.hash });
      return orderInput(domainSep, order, signature);
    }),
  );
  const unsigned = {
    batchId: 8n,
    timestamp: 1000n,
    requestCursor: 0n,
    prices: [],
    funding: [],
    requests: [],
    inputs: orders,
    prevStateHash: ZERO_HASH,
    stateHash: ZERO_HASH,
  };
  return { ...unsigned, signature: await signer.sign({ hash: proposalDigest(domainSep, unsigned) }) };
}

/** A gate on a node whose last batch is 7 and whose only operator is `operator`; counts what it checks. */
function gate(): ProposalGate & { inputChecks: number; operatorChecks: number } {
  const g = {
    inputChecks: 0,
    operatorChecks: 0,
    wants: (id: bigint) => id >= 7n,
    proposer: async (p: Proposal) => {
      g.operatorChecks++;
      const signer = recoverAddress(proposalDigest(domainSep, p), p.signature)?.toLowerCase();
      if (signer === operator.address.toLowerCase()) return 'in-turn' as const;
      return signer === resting.address.toLowerCase() ? ('out-of-turn' as const) : ('stranger' as const);
    },
    verifyInputs: async (p: Proposal) => {
      g.inputChecks++;
      await verifyProposalInputs(p);
    },
  };
  return g;
}

describe('the proposal gate', () => {
  it("checks a stranger's proposal by its own signature alone, before any of its inputs", async () => {
    const g = gate();
    const forged = await proposal(200, stranger, true);
    expect(await admitProposal(domainSep, proposalToWire(forged), g)).toEqual({ verdict: 'REJECT' });
    expect([g.operatorChecks, g.inputChecks]).toEqual([1, 0]);
  });

  it("ignores an operator's proposal out of its turn without checking its inputs, and without blaming the peer", async () => {
    const g = gate();
    const late = await proposal(3, resting, false);
    expect(await admitProposal(domainSep, proposalToWire(late), g)).toEqual({ verdict: 'IGNORE' });
    expect([g.operatorChecks, g.inputChecks]).toEqual([1, 0]);
  });

  it("then an operator's proposal's inputs, refusing one badly signed", async () => {
    const g = gate();
    expect((await admitProposal(domainSep, proposalToWire(await proposal(3, operator, true)), g)).verdict).toBe('REJECT');
    expect(g.inputChecks).toBe(1);
    const good = await proposal(3, operator, false);
    const r = await admitProposal(domainSep, proposalToWire(good), g);
    expect(r.verdict).toBe('ACCEPT');
    expect(r.proposal?.inputs).toHaveLength(3);
  });

  it('ignores an old batch and refuses an unreadable one, checking no signature at all', async () => {
    const g = gate();
    const old = proposalToWire(await proposal(1, operator, false));
    expect(await admitProposal(domainSep, { ...old, batchId: '6' }, g)).toEqual({ verdict: 'IGNORE' });
    expect(await admitProposal(domainSep, { ...old, inputs: 'nope' }, g)).toEqual({ verdict: 'REJECT' });
    expect(await admitProposal(domainSep, null, g)).toEqual({ verdict: 'REJECT' });
    expect([g.operatorChecks, g.inputChecks]).toEqual([0, 0]);
  });

  it('recovers the inputs it does not know through the recovery it is given, all at once, and only those', async () => {
    const good = await proposal(5, operator, false);
    const hashes = good.inputs.map((i) => (i.type === 'order' ? i.hash : '0x'));
    const known = new Set([hashes[0], hashes[3]]);
    let inFlight = 0;
    let most = 0;
    const asked: Hex[] = [];
    const pool = async (digest: Hex, signature: Hex): Promise<string | null> => {
      asked.push(digest);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return recoverAddress(digest, signature);
    };
    const knows = (i: { hash: Hex }): boolean => known.has(i.hash);
    await verifyProposalInputs(good, knows, undefined, pool);
    expect(asked).toEqual([hashes[1], hashes[2], hashes[4]]);
    expect(most).toBe(3);

    const bad = await proposal(2, operator, true);
    await expect(verifyProposalInputs(bad, undefined, undefined, pool)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });
});
