import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnReady, stopNode, type NodeProcess } from '../../src/devnet/process.js';
import { tempDir } from '../helpers.js';

let running: NodeProcess | undefined;
afterEach(async () => {
  if (running) await stopNode(running, 'SIGKILL');
  running = undefined;
});

/** Blocks this thread (and so its event loop) for `ms` without spinning. */
const blockThread = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

describe('spawnReady', () => {
  it('lets a child write its whole log while this process is too busy to read anything', async () => {
    const dir = tempDir('kestrel-spawn-');
    const logFile = join(dir, 'node.log');
    const marker = join(dir, 'logged');
    // a mebibyte of log, written synchronously as a node writes its log, then a marker file; then the ready line
    const script = `
      const fs = require('node:fs');
      const line = 'x'.repeat(1023) + '\\n';
      for (let i = 0; i < 1024; i++) fs.writeSync(2, line);
      fs.writeFileSync(${JSON.stringify(marker)}, 'done');
      process.stdout.write(JSON.stringify({ ready: true, api: 'http://127.0.0.1:1', p2p: [], peerId: 'p' }) + '\\n');
      setInterval(() => {}, 1000);`;
    const ready = spawnReady('busy-parent', ['-e', script], logFile);
    // with the log in a pipe this process drains, the child stops at 64 KiB until the loop runs again
    blockThread(8_000);
    expect(existsSync(marker)).toBe(true);
    running = await ready;
    expect(running.api).toBe('http://127.0.0.1:1');
    expect(readFileSync(logFile, 'utf8').length).toBe(1024 * 1024);
  });

  it('refuses a child that exits before its ready line, naming the log', async () => {
    const logFile = join(tempDir('kestrel-spawn-'), 'node.log');
    await expect(spawnReady('quitter', ['-e', 'process.stderr.write("bad config\\n"); process.exit(3)'], logFile)).rejects.toThrow(
      `quitter exited with code 3 before it was ready (see ${logFile})`,
    );
    expect(readFileSync(logFile, 'utf8')).toBe('bad config\n');
  });
});
