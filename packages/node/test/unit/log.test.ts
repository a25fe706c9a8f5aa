import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../src/util/log.js';
import { tempDir } from '../helpers.js';

/** The built logger, as a node process runs it (the e2e tests run the built node too). */
const BUILT_LOG = pathToFileURL(join(import.meta.dirname, '../../dist/util/log.js')).href;

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the logger', () => {
  it('writes one JSON object a line, with its level as a word, the node name, a time, the message and the fields', () => {
    const lines: string[] = [];
    const log = createLogger('node-1', 'debug', (l) => lines.push(l));
    log.debug('input refused', { source: 'api', code: 'DUPLICATE_ORDER' });
    log.info('batch settled', { batchId: '7', fills: 2 });
    log.warn('sequencer: gossip failed');
    log.error('sequencer: tick failed', { error: 'boom' });
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    const out = parse(lines);
    expect(out.map((o) => o.level)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(out[0]).toMatchObject({ node: 'node-1', msg: 'input refused', source: 'api', code: 'DUPLICATE_ORDER' });
    expect(out[1]).toMatchObject({ node: 'node-1', msg: 'batch settled', batchId: '7', fills: 2 });
    for (const o of out) {
      expect(Date.parse(String(o.t))).not.toBeNaN();
      expect(Object.keys(o)).not.toContain('pid'); // the node's name is what tells the lines apart
    }
  });

  it.each<[LogLevel, string[]]>([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ])('at %s, drops the levels below it', (level, kept) => {
    const lines: string[] = [];
    const log = createLogger('n', level, (l) => lines.push(l));
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(parse(lines).map((o) => o.level)).toEqual(kept);
  });

  it('has a line on its descriptor as soon as the call returns', () => {
    const file = join(tempDir('kestrel-log-'), 'node.log');
    const fd = openSync(file, 'a');
    try {
      const log = createLogger('n', 'info', fd);
      for (let i = 0; i < 3; i++) {
        log.info('step', { i });
        expect(parse(readFileSync(file, 'utf8').trimEnd().split('\n')).at(-1)).toMatchObject({ level: 'info', msg: 'step', i });
      }
    } finally {
      closeSync(fd);
    }
  });

  it("leaves every line on stderr's file when its process is killed right after logging", () => {
    const file = join(tempDir('kestrel-log-'), 'node.log');
    const fd = openSync(file, 'a');
    const script = `
      const { createLogger } = await import(${JSON.stringify(BUILT_LOG)});
      const log = createLogger('doomed', 'info');
      for (let i = 0; i < 2000; i++) log.info('line', { i, pad: 'x'.repeat(200) });
      log.error('last words');
      process.kill(process.pid, 'SIGKILL');`;
    try {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', fd] });
      expect(r.signal).toBe('SIGKILL');
    } finally {
      closeSync(fd);
    }
    const out = parse(readFileSync(file, 'utf8').trimEnd().split('\n'));
    expect(out).toHaveLength(2001);
    expect(out.at(-1)).toMatchObject({ level: 'error', node: 'doomed', msg: 'last words' });
  });
});
