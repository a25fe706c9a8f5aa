#!/usr/bin/env node
// Compiles the contracts with the solc npm package (offline) and writes
// src/generated/artifacts.ts: typed ABIs (`as const`) and creation bytecode for viem.
// Skips the work when the sources, compiler and settings are unchanged (`--force` to redo).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFile = path.join(root, 'src/generated/artifacts.ts');
const ozDir = path.dirname(require.resolve('@openzeppelin/contracts/package.json'));

/**
 * Entry points and the exports made from them. The Exchange runs its extension's code by
 * delegatecall, the extension ExchangeAdmin's and that ExchangeEscape's, so the Exchange's ABI is
 * the union of the four; each is deployed on its own (escape, admin code, extension, Exchange).
 */
const EXTENSION = { source: 'contracts/ExchangeExtension.sol', contract: 'ExchangeExtension', name: 'exchangeExtension' };
const ADMIN = { source: 'contracts/ExchangeAdmin.sol', contract: 'ExchangeAdmin', name: 'exchangeAdmin' };
const ESCAPE = { source: 'contracts/ExchangeEscape.sol', contract: 'ExchangeEscape', name: 'exchangeEscape' };
const TARGETS = [
  { source: 'contracts/Exchange.sol', contract: 'Exchange', name: 'exchange', abiFrom: [EXTENSION, ADMIN, ESCAPE] },
  EXTENSION,
  ADMIN,
  ESCAPE,
  { source: 'contracts/test/BlockingToken.sol', contract: 'BlockingToken', name: 'blockingToken' },
  { source: 'contracts/test/TestToken.sol', contract: 'TestToken', name: 'testToken' },
  { source: 'contracts/test/MockFeed.sol', contract: 'MockFeed', name: 'mockFeed' },
  { source: 'contracts/Timelock.sol', contract: 'Timelock', name: 'timelock' },
];

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const EIP170_LIMIT = 24_576;

function listSol(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listSol(p);
    return e.name.endsWith('.sol') ? [p] : [];
  });
}

function resolveImport(importPath) {
  const file = importPath.startsWith('@openzeppelin/contracts/')
    ? path.join(ozDir, importPath.slice('@openzeppelin/contracts/'.length))
    : path.join(root, importPath);
  try {
    return { contents: readFileSync(file, 'utf8') };
  } catch {
    return { error: `not found: ${importPath}` };
  }
}

const solc = require('solc');
const ozVersion = JSON.parse(readFileSync(path.join(ozDir, 'package.json'), 'utf8')).version;
const fingerprint = createHash('sha256');
fingerprint.update(solc.version());
fingerprint.update(ozVersion);
fingerprint.update(JSON.stringify(SETTINGS));
fingerprint.update(readFileSync(fileURLToPath(import.meta.url)));
for (const file of listSol(path.join(root, 'contracts')).sort()) {
  fingerprint.update(path.relative(root, file));
  fingerprint.update(readFileSync(file));
}
const hash = fingerprint.digest('hex');
const marker = `// fingerprint: ${hash}`;

if (!process.argv.includes('--force') && existsSync(outFile) && readFileSync(outFile, 'utf8').includes(marker)) {
  console.log('contracts: artifacts up to date');
  process.exit(0);
}

const started = Date.now();
const input = {
  language: 'Solidity',
  sources: Object.fromEntries(TARGETS.map((t) => [t.source, { content: readFileSync(path.join(root, t.source), 'utf8') }])),
  settings: SETTINGS,
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) {
  // OpenZeppelin's transient-storage notice (2394) is expected for its reentrancy guard.
  if (e.severity !== 'error' && !(e.errorCode === '2394' && e.sourceLocation?.file?.startsWith('@openzeppelin/'))) {
    console.warn(e.formattedMessage ?? e.message);
  }
}
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage ?? e.message);
  process.exit(1);
}

/** A compiled contract, its runtime size checked against EIP-170 (once). */
const checked = new Set();
function compiled(t) {
  const c = output.contracts?.[t.source]?.[t.contract];
  if (checked.has(t.contract)) return c;
  checked.add(t.contract);
  if (!c) throw new Error(`missing output for ${t.source}:${t.contract}`);
  const runtimeSize = c.evm.deployedBytecode.object.length / 2;
  if (runtimeSize > EIP170_LIMIT) {
    console.error(`${t.contract}: runtime code is ${runtimeSize} bytes, above the EIP-170 limit of ${EIP170_LIMIT}`);
    process.exit(1);
  }
  console.log(`contracts: ${t.contract} runtime ${runtimeSize} bytes`);
  return c;
}

/** The ABI entries of `abi` plus those of `more` it lacks (same type and signature). */
function unionAbi(abi, more) {
  const key = (e) => `${e.type}:${e.name ?? ''}(${(e.inputs ?? []).map((i) => i.type).join(',')})`;
  const seen = new Set(abi.map(key));
  return [...abi, ...more.filter((e) => !seen.has(key(e)) && e.type !== 'constructor')];
}

let ts = `// Generated by scripts/compile.mjs from the Solidity sources. Do not edit.\n// solc ${solc.version()}, optimizer runs ${SETTINGS.optimizer.runs}, evm ${SETTINGS.evmVersion}\n${marker}\n\n`;
ts += `/** The solc version the artifacts were compiled with. */\nexport const compilerVersion = ${JSON.stringify(solc.version())};\n\n`;
for (const t of TARGETS) {
  const c = compiled(t);
  const abi = (t.abiFrom ?? []).reduce((acc, x) => unionAbi(acc, compiled(x).abi), c.abi);
  ts += `/** ABI of ${t.contract} (${t.source}${t.abiFrom ? `, with ${t.abiFrom.map((x) => x.contract).join(', ')}` : ''}). */\n`;
  ts += `export const ${t.name}Abi = ${JSON.stringify(abi, null, 2)} as const;\n\n`;
  ts += `/** Creation bytecode of ${t.contract}. */\n`;
  ts += `export const ${t.name}Bytecode: \`0x\${string}\` = '0x${c.evm.bytecode.object}';\n\n`;
}

mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, ts);
console.log(`contracts: wrote ${path.relative(root, outFile)} in ${Date.now() - started} ms`);
