/**
 * Opens the built site in headless Chromium the way a reader would and fails on what a reader
 * would trip over: a console error or an uncaught exception on any page, a same-origin link to a
 * page or an anchor that does not exist, an image that does not load. It crawls every page
 * reachable from the home page, then checks a few things that only show once rendered: the risk
 * page's formula table is one table, the diagrams have a size, the reference sidebar has its
 * groups, the logo loads. Screenshots for a person go to apps/docs/.screenshots/ (ignored by git).
 *
 * Chromium is Debian's (/usr/bin/chromium, installed by scripts/ensure-chromium.sh when missing);
 * the site is served from .vitepress/dist on 127.0.0.1 and nothing else is reachable.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const docsRoot = resolve(fileURLToPath(import.meta.url), '../..');
const repoRoot = resolve(docsRoot, '../..');
const dist = join(docsRoot, '.vitepress', 'dist');
const shots = join(docsRoot, '.screenshots');
const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(join(dist, 'index.html'))) {
  console.error(`docs browse: ${dist} has no index.html; run the docs build first`);
  process.exit(1);
}
execFileSync('bash', [join(repoRoot, 'scripts/ensure-chromium.sh')], { stdio: 'inherit' });

// ---- a static server for the built site ---------------------------------------------------------
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain',
};
function fileFor(pathname) {
  const p = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  const abs = join(dist, p);
  if (!abs.startsWith(dist)) return null;
  for (const c of p.endsWith('/') ? [join(abs, 'index.html')] : [abs, `${abs}.html`, join(abs, 'index.html')])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}
const server = createServer((req, res) => {
  const file = fileFor(new URL(req.url, 'http://x').pathname);
  const status = file ? 200 : 404;
  const body = file ?? join(dist, '404.html');
  res.writeHead(status, { 'content-type': TYPES[extname(body)] ?? 'application/octet-stream' });
  createReadStream(body).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- the browser --------------------------------------------------------------------------------
const profile = mkdtempSync(join(tmpdir(), 'kestrel-docs-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});
const failures = [];
const fail = (m) => failures.push(m);
const page = context.pages()[0] ?? (await context.newPage());
let current = '/';
page.on('console', (msg) => {
  if (msg.type() === 'error') fail(`${current}: console error: ${msg.text()}`);
});
page.on('pageerror', (err) => fail(`${current}: uncaught ${err.message}`));
page.on('response', (r) => {
  const url = new URL(r.url());
  if (url.origin === origin && r.status() >= 400 && !url.pathname.endsWith('.html')) fail(`${current}: ${url.pathname} answered ${r.status()}`);
});
page.on('requestfailed', (r) => {
  if (new URL(r.url()).origin !== origin) fail(`${current}: tried to load ${r.url()} from outside the site`);
});

// ---- crawl ----------------------------------------------------------------------------------------
const queue = ['/'];
const visited = new Map(); // path → the ids on the page
const anchors = []; // [from, path, fragment]
let links = 0;
let images = 0;
while (queue.length > 0) {
  const path = queue.shift();
  if (visited.has(path)) continue;
  current = path;
  const response = await page.goto(origin + path, { waitUntil: 'load' });
  if (response?.status() !== 200) {
    visited.set(path, new Set());
    fail(`${path}: answered ${response?.status()} (linked from ${anchors.find(([, p]) => p === path)?.[0] ?? 'the crawl'})`);
    continue;
  }
  const found = await page.evaluate(async () => {
    const imgs = [...document.images];
    await Promise.all(
      imgs.map((img) =>
        img.complete ? null : new Promise((ok) => img.addEventListener('load', ok, { once: true }) || img.addEventListener('error', ok, { once: true })),
      ),
    );
    return {
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
      hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      broken: imgs.filter((img) => img.naturalWidth === 0).map((img) => img.getAttribute('src')),
      images: imgs.length,
      tableCellsWithBacktick: [...document.querySelectorAll('td, th')]
        .filter((c) => (c.textContent.match(/`/g)?.length ?? 0) % 2 === 1)
        .map((c) => c.textContent.trim().slice(0, 60)),
    };
  });
  visited.set(path, new Set(found.ids));
  images += found.images;
  for (const src of found.broken) fail(`${path}: image ${src} does not load`);
  // a backtick left in a rendered table cell is a code span that a `|` cut in two
  for (const c of found.tableCellsWithBacktick) fail(`${path}: a table cell shows a stray backtick (a \`|\` split a code span?): ${c}`);
  for (const href of found.hrefs) {
    const u = new URL(href);
    if (u.origin !== origin) continue;
    links++;
    if (u.hash.length > 1) anchors.push([path, u.pathname, decodeURIComponent(u.hash.slice(1))]);
    if (!visited.has(u.pathname) && !queue.includes(u.pathname)) queue.push(u.pathname);
  }
}
for (const [from, path, fragment] of anchors) {
  const ids = visited.get(path);
  if (ids && ids.size > 0 && !ids.has(fragment)) fail(`${from}: links ${path}#${fragment}, which names no element there`);
}

// ---- what only shows once rendered --------------------------------------------------------------
mkdirSync(shots, { recursive: true });
for (const f of readdirSync(shots)) rmSync(join(shots, f));
async function open(path) {
  current = path;
  await page.goto(origin + path, { waitUntil: 'load' });
}

await open('/guide/risk.html');
const formula = await page.evaluate(() => {
  const table = [...document.querySelectorAll('.vp-doc table')].find((t) => t.querySelector('th')?.textContent.trim() === 'quantity');
  if (!table) return null;
  const rows = [...table.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
  return { rows };
});
if (!formula) fail('/guide/risk.html: the model’s formula table (quantity | formula) is missing');
else {
  if (formula.rows.some((r) => r.length !== 2))
    fail(`/guide/risk.html: the formula table does not have 2 columns in every row: ${JSON.stringify(formula.rows.map((r) => r.length))}`);
  const exposure = formula.rows.find((r) => r[0].startsWith('a risk group'));
  if (!exposure?.[1]?.includes('gross = Σ |v| + Σ |n|')) fail(`/guide/risk.html: the exposure row lost its formula: ${JSON.stringify(exposure)}`);
  if (formula.rows.length < 8) fail(`/guide/risk.html: the formula table has ${formula.rows.length} rows`);
}
await page.screenshot({ path: join(shots, 'risk.png'), fullPage: true });

const diagramFiles = readdirSync(join(dist, 'diagrams')).filter((f) => f.endsWith('.svg'));
const diagramsSeen = new Set();
for (const path of ['/guide/concepts.html', '/guide/risk.html']) {
  await open(path);
  const sizes = await page.evaluate(() =>
    [...document.querySelectorAll('img[src*="/diagrams/"]')].map((img) => {
      img.scrollIntoView();
      const r = img.getBoundingClientRect();
      return { src: img.getAttribute('src'), w: r.width, h: r.height, natural: img.naturalWidth };
    }),
  );
  for (const d of sizes) {
    diagramsSeen.add(d.src.split('/').pop());
    if (d.w < 200 || d.h < 80 || d.natural === 0) fail(`${path}: diagram ${d.src} renders at ${d.w}×${d.h} (natural width ${d.natural})`);
  }
}
for (const f of diagramFiles) if (!diagramsSeen.has(f)) fail(`diagram ${f} is shown on neither the concepts nor the risk page`);
await open('/guide/concepts.html');
await page.screenshot({ path: join(shots, 'concepts.png'), fullPage: true });

await open('/reference/trading/placeOrder.html');
const sidebar = await page.evaluate(() =>
  [...document.querySelectorAll('.VPSidebar .VPSidebarItem.level-0 > .item h2, .VPSidebar .VPSidebarItem.level-0 > .item .text')].map((e) =>
    e.textContent.trim(),
  ),
);
for (const g of ['Read', 'Streams', 'Trading', 'Chain', 'Risk', 'Devnet'])
  if (!sidebar.includes(g)) fail(`/reference/: the sidebar has no group ${g} (has ${sidebar.join(', ')})`);
const referenceSections = await page.evaluate(() => [...document.querySelectorAll('.vp-doc h2')].map((h) => h.textContent.replace(/\u200b|#/g, '').trim()));
for (const h of ['Usage', 'Parameters', 'Returns', 'Errors', 'Behind it'])
  if (!referenceSections.includes(h)) fail(`/reference/trading/placeOrder.html: no section ${h}`);
await page.screenshot({ path: join(shots, 'reference-placeOrder.png'), fullPage: false });

await open('/');
const logo = await page.evaluate(() => {
  const img = document.querySelector('.VPNavBar img.logo');
  return img ? { natural: img.naturalWidth, w: img.getBoundingClientRect().width } : null;
});
if (!logo || logo.natural === 0 || logo.w === 0) fail(`/: the logo does not show (${JSON.stringify(logo)})`);
const favicon = await page.evaluate(() => document.querySelector('link[rel="icon"]')?.getAttribute('href'));
if (!favicon || !fileFor(favicon)) fail(`/: the favicon ${favicon} is not in the site`);
await page.screenshot({ path: join(shots, 'home.png') });

await context.close();
server.close();
rmSync(profile, { recursive: true, force: true });

if (failures.length > 0) {
  console.error(`docs browse: ${failures.length} problem(s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `docs browse: ok — ${visited.size} pages opened in Chromium, ${links} same-origin links and ${anchors.length} anchors followed, ` +
    `${images} images loaded, ${diagramsSeen.size} diagrams rendered; screenshots in ${shots}`,
);
