/**
 * `kestrel status [--api URL]`: what a node's `/health` says, for an operator at a terminal — whether
 * trading goes on through it, the chain's leader schedule as it reads it, and how far behind it
 * is. Exits 0 when the node says `ok`, 1 otherwise (or when it cannot be reached), for scripts.
 */
import { parseArgs } from 'node:util';
import type { HealthResponse } from '@kestrel/api';
import { statusUsage } from './usage.js';

/** The lines `kestrel status` prints for a node's health. */
export function formatStatus(api: string, h: HealthResponse): string {
  const s = h.schedule;
  const lines = [
    `node      ${api}: ${h.status}${h.status === 'no-leader' ? ` (inputs wait and no batch for ${h.secondsSinceLastBatch} s)` : ''}`,
    `role      ${h.role}, ${h.peers} peer${h.peers === 1 ? '' : 's'}, ${h.pendingInputs} input${h.pendingInputs === 1 ? '' : 's'} pending`,
    `batches   ${h.lastBatchId} applied, ${h.lastSettledBatchId} settled, ${h.behindChain} behind the chain, last ${h.secondsSinceLastBatch} s ago`,
  ];
  if (s === null) lines.push('schedule  not read from the chain yet');
  else {
    lines.push(
      `epoch     ${s.epoch} (${s.epochSeconds} s each), led by ${s.leader ?? 'no operator'}${s.takenOver ? ' (took it over)' : ''}; takeover after ${s.takeoverSeconds} s`,
    );
    const turn =
      s.thisNode === 'leader'
        ? 'leads this epoch'
        : s.thisNode === 'may-take-over'
          ? `may take the epoch over (since block time ${s.turnFrom})`
          : s.thisNode === 'waiting'
            ? `waits for its turn (block time ${s.turnFrom})`
            : 'follows (no operator key)';
    lines.push(`this node ${turn}`);
  }
  if (h.diverged) lines.push(`diverged  at batch ${h.diverged.batchId}: expected ${h.diverged.expected}, got ${h.diverged.got}`);
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { api: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${statusUsage}\n`);
    return;
  }
  const api = (values.api ?? 'http://127.0.0.1:9545').replace(/\/+$/, '');
  let health: HealthResponse;
  try {
    const res = await fetch(`${api}/health`, { signal: AbortSignal.timeout(5000) });
    health = (await res.json()) as HealthResponse;
  } catch (err) {
    process.stderr.write(`kestrel status: no answer from ${api}/health (${(err as Error).message})\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(formatStatus(api, health));
  if (health.status !== 'ok') process.exitCode = 1;
}
