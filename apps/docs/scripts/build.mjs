/**
 * Builds the documentation site into .vitepress/dist: first the generated sources — the SDK
 * reference (one page per action, read from the SDK's source, and typedoc's markdown pages for
 * every export) and the SVG diagrams — then vitepress over all of it. The build must not touch the network: every outgoing
 * connection and DNS lookup to anything but loopback is refused and fails the build.
 */
import dns from 'node:dns';
import net from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const dist = join(docsRoot, '.vitepress', 'dist');
const typesOut = join(docsRoot, 'reference', 'types');

// ---- no network --------------------------------------------------------------------------------
const attempts = [];
const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);
function refuse(what) {
  attempts.push(what);
  throw new Error(`docs build tried to reach the network: ${what}`);
}
function hostOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') return first.path ? null : (first.host ?? 'localhost');
  if (typeof first === 'number' || /^\d+$/.test(String(first))) return typeof args[1] === 'string' ? args[1] : 'localhost';
  return null; // a unix socket path
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = hostOf(args);
  if (host !== null && !LOCAL.has(host)) refuse(`connect ${host}`);
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function guardedLookup(host, ...rest) {
  if (!LOCAL.has(host)) refuse(`dns ${host}`);
  return lookup.call(this, host, ...rest);
};
dns.promises.lookup = async (host) => refuse(`dns ${host}`);
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!LOCAL.has(url.hostname.replace(/^\[|\]$/g, ''))) refuse(`fetch ${url.href}`);
  return realFetch(input, init);
};

// ---- generated sources: the SDK reference and the diagrams -------------------------------------
const started = performance.now();
const { writeReference } = await import('./reference/render.mjs');
const reference = await writeReference({ docsRoot, repoRoot });
if (reference.problems.length > 0) {
  console.error(`docs: the SDK reference cannot be built:\n  ${reference.problems.join('\n  ')}`);
  process.exit(1);
}

// every export of the SDK, as markdown pages of the same site (reference/types/)
const { Application, LogLevel } = await import('typedoc');
const app = await Application.bootstrapWithPlugins({
  entryPoints: [join(repoRoot, 'packages/sdk/src/index.ts')],
  tsconfig: join(repoRoot, 'packages/sdk/tsconfig.json'),
  plugin: ['typedoc-plugin-markdown'],
  out: typesOut,
  name: '@kestrel/sdk',
  readme: 'none',
  includeVersion: true,
  excludePrivate: true,
  excludeProtected: true,
  sort: ['kind', 'alphabetical'],
  disableSources: true,
  entryFileName: 'index',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  logLevel: LogLevel.Warn,
});
const project = await app.convert();
if (!project) {
  console.error('docs: typedoc could not convert the SDK');
  process.exit(1);
}
app.validate(project);
await rm(typesOut, { recursive: true, force: true });
await app.generateOutputs(project);
if (app.logger.hasErrors()) {
  console.error('docs: typedoc reported errors');
  process.exit(1);
}

const { writeDiagrams } = await import('./diagrams/index.mjs');
const diagrams = await writeDiagrams({ docsRoot });

// ---- vitepress ---------------------------------------------------------------------------------
await rm(dist, { recursive: true, force: true });
const { build } = await import('vitepress');
await build(docsRoot);

if (attempts.length > 0) {
  console.error(`docs: the build tried to reach the network:\n  ${attempts.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `docs: built into ${dist} (guides, ${reference.pages.length} SDK reference pages, ${diagrams.length} diagrams) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
