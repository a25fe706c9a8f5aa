/**
 * Checks the built documentation site (run `npm run build` in apps/docs first):
 *
 *  1. the home page, every guide and specification page and the SDK reference exist; every action
 *     of the SDK has its reference page, and one without a group in the reference fails here;
 *  2. every internal link and asset reference in every built HTML page resolves to a file, and
 *     every `#fragment` on a link to a page names an element of that page;
 *  3. the site loads nothing from the network (no external scripts, styles, fonts or images);
 *  4. every public export of @kestrel/sdk has its page in the reference's types;
 *  5. the TypeScript examples in the guides and the specification compile against the real SDK: the ```ts blocks of each
 *     page, in order, form one program, type-checked with the repository's strict settings;
 *  6. every error code of the protocol (`ErrorCode`) has its row in the API guide's error table,
 *     and every code of the SDK's own (`SdkErrorCode`) is named in the SDK guide;
 *  7. no page calls something "not implemented yet" or "not served yet" (or says "there is no … yet"):
 *     such a sentence outlives the feature's arrival; and every endpoint of `endpoints` has its row
 *     in the API guide's and the API spec's endpoint tables.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const dist = join(docsRoot, '.vitepress', 'dist');
const ts = createRequire(import.meta.url)('typescript');

const failures = [];
const fail = (msg) => failures.push(msg);
const rel = (p) => relative(dist, p).split(sep).join('/');

if (!existsSync(join(dist, 'index.html'))) {
  console.error(`docs: ${dist} has no index.html; run the docs build first`);
  process.exit(1);
}

// ---- 1. the pages ------------------------------------------------------------------------------
const sources = ['guide', 'spec'].flatMap((dir) =>
  readdirSync(join(docsRoot, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${dir}/${f}`),
);
const required = ['index.html', '404.html', 'reference/index.html', 'reference/types/index.html', ...sources.map((f) => f.replace(/\.md$/, '.html'))];
for (const page of required) if (!existsSync(join(dist, page))) fail(`missing page ${page}`);
const { analyzeActions } = await import('./reference/analyze.mjs');
const { GROUPS_FILE, groupActions } = await import('./reference/groups.mjs');
const actions = analyzeActions(repoRoot);
const { groupOf, ungrouped, stale } = groupActions(actions.map((a) => a.name));
for (const a of actions.filter((x) => x.problem)) fail(`SDK action ${a.name}: ${a.problem}`);
for (const a of ungrouped) fail(`SDK action ${a} has no group in the reference: add it to one of the groups in ${GROUPS_FILE}`);
for (const a of stale) fail(`${GROUPS_FILE} names ${a}, which the SDK has no action for: remove it`);
for (const [a, g] of groupOf) if (!existsSync(join(dist, 'reference', g.id, `${a}.html`))) fail(`SDK action ${a} has no page reference/${g.id}/${a}.html`);

// ---- 2 and 3. links ----------------------------------------------------------------------------
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const htmlFiles = walk(dist).filter((f) => f.endsWith('.html'));
const idCache = new Map();
function idsOf(file) {
  if (!idCache.has(file)) {
    const html = readFileSync(file, 'utf8');
    const ids = new Set();
    for (const m of html.matchAll(/\s(?:id|name)="([^"]*)"/g)) ids.add(decodeEntities(m[1]));
    idCache.set(file, ids);
  }
  return idCache.get(file);
}
function decodeEntities(s) {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
/** The file a URL path names, or null. */
function targetFile(fromFile, path) {
  const p = decodeURIComponent(path);
  const abs = p.startsWith('/') ? join(dist, p) : join(dirname(fromFile), p);
  if (!abs.startsWith(dist)) return null;
  const candidates = p.endsWith('/') || p === '' ? [join(abs, 'index.html')] : [abs, `${abs}.html`, join(abs, 'index.html')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

let linkCount = 0;
for (const file of htmlFiles) {
  const html = readFileSync(file, 'utf8');
  // resources the page loads by itself must be local
  for (const m of html.matchAll(/<(script|link|img|iframe|source|video|audio)\b[^>]*?\s(?:src|href)="(https?:)?\/\/([^"]+)"/gi)) {
    const tag = m[0];
    if (/^<link\b/i.test(tag) && !/rel="(stylesheet|preload|modulepreload|icon|manifest|prefetch|preconnect|dns-prefetch)"/i.test(tag)) continue;
    fail(`${rel(file)}: loads //${m[3]} from the network`);
  }
  for (const m of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
    const raw = decodeEntities(m[2]);
    if (raw === '' || /^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) continue; // external, mailto:, data:, javascript:
    linkCount++;
    const [beforeHash, fragment] = raw.split('#', 2);
    const path = beforeHash.split('?')[0];
    const target = path === '' ? file : targetFile(file, path);
    if (!target) {
      fail(`${rel(file)}: ${m[1]}="${raw}" does not resolve to a file`);
      continue;
    }
    if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) {
      fail(`${rel(file)}: ${m[1]}="${raw}" names no element #${fragment} in ${rel(target)}`);
    }
  }
}

// ---- 4. the SDK's exports ----------------------------------------------------------------------
const sdkIndex = join(repoRoot, 'packages/sdk/src/index.ts');
const configFile = ts.readConfigFile(join(repoRoot, 'packages/sdk/tsconfig.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, join(repoRoot, 'packages/sdk'));
const program = ts.createProgram([sdkIndex], { ...parsed.options, noEmit: true });
const checker = program.getTypeChecker();
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(sdkIndex));
const exportNames = checker.getExportsOfModule(moduleSymbol).map((s) => s.getName());
const kindDirs = ['functions', 'classes', 'interfaces', 'type-aliases', 'variables', 'enumerations', 'namespaces'];
const typesIndex = readFileSync(join(dist, 'reference/types/index.html'), 'utf8');
for (const name of exportNames) {
  const page = kindDirs.map((d) => `reference/types/${d}/${name}.html`).find((p) => existsSync(join(dist, p)));
  if (!page) fail(`SDK export ${name} has no page in the reference's types`);
  else if (!typesIndex.includes(`/${page}"`) && !typesIndex.includes(`${page.slice('reference/types/'.length)}"`))
    fail(`SDK export ${name}: reference/types/index.html does not link ${page}`);
}
if (exportNames.length < 20) fail(`only ${exportNames.length} SDK exports found; is ${sdkIndex} the right entry?`);

// ---- 5. the guides' TypeScript examples compile ------------------------------------------------
const snippetDir = join(docsRoot, '.vitepress', 'cache', 'snippets');
rmSync(snippetDir, { recursive: true, force: true });
mkdirSync(snippetDir, { recursive: true });
const snippetFiles = [];
for (const page of ['index.md', ...sources]) {
  const md = readFileSync(join(docsRoot, page), 'utf8');
  const blocks = [...md.matchAll(/^```ts\s*\n([\s\S]*?)^```\s*$/gm)].map((m) => m[1]);
  if (blocks.length === 0) continue;
  // one program per page: imports hoisted and merged (later blocks may import more), bodies in order
  const named = new Map();
  const bodies = [];
  for (const block of blocks) {
    const body = [];
    for (const line of block.split('\n')) {
      const imp = /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';\s*$/.exec(line);
      if (!imp) {
        body.push(line);
        continue;
      }
      const set = named.get(imp[3]) ?? new Set();
      for (const spec of imp[2]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        set.add(imp[1] ? `type ${spec.replace(/^type\s+/, '')}` : spec);
      named.set(imp[3], set);
    }
    bodies.push(body.join('\n'));
  }
  const imports = [...named].map(([from, specs]) => `import { ${[...specs].join(', ')} } from '${from}';`);
  const file = join(snippetDir, `${page.replace(/[/.]/g, '_')}.ts`);
  writeFileSync(file, `${imports.join('\n')}\n\n${bodies.join('\n')}\nexport {};\n`);
  snippetFiles.push([page, file]);
}
if (snippetFiles.length > 0) {
  const base = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), ts.sys.readFile).config;
  const options = ts.convertCompilerOptionsFromJson(
    { ...base.compilerOptions, noEmit: true, types: ['node'], declaration: false, declarationMap: false, sourceMap: false },
    docsRoot,
  ).options;
  const snippetProgram = ts.createProgram(
    snippetFiles.map(([, f]) => f),
    options,
  );
  const diagnostics = ts.getPreEmitDiagnostics(snippetProgram);
  for (const d of diagnostics) {
    const where = d.file ? `${snippetFiles.find(([, f]) => resolve(f) === resolve(d.file.fileName))?.[0] ?? d.file.fileName}` : '';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const text = d.file && d.start !== undefined ? d.file.text.split('\n')[line - 1]?.trim() : '';
    fail(`example in ${where} does not compile: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}${text ? `\n      at: ${text}` : ''}`);
  }
}

// ---- 6. every error code documented ------------------------------------------------------------
const { ErrorCode } = await import('@kestrel/core');
const { SdkErrorCode } = await import('@kestrel/sdk');
const apiGuide = readFileSync(join(docsRoot, 'guide/api.md'), 'utf8');
const tableRows = apiGuide.split('\n').filter((l) => l.startsWith('| `'));
for (const code of Object.keys(ErrorCode)) {
  if (!tableRows.some((row) => row.split('|')[1].includes(`\`${code}\``))) fail(`error code ${code} has no row in guide/api.md's error table`);
}
const sdkGuide = readFileSync(join(docsRoot, 'guide/sdk.md'), 'utf8');
for (const code of Object.keys(SdkErrorCode)) if (!sdkGuide.includes(`\`${code}\``)) fail(`SDK error code ${code} is not named in guide/sdk.md`);

// ---- 7. nothing called missing that is there ---------------------------------------------------
for (const page of sources) {
  const text = readFileSync(join(docsRoot, page), 'utf8');
  for (const m of text.matchAll(/not (implemented|served|supported|available) yet|there is no [^.]{0,80}\byet\b/gi))
    fail(`${page}: "${m[0]}" — say what is, or what is left out and why`);
}
// every endpoint the node serves is in both endpoint tables, by its method and path
const { endpoints } = await import('@kestrel/api');
const specApi = readFileSync(join(docsRoot, 'spec/api.md'), 'utf8');
for (const [name, e] of Object.entries(endpoints)) {
  const call = `\`${e.method} ${e.path}\``;
  for (const [page, text] of [
    ['guide/api.md', apiGuide],
    ['spec/api.md', specApi],
  ])
    if (!text.split('\n').some((l) => l.startsWith('|') && l.includes(call))) fail(`${page}: endpoint ${name} (${call}) has no row in the endpoint table`);
}

// ---- report ------------------------------------------------------------------------------------
if (failures.length > 0) {
  console.error(`docs check: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `docs check: ok — ${htmlFiles.length} pages, ${groupOf.size} SDK actions with a reference page, ${linkCount} internal links resolved, ${exportNames.length} SDK exports documented, ` +
    `examples of ${snippetFiles.length} pages compile, ${Object.keys(ErrorCode).length + Object.keys(SdkErrorCode).length} error codes documented`,
);
