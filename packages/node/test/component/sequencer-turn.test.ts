/**
 * A sequencer settles only in its operator's turn by the chain's leader schedule, or as a takeover
 * once no batch came for the takeover delay — on a real chain with two operators registered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import type { Hex } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { leaderAt } from '../../src/chain/schedule.js';
import { KEYS, sequencerFor, startChainFixture, type ChainFixture } from './fixture.js';

/** a second operator (anvil's fifth account), which runs no node here */
const SECOND = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a' as Hex;
const DAY = 86_400;
const operator = privateKeyToAccount(KEYS.operator).address;
const second = privateKeyToAccount(SECOND).address;

let fx: ChainFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

/** Registers the second operator and puts it at today's place in the schedule, so that it leads the (day-long) epoch. */
async function secondLeadsToday(f: ChainFixture, chain: ExchangeChain): Promise<Awaited<ReturnType<ExchangeChain['leaderSchedule']>>> {
  await f.setOperator(second, true);
  let read = await chain.leaderSchedule();
  if (leaderAt(read.schedule, read.now) !== second.toLowerCase()) {
    await f.setOperator(operator, false);
    await f.setOperator(operator, true);
    read = await chain.leaderSchedule();
  }
  expect(leaderAt(read.schedule, read.now)).toBe(second.toLowerCase());
  return read;
}

describe('a sequencer and the leader schedule', () => {
  it('waits out another operator’s turn, and settles once the turn is its own', async () => {
    fx = await startChainFixture({ epochSeconds: DAY, takeoverSeconds: DAY - 1 });
    const chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
    const { ledger } = await fx.openLedger(chain);
    const sequencer = sequencerFor(ledger, chain);
    const { schedule } = await secondLeadsToday(fx, chain);

    await sequencer.tick(); // the deposits wait: not its turn
    expect(await chain.lastBatchId()).toBe(0n);
    expect(ledger.lastBatchId).toBe(0n);
    expect(sequencer.turn).toMatchObject({ leader: second.toLowerCase(), from: schedule.lastSettledAt + schedule.takeoverSeconds });

    await fx.setOperator(second, false); // now the only operator
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(1n);
    expect(ledger.lastBatchId).toBe(1n);
    expect(sequencer.turn?.leader).toBe(operator.toLowerCase());
  });

  it('takes a stalled epoch over once no batch came for the takeover delay, and leads the rest of it', async () => {
    fx = await startChainFixture({ epochSeconds: DAY, takeoverSeconds: 2 });
    const chain = new ExchangeChain(fx.rpcUrl, fx.exchange, KEYS.operator);
    const { ledger } = await fx.openLedger(chain);
    const sequencer = sequencerFor(ledger, chain);
    const { schedule } = await secondLeadsToday(fx, chain);
    // no batch since the deployment, more than 2 s ago by the time a block carries the settlement
    const from = schedule.lastSettledAt + 2n;
    while ((await chain.leaderSchedule()).now < from) await new Promise((r) => setTimeout(r, 200));
    await sequencer.tick();
    expect(await chain.lastBatchId()).toBe(1n);
    const after = await chain.leaderSchedule();
    expect(after.schedule.actingLeader).toBe(operator.toLowerCase());
    expect(leaderAt(after.schedule, after.now)).toBe(operator.toLowerCase());
  });
});
