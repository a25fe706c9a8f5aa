import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDevnet } from '../../src/devnet/devnet.js';
import { tempDir } from '../helpers.js';

describe('devnet data folder', () => {
  it('refuses to wipe a folder that is not a devnet folder', async () => {
    const dir = tempDir('not-a-devnet-');
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    await expect(startDevnet({ nodes: 1, dataDir: dir, rpcPort: 0, apiPort: 0, traders: 1 })).rejects.toThrow(/refusing to wipe/);
    expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
  });
});
