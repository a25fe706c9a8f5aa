/**
 * A testing hook: `KESTREL_FAULT_KILL_AT=before-submit|after-submit` makes an operator's node kill
 * itself (SIGKILL, as a machine dying would) the first time it reaches that point of a batch that
 * carries signed inputs — after committing and gossiping it but before sending it, or after
 * sending it but before recording its receipt. The fault tests need a leader to die at exactly
 * those points, which killing the process from outside lands only by luck. With
 * `KESTREL_FAULT_KILL_AT=file` the node runs unharmed until a point is written into the file
 * `fault-kill-at` in its data directory (read at each such batch): a test arms the node that
 * leads at that moment, where a restart to arm it would itself hand the lead over on a slow
 * machine. Unset in production; a node started with it says so in its log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSigned, type Proposal } from '@kestrel/core';
import type { FaultPoint } from './sequencer.js';

export const FAULT_ENV = 'KESTREL_FAULT_KILL_AT';
/** With `KESTREL_FAULT_KILL_AT=file`: the file in the data directory that arms the hook. */
export const FAULT_FILE = 'fault-kill-at';

const readPoint = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** The hook the environment asks for, or undefined. */
export function faultFromEnv(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  read: (path: string) => string | undefined = readPoint,
): ((point: FaultPoint, p: Proposal) => void) | undefined {
  const at = env[FAULT_ENV];
  if (at === 'file') {
    const file = join(dataDir, FAULT_FILE);
    return (point, p) => {
      if (p.inputs.some(isSigned) && read(file) === point) kill();
    };
  }
  if (at !== 'before-submit' && at !== 'after-submit') return undefined;
  return (point, p) => {
    if (point === at && p.inputs.some(isSigned)) kill();
  };
}
