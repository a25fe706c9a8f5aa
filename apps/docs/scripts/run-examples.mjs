/**
 * Runs the guides' examples as a reader would, against a devnet (part of the docs test, after
 * check.mjs has compiled each page's TypeScript into .vitepress/cache/snippets): the TypeScript
 * of getting-started, of the REST quick start and of the SDK guide, then each page's curl
 * commands, in one folder.
 * The pages name the devnet's default ports and Exchange; the test's devnet runs on free ports,
 * so those three strings are replaced and nothing else is. A program that throws, a curl that
 * fails or an answer with an `error` fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const snippets = join(docsRoot, '.vitepress', 'cache', 'snippets');
const ts = createRequire(import.meta.url)('typescript');
const { withDevnet } = await import(pathToFileURL(join(repoRoot, 'scripts', 'devnet-for-tests.mjs')).href);

const PAGES = ['guide/getting-started.md', 'guide/rest.md', 'guide/sdk.md'];
const DEVNET_NODE = 'http://127.0.0.1:9545';
const DEVNET_CHAIN = 'http://127.0.0.1:8545';
const DEVNET_EXCHANGE = '0xb7f8bc63bbcad18155201308c8f3540b07f84f5e';

const failures = [];
let programs = 0;
let curls = 0;
await withDevnet({ dataDir: join(snippets, 'devnet'), traders: 4 }, async (devnet) => {
  const substitute = (s) => s.replaceAll(DEVNET_NODE, devnet.nodes[0].api).replaceAll(DEVNET_CHAIN, devnet.rpcUrl).replaceAll(DEVNET_EXCHANGE, devnet.exchange);
  // the SDK guide's market order sweeps the asks: the devnet's last trader rests some, as the
  // market makers of a real network would
  const { createKestrelClient } = await import('@kestrel/sdk');
  const { privateKeyToAccount } = await import('viem/accounts');
  const maker = devnet.traders.at(-1);
  const seller = createKestrelClient({
    nodeUrl: devnet.nodes[0].api,
    exchange: devnet.exchange,
    chainId: devnet.chainId,
    account: privateKeyToAccount(maker.privateKey),
  });
  for (let i = 0; i < 300; i++) {
    const { balances } = await seller.getAccount();
    if (balances.some((b) => b.symbol === 'WETH' && BigInt(b.balance.split('.')[0]) >= 5n)) break; // its devnet deposit, credited by a batch
    await new Promise((r) => setTimeout(r, 200));
  }
  await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1850', amount: '5' });
  for (const page of PAGES) {
    const work = join(snippets, `run-${page.replace(/[/.]/g, '_')}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const source = join(snippets, `${page.replace(/[/.]/g, '_')}.ts`);
    if (!existsSync(source)) {
      failures.push(`${page}: no compiled examples in ${source}; run check.mjs first`);
      continue;
    }
    const js = ts.transpileModule(substitute(readFileSync(source, 'utf8')), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // beside the snippets, so `@kestrel/sdk` and viem resolve from the repository's node_modules
    const program = join(snippets, `run-${page.replace(/[/.]/g, '_')}.mjs`);
    writeFileSync(program, js);
    try {
      execFileSync(process.execPath, [program], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      programs++;
    } catch (err) {
      failures.push(`${page}: its TypeScript examples failed against the devnet:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      continue;
    }
    const md = readFileSync(join(docsRoot, page), 'utf8');
    const lines = [...md.matchAll(/^```sh\s*\n([\s\S]*?)^```\s*$/gm)].flatMap((m) => m[1].split('\n')).filter((l) => l.startsWith('curl '));
    for (const line of lines) {
      const command = substitute(line);
      try {
        const out = execFileSync('bash', ['-c', `${command} --fail-with-body`], { cwd: work, encoding: 'utf8', timeout: 30_000 }).trim();
        if (out.startsWith('{') && 'error' in JSON.parse(out)) throw Object.assign(new Error('answered an error'), { stdout: out });
        curls++;
      } catch (err) {
        failures.push(`${page}: \`${line}\` failed: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
      }
    }
  }
});

if (failures.length > 0) {
  console.error(`docs examples: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`docs examples: ok — the TypeScript of ${programs} pages and ${curls} curl commands ran against a devnet (${PAGES.join(', ')})`);
