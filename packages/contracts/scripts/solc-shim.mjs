#!/usr/bin/env node
// A `solc` executable backed by the solc npm package (the wasm build), so that forge can compile
// without downloading a native compiler. It supports the two invocations forge makes:
//   solc --version
//   solc [--base-path P] [--include-path P]... [--allow-paths P,Q] --standard-json  (input on stdin)
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  // Same shape as the native binary; forge parses the "Version:" line.
  const version = solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(1);
}

let basePath = process.cwd();
const includePaths = [];
const allowPaths = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => {
    const v = args[++i];
    if (v === undefined) throw new Error(`missing value after ${a}`);
    return v;
  };
  if (a === '--base-path') basePath = next();
  else if (a.startsWith('--base-path=')) basePath = a.slice('--base-path='.length);
  else if (a === '--include-path') includePaths.push(next());
  else if (a.startsWith('--include-path=')) includePaths.push(a.slice('--include-path='.length));
  else if (a === '--allow-paths') allowPaths.push(...next().split(','));
  else if (a.startsWith('--allow-paths=')) allowPaths.push(...a.slice('--allow-paths='.length).split(','));
}

const canonical = (p) => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};
const roots = [basePath, ...includePaths].filter(Boolean).map((p) => path.resolve(p));
const allowed = [...roots, ...allowPaths.filter(Boolean).map((p) => path.resolve(p))].map(canonical);

function isAllowed(file) {
  const real = canonical(file);
  return allowed.some((dir) => real === dir || real.startsWith(dir + path.sep));
}

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.join(r, importPath));
  for (const file of candidates) {
    let contents;
    try {
      contents = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!isAllowed(file)) return { error: `${importPath}: outside the allowed paths` };
    return { contents };
  }
  return { error: `${importPath}: file not found (searched ${roots.join(', ')})` };
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  const output = solc.compile(input, { import: findImports });
  process.stdout.write(output);
});
