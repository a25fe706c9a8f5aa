import { describe, expect, it } from 'vitest';
import type { Proposal } from '@kestrel/core';
import { FAULT_ENV, FAULT_FILE, faultFromEnv } from '../../src/sequencer/faults.js';

const batch = (inputs: Proposal['inputs']): Proposal => ({ inputs }) as Proposal;
const signed = { type: 'cancelAll', cancelAll: {}, signature: '0x01', hash: '0x02' } as unknown as Proposal['inputs'][number];
const protocol = { type: 'deRisk', subaccount: '0x03' } as unknown as Proposal['inputs'][number];

describe('the kill-at testing hook', () => {
  it.each([[undefined], [''], ['before-commit'], ['AFTER-SUBMIT']])('is off unless named exactly (%s)', (value) => {
    expect(faultFromEnv(value === undefined ? {} : { [FAULT_ENV]: value }, '/data')).toBeUndefined();
  });

  it('kills at its point, for a batch with signed inputs only', () => {
    let kills = 0;
    const hook = faultFromEnv({ [FAULT_ENV]: 'after-submit' }, '/data', () => kills++)!;
    hook('before-submit', batch([signed]));
    hook('after-submit', batch([]));
    hook('after-submit', batch([protocol]));
    expect(kills).toBe(0);
    hook('after-submit', batch([protocol, signed]));
    expect(kills).toBe(1);
  });

  it('with =file, kills only at the point written in its data directory’s file, once written', () => {
    let kills = 0;
    const files = new Map<string, string>();
    const hook = faultFromEnv(
      { [FAULT_ENV]: 'file' },
      '/data/node-1',
      () => kills++,
      (path) => files.get(path),
    )!;
    hook('before-submit', batch([signed]));
    hook('after-submit', batch([signed]));
    expect(kills).toBe(0);
    files.set(`/data/node-1/${FAULT_FILE}`, 'after-submit');
    hook('before-submit', batch([signed]));
    hook('after-submit', batch([protocol]));
    expect(kills).toBe(0);
    hook('after-submit', batch([signed]));
    expect(kills).toBe(1);
  });
});
