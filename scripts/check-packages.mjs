#!/usr/bin/env node
/**
 * The published packages as their users get them (part of `npm test`): each has its README,
 * the LICENSE, a repository, an exports map with types; viem is a peer of what an app installs;
 * publint and arethetypeswrong pass on the packed tarball; the SDK's bundle stays within its size
 * limit (packages/sdk/.size-limit.json, viem left out: the app's own); and the SDK, packed and installed in a
 * scratch project outside the repository, brings no chain binary or compiler (anvil, forge,
 * solc), one viem, and runs the README's quick start against a devnet: an order placed through
 * the SDK fills against another and settles on chain.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withDevnet } from './devnet-for-tests.mjs';

const root = resolve(import.meta.dirname, '..');
const PUBLISHED = ['core', 'api', 'devnet', 'contracts', 'sdk', 'node'];
/** what an app installs alongside viem: viem must be its peer, not a copy of its own */
const VIEM_PEERS = ['contracts', 'sdk'];
/** what the SDK's install must never bring */
const FORBIDDEN = ['@foundry-rs', 'solc', '@kestrel/devnet', '@kestrel/node'];

const problems = [];
const fail = (what) => problems.push(what);
const run = (cmd, args, cwd, env = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });

/** README.md's quick start, with a seller for its buy to fill against. */
const QUICK_START = `
import { createKestrelClient } from '@kestrel/sdk';
import { privateKeyToAccount } from 'viem/accounts';

const deployment = { exchange: process.env.EXCHANGE, chainId: 31337 };
const client = createKestrelClient({ nodeUrl: process.env.NODE_URL, ...deployment, account: privateKeyToAccount(process.env.BUYER_KEY) });
const seller = createKestrelClient({ nodeUrl: process.env.NODE_URL, ...deployment, account: privateKeyToAccount(process.env.SELLER_KEY) });
await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1850.25', amount: '0.5', subaccountName: 'main' });
const { orderHash } = await client.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1850.25', amount: '0.5', subaccountName: 'main' });
await client.getBook({ marketId: 1 });
const o = await client.waitForOrder({ orderHash, until: (s) => s.status === 'filled' && s.settlement === 'settled', timeoutMs: 60000 });
console.log(o.status, o.settlement);
`;
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

for (const p of PUBLISHED) {
  const dir = join(root, 'packages', p);
  const pkg = readJson(join(dir, 'package.json'));
  const name = pkg.name;
  if (pkg.private) fail(`${name}: marked private`);
  if (!existsSync(join(dir, 'README.md')) || !readFileSync(join(dir, 'README.md'), 'utf8').includes(name)) fail(`${name}: no README.md naming the package`);
  if (!existsSync(join(dir, 'LICENSE')) || readFileSync(join(dir, 'LICENSE'), 'utf8') !== license) fail(`${name}: LICENSE missing or not the repository's`);
  if (pkg.license !== 'MIT') fail(`${name}: license ${pkg.license}`);
  if (pkg.repository?.directory !== `packages/${p}` || !pkg.repository?.url) fail(`${name}: repository with directory packages/${p} missing`);
  const entry = pkg.exports?.['.'];
  if (!entry?.types || !entry?.import) fail(`${name}: exports["."] needs types and import`);
  if (!pkg.engines?.node) fail(`${name}: engines.node missing`);
  if (VIEM_PEERS.includes(p)) {
    if (pkg.dependencies?.viem) fail(`${name}: viem is a dependency; an app would get a second copy`);
    const range = pkg.peerDependencies?.viem;
    if (!range || /^\d/.test(range)) fail(`${name}: viem must be a peer dependency with a range, not ${range}`);
  }
  for (const [tool, args] of [
    ['publint', ['publint', '--strict', '.']],
    ['attw', ['attw', '--pack', '.', '--profile', 'esm-only']],
  ]) {
    try {
      run('npx', args, dir);
    } catch (err) {
      fail(`${name}: ${tool} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  }
}

// the SDK's bundle, minified and brotlied, within its limit
try {
  const out = run('npx', ['size-limit'], join(root, 'packages', 'sdk'));
  console.log(
    out
      .split('\n')
      .filter((l) => /Size( limit)?:|@kestrel/.test(l))
      .map((l) => l.trim())
      .join('\n'),
  );
} catch (err) {
  fail(`@kestrel/sdk: over its size limit:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
}

// the SDK as an app installs it: packed with what it depends on of ours, in a project of its own
const scratch = mkdtempSync(join(tmpdir(), 'kestrel-sdk-install-'));
try {
  const tarballs = {};
  for (const p of ['core', 'api', 'contracts', 'sdk']) {
    const file = run('npm', ['pack', '--silent', '--pack-destination', scratch], join(root, 'packages', p))
      .trim()
      .split('\n')
      .at(-1);
    tarballs[readJson(join(root, 'packages', p, 'package.json')).name] = `file:./${file}`;
  }
  const viem = readJson(join(root, 'node_modules', 'viem', 'package.json')).version;
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'scratch-app', private: true, type: 'module', dependencies: { ...tarballs, viem } }, null, 2)}\n`,
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], scratch);
  const modules = join(scratch, 'node_modules');
  for (const bad of FORBIDDEN) if (existsSync(join(modules, bad))) fail(`the SDK's install brought ${bad}`);
  const viems = run('npm', ['ls', 'viem', '--all', '--parseable'], scratch).trim().split('\n').filter(Boolean);
  if (viems.length !== 1) fail(`the SDK's install holds ${viems.length} copies of viem:\n${viems.join('\n')}`);
  const loaded = run(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('@kestrel/sdk'); console.log(typeof m.createKestrelClient)"],
    scratch,
  ).trim();
  if (loaded !== 'function') fail(`@kestrel/sdk did not import in the scratch project (${loaded})`);
  // the README's quick start, run from the scratch project against a devnet (the built node's)
  await withDevnet({ dataDir: join(scratch, 'devnet'), traders: 2 }, async (devnet) => {
    try {
      writeFileSync(join(scratch, 'quickstart.mjs'), QUICK_START);
      const out = run(process.execPath, ['quickstart.mjs'], scratch, {
        NODE_URL: devnet.nodes[0].api,
        EXCHANGE: devnet.exchange,
        BUYER_KEY: devnet.traders[0].privateKey,
        SELLER_KEY: devnet.traders[1].privateKey,
      }).trim();
      if (out !== 'filled settled') fail(`the quick start in the scratch project ended with: ${out}`);
      else console.log('the README quick start ran from the scratch project against a devnet: filled and settled');
    } catch (err) {
      fail(`the quick start in the scratch project failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  });
  const size = (d) =>
    readdirSync(d, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? size(join(d, e.name)) : e.isFile() ? statSync(join(d, e.name)).size : 0),
      0,
    );
  console.log(`the SDK installed in a scratch project: node_modules ${(size(modules) / 2 ** 20).toFixed(1)} MiB, ${viems.length} viem`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`package checks failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`package checks passed: ${PUBLISHED.map((p) => `@kestrel/${p}`).join(', ')} (README, LICENSE, repository, exports with types, publint, attw)`);
