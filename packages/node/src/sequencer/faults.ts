/**
 * A testing hook: `KESTREL_FAULT_KILL_AT=before-submit|after-submit` makes an operator's node kill
 * itself (SIGKILL, as a machine dying would) the first time it reaches that point of a batch that
 * carries signed inputs — after committing and gossiping it but before sending it, or after
 * sending it but before recording its receipt. The fault tests need a leader to die at exactly
 * those points, which killing the process from outside lands only by luck. Unset in production;
 * a node started with it says so in its log.
 */
import { isSigned, type Proposal } from '@kestrel/core';
import type { FaultPoint } from './sequencer.js';

export const FAULT_ENV = 'KESTREL_FAULT_KILL_AT';

/** The hook the environment asks for, or undefined. */
export function faultFromEnv(
  env: NodeJS.ProcessEnv,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): ((point: FaultPoint, p: Proposal) => void) | undefined {
  const at = env[FAULT_ENV];
  if (at !== 'before-submit' && at !== 'after-submit') return undefined;
  return (point, p) => {
    if (point === at && p.inputs.some(isSigned)) kill();
  };
}
