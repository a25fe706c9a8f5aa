/**
 * The core's boundary, checked mechanically (spec/index.md): it imports nothing of ours, no I/O
 * module, and only the pure libraries it declares; it reads no clock and no random source.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');
const ALLOWED = [/^\.\.?\//, /^@noble\/hashes\//, /^@noble\/curves\//];
const FORBIDDEN_CALLS = /\b(Date\.now|new Date\(|Math\.random|performance\.now|process\.|setTimeout|setInterval|parseFloat)\b/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('core boundary', () => {
  const sources = files(SRC);

  it('finds the sources', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it.each(sources.map((f) => [f.slice(SRC.length + 1), f]))('%s imports only pure modules', (_name, file) => {
    // comments hold examples written from a user's side (`from '@kestrel/core'`): skip them
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
      expect(
        ALLOWED.some((re) => re.test(m[1]!)),
        `${file} imports ${m[1]}`,
      ).toBe(true);
    }
    expect(FORBIDDEN_CALLS.exec(code)?.[0], file).toBeUndefined();
  });
});
