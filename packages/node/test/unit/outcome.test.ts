import { describe, expect, it } from 'vitest';
import type { EngineEvent, Hex } from '@kestrel/core';
import { chainOutcome, engineOutcome, outcomeDiff, type ChainEvent } from '../../src/audit/outcome.js';

const A = `0x${'Ab'.repeat(32)}` as Hex;
const B = `0x${'cd'.repeat(32)}` as Hex;
const HASH = `0x${'EF'.repeat(32)}` as Hex;
const batch = { batchId: 7n, stateHash: HASH, timestamp: 1_700_000_000n, requestCursor: 12n };

/** Each engine event with the Exchange event that tells the same outcome. */
const PAIRS: Array<[string, EngineEvent, ChainEvent]> = [
  [
    'a deposit',
    { kind: 'deposited', requestId: 3n, subaccount: A, assetId: 1, amount: 5n },
    { eventName: 'Deposited', args: { requestId: 3n, subaccount: A, assetId: 1, amount: 5n } },
  ],
  [
    'a withdrawal',
    { kind: 'withdrawn', requestId: 4n, subaccount: A, assetId: 0, amount: 9n },
    { eventName: 'Withdrawn', args: { requestId: 4n, subaccount: A, assetId: 0, amount: 9n } },
  ],
  [
    'a refused withdrawal',
    { kind: 'withdrawalRejected', requestId: 5n, subaccount: A, assetId: 0, amount: 9n, code: 'INSUFFICIENT_BALANCE' },
    { eventName: 'WithdrawalRejected', args: { requestId: 5n, subaccount: A, assetId: 0, amount: 9n } },
  ],
  [
    'a liquidation',
    { kind: 'liquidated', requestId: 6n, liquidator: B, subaccount: A, marketId: 3, liquidatorBuys: true, amount: 2n, quote: 40n, insuranceShare: 1n },
    { eventName: 'Liquidated', args: { requestId: 6n, subaccount: A, liquidator: B, marketId: 3, amount: 2n, quote: 40n, insuranceShare: 1n } },
  ],
  [
    'a refused liquidation',
    { kind: 'liquidationRejected', requestId: 8n, liquidator: B, subaccount: A, code: 'NOT_LIQUIDATABLE' },
    { eventName: 'LiquidationRejected', args: { requestId: 8n, subaccount: A, reason: 2 } },
  ],
  [
    'funding',
    { kind: 'fundingUpdated', marketId: 3, rate: -4n, cumFunding: -10n },
    { eventName: 'FundingUpdated', args: { marketId: 3, rate: -4n, cumFunding: -10n } },
  ],
  [
    'interest',
    { kind: 'interestAccrued', assetId: 0, interest: 11n, reserve: 1n, supplyIndex: 5n, borrowIndex: 6n },
    { eventName: 'InterestAccrued', args: { assetId: 0, interest: 11n, reserve: 1n } },
  ],
  [
    'a margin call',
    { kind: 'marginCall', subaccount: A, at: 1_700_000_000n, graceEnds: 1_700_000_300n, maintenanceHealth: -1n },
    { eventName: 'MarginCall', args: { subaccount: A, flaggedAt: 1_700_000_000n } },
  ],
  ['a margin call cleared', { kind: 'marginCallCleared', subaccount: A }, { eventName: 'MarginCallCleared', args: { subaccount: A } }],
  ['an absorption', { kind: 'absorbed', subaccount: A, deficit: 3n }, { eventName: 'Absorbed', args: { subaccount: A, deficit: 3n } }],
  [
    'a deleveraging',
    { kind: 'deleveraged', subaccount: A, counterparty: B, marketId: 3, amount: 1n, quote: 20n },
    { eventName: 'Deleveraged', args: { subaccount: A, counterparty: B, marketId: 3, amount: 1n, quote: 20n } },
  ],
  ['a listing change applied', { kind: 'configApplied', requestId: 9n }, { eventName: 'ConfigApplied', args: { requestId: 9n, batchId: 7n } }],
  [
    'a listing change refused',
    { kind: 'configRefused', requestId: 10n, reason: 'UnknownAsset' },
    { eventName: 'ConfigRefused', args: { requestId: 10n, batchId: 7n, reason: '0xc97d95cf' } },
  ],
];

const settled: ChainEvent = {
  eventName: 'BatchSettled',
  args: { batchId: 7n, stateHash: HASH.toLowerCase(), timestamp: 1_700_000_000n, requestCursor: 12n, fillCount: 2n },
};

describe('a settled batch’s outcome', () => {
  it.each(PAIRS)('reads %s alike from the engine and from the chain', (_name, engine, onChain) => {
    expect(engineOutcome(batch, [engine], 2)).toEqual(chainOutcome([settled, onChain]));
  });

  it('reads them all alike whatever order each side tells them in', () => {
    const engine = PAIRS.map(([, e]) => e);
    const onChain = [...PAIRS.map(([, , c]) => c)].reverse();
    expect(engineOutcome(batch, engine, 2)).toEqual(chainOutcome([...onChain, settled]));
  });

  it('leaves out what the chain does not tell: fills one by one, order events, no interest', () => {
    const quiet: EngineEvent[] = [
      { kind: 'accepted', hash: A, sequence: 1n, marketId: 1, subaccount: A },
      { kind: 'interestAccrued', assetId: 0, interest: 0n, reserve: 0n, supplyIndex: 1n, borrowIndex: 1n },
      { kind: 'expired', hash: B, subaccount: A },
    ];
    expect(engineOutcome(batch, quiet, 2)).toEqual(chainOutcome([settled, { eventName: 'PriceUsed', args: { marketId: 1 } }]));
  });

  it.each([
    ['another fill count', { fillCount: 3n }],
    ['another state hash', { stateHash: B }],
    ['another clock', { timestamp: 1_700_000_001n }],
    ['another request cursor', { requestCursor: 13n }],
  ])('differs on %s', (_name, change) => {
    const node = engineOutcome(batch, [], 2);
    const onChain = chainOutcome([{ ...settled, args: { ...settled.args, ...change } }]);
    expect(outcomeDiff(onChain, node)).toEqual({ chain: onChain, node });
  });

  it('names what each side lacks', () => {
    const node = engineOutcome(batch, [PAIRS[1]![1], PAIRS[0]![1]], 2);
    const onChain = chainOutcome([settled, PAIRS[2]![2], PAIRS[0]![2]]);
    expect(outcomeDiff(onChain, node)).toEqual({
      chain: [onChain.find((l) => l.startsWith('withdrawalRejected'))],
      node: [node.find((l) => l.startsWith('withdrawn'))],
    });
    expect(outcomeDiff(onChain, onChain)).toBeNull();
    // a line told twice on one side only is a difference too
    expect(outcomeDiff([...onChain, onChain[0]!].sort(), onChain)).toEqual({ chain: [onChain[0]], node: [] });
  });
});
