/**
 * The chain's leader schedule (spec/contracts.md, the leader schedule), as the nodes read it: who
 * may settle at a given block time. The same rule as `Schedule.sol`, so that a node sequences
 * only in its turn and trusts a proposal only from an operator whose turn it is.
 */
import type { Chain, PublicClient, Transport } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';

export interface LeaderSchedule {
  /** the operators in schedule order, lower-case */
  operators: readonly Hex[];
  epochSeconds: bigint;
  takeoverSeconds: bigint;
  /** block time of the last batch (of the deployment before the first) */
  lastSettledAt: bigint;
  /** the operator that took `actingEpoch` over (lower-case; the zero address before any takeover) */
  actingLeader: Hex;
  actingEpoch: bigint;
}

export const epochAt = (s: LeaderSchedule, t: bigint): bigint => t / s.epochSeconds;

/** The index in `operators` of the operator leading epoch `epoch`: one that took it over, else `epoch % n`. -1 with no operators. */
function leaderIndex(s: LeaderSchedule, epoch: bigint): number {
  const n = s.operators.length;
  if (n === 0) return -1;
  if (s.actingEpoch === epoch) {
    const acting = s.operators.indexOf(s.actingLeader);
    if (acting >= 0) return acting;
  }
  return Number(epoch % BigInt(n));
}

/** The operator leading at block time `t`, counting a takeover of `t`'s epoch; null with no operators. */
export function leaderAt(s: LeaderSchedule, t: bigint): Hex | null {
  const i = leaderIndex(s, epochAt(s, t));
  return i < 0 ? null : s.operators[i]!;
}

/**
 * How many places after `t`'s leader `operator` stands (0: it leads), counting round the list;
 * null when it is not an operator.
 */
export function rankAt(s: LeaderSchedule, operator: Hex, t: bigint): number | null {
  const i = s.operators.indexOf(operator.toLowerCase() as Hex);
  if (i < 0) return null;
  const n = s.operators.length;
  return (i - leaderIndex(s, epochAt(s, t)) + n) % n;
}

/** The block time from which `operator` may settle in `t`'s epoch (its turn, or its takeover); null when it is not an operator. */
export function turnFrom(s: LeaderSchedule, operator: Hex, t: bigint): bigint | null {
  const rank = rankAt(s, operator, t);
  if (rank === null) return null;
  return rank === 0 ? epochAt(s, t) * s.epochSeconds : s.lastSettledAt + BigInt(rank) * s.takeoverSeconds;
}

/** Whether the chain would let `operator` settle at block time `t` (`Schedule.admitSettler`). */
export function mayLeadAt(s: LeaderSchedule, operator: Hex, t: bigint): boolean {
  const rank = rankAt(s, operator, t);
  if (rank === null) return false;
  return rank === 0 || t >= s.lastSettledAt + BigInt(rank) * s.takeoverSeconds;
}

/**
 * Whether a proposal signed by `signer` and seen at block time `t` comes from an operator whose
 * turn it is: the leader (or a taker whose delay has passed) now, or, within `graceSeconds` after
 * an epoch began, the one that led the epoch before (its last batch may still land).
 */
export function proposerInTurn(s: LeaderSchedule, signer: Hex, t: bigint, graceSeconds: bigint): boolean {
  if (mayLeadAt(s, signer, t)) return true;
  const start = epochAt(s, t) * s.epochSeconds;
  return t - start < graceSeconds && start > 0n && mayLeadAt(s, signer, start - 1n);
}

/**
 * The leader schedule as of the latest block, read at that one block, and the time to judge turns
 * at: that block's time, or this machine's clock when it is later (a chain that mines only when
 * sent a transaction, as a devnet's, can sit on an old block).
 */
export async function readLeaderSchedule(
  client: PublicClient<Transport, Chain | undefined>,
  exchange: Hex,
): Promise<{ schedule: LeaderSchedule; now: bigint }> {
  const block = await client.getBlock({ blockTag: 'latest' });
  const at = <T>(functionName: string): Promise<T> =>
    client.readContract({ address: exchange, abi: exchangeAbi, functionName, args: [], blockNumber: block.number } as never) as Promise<T>;
  const [operators, [epochSeconds, takeoverSeconds, lastSettledAt, actingLeader, actingEpoch]] = await Promise.all([
    at<readonly Hex[]>('operators'),
    at<readonly [bigint, bigint, bigint, Hex, bigint]>('schedule'),
  ]);
  const clock = BigInt(Math.floor(Date.now() / 1000));
  return {
    schedule: {
      operators: operators.map((o) => o.toLowerCase() as Hex),
      epochSeconds: BigInt(epochSeconds),
      takeoverSeconds: BigInt(takeoverSeconds),
      lastSettledAt: BigInt(lastSettledAt),
      actingLeader: actingLeader.toLowerCase() as Hex,
      actingEpoch: BigInt(actingEpoch),
    },
    now: block.timestamp > clock ? block.timestamp : clock,
  };
}

/**
 * The quiet at a handover, seconds (at most a quarter of an epoch, and of the takeover delay, so
 * that the quiet never looks like a stalled leader to the next in turn): a leader stops sending
 * this long before its epoch ends, and the next one starts this long after it began, so that the
 * last batch of the one lands (or is refused) and reaches the other before the other builds on
 * what it holds. The chain judges a batch by the block that includes it, not by when it was sent.
 */
export const HANDOVER_GAP_SECONDS = 2n;

/**
 * Whether `operator`, leading `now`'s epoch in its turn, should hold back for a handover: in the
 * gap after the epoch began when another led the epoch before, or in the gap before it ends when
 * another leads the next. No gap between two epochs of the same leader.
 */
export function inHandoverGap(s: LeaderSchedule, operator: Hex, now: bigint): boolean {
  let gap = HANDOVER_GAP_SECONDS;
  for (const bound of [s.epochSeconds / 4n, s.takeoverSeconds / 4n]) if (bound < gap) gap = bound;
  const start = epochAt(s, now) * s.epochSeconds;
  const me = operator.toLowerCase();
  if (now - start < gap && start > 0n && leaderAt(s, start - 1n) !== me) return true;
  return start + s.epochSeconds - now <= gap && leaderAt(s, start + s.epochSeconds) !== me;
}

/**
 * How long after an epoch began a proposal of the last epoch's leader is still taken, seconds (at
 * most the takeover delay): it gossips a batch before it sends it, and the nodes' clocks differ by
 * a few seconds.
 */
export const HANDOVER_GRACE_SECONDS = 10n;

/**
 * Whether `signer` may lead now by the chain's schedule — in turn, a taker whose delay passed, or
 * the last epoch's leader just after the epoch began (HANDOVER_GRACE_SECONDS). Read from the chain
 * on every call: a revoked operator is refused at once.
 */
export async function inTurnNow(chain: { leaderSchedule(): Promise<{ schedule: LeaderSchedule; now: bigint }> }, signer: Hex): Promise<boolean> {
  const { schedule, now } = await chain.leaderSchedule();
  const grace = schedule.takeoverSeconds < HANDOVER_GRACE_SECONDS ? schedule.takeoverSeconds : HANDOVER_GRACE_SECONDS;
  return proposerInTurn(schedule, signer, now, grace);
}
