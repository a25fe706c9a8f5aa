/** The package documentation's example is code that compiles: it is test/examples/quickstart.ts, which tsc checks. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => readFileSync(new URL(p, import.meta.url), 'utf8');

function docExample(source: string): string {
  const m = /@packageDocumentation[\s\S]*?@example\n \* ```ts\n([\s\S]*?) \* ```/.exec(source);
  if (!m) throw new Error('no @example in the package documentation');
  return m[1]!
    .split('\n')
    .map((l) => l.replace(/^ \* ?/, ''))
    .join('\n')
    .trimEnd();
}

describe('documentation examples', () => {
  it('src/index.ts shows exactly test/examples/quickstart.ts', () => {
    const example = docExample(read('../src/index.ts'));
    const checked = read('./examples/quickstart.ts')
      .split('\n')
      .slice(1) // the file's own header comment
      .join('\n')
      .replace("from '../../src/index.js'", "from '@kestrel/sdk'")
      .trimEnd();
    expect(example).toBe(checked);
  });
});
