/**
 * Writes the SDK reference into the site's sources before vitepress builds it: one page per
 * action under reference/<group>/, an index, and the sidebar the site's config reads. The pages
 * are generated on every build (and ignored by git), so they follow the SDK's source.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeActions } from './analyze.mjs';
import { GROUPS, GROUPS_FILE, groupActions } from './groups.mjs';

/** Node endpoints by name, as @kestrel/api declares them. */
async function loadEndpoints() {
  const { endpoints } = await import('@kestrel/api');
  return endpoints;
}

/** `| \`CODE\` | HTTP | meaning |` rows of the API guide, by code. */
function nodeCodeMeanings(docsRoot) {
  const out = new Map();
  for (const line of readFileSync(join(docsRoot, 'guide/api.md'), 'utf8').split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
    for (const m of cells[1].matchAll(/`([A-Z_]+)`/g)) out.set(m[1], { http: cells[2], meaning: cells[3] });
  }
  return out;
}

/** The TSDoc line above each `SdkErrorCode` member. */
function sdkCodeMeanings(repoRoot) {
  const src = readFileSync(join(repoRoot, 'packages/sdk/src/errors.ts'), 'utf8');
  return new Map([...src.matchAll(/\/\*\*\s*((?:(?!\*\/)[\s\S])*?)\s*\*\/\s*\n\s*([A-Z_]+): '/g)].map((m) => [m[2], m[1].replace(/\s*\n\s*\*\s*/g, ' ')]));
}

/** Text for a markdown table cell or paragraph: no raw HTML, no stray pipes, links resolved. */
function prose(s, linkOf) {
  const parts = String(s ?? '').split(/(`[^`]*`)/);
  return parts
    .map((p, i) => {
      if (i % 2 === 1) return linkOf(p.slice(1, -1), p); // a code span naming an action becomes its link
      return p
        .replace(/</g, '&lt;')
        .replace(/\{\{/g, '&#123;&#123;')
        .replace(/\{@link ([^}\s]+)(?:\s+[^}]*)?\}/g, (_m, name) => linkOf(name));
    })
    .join('')
    .replace(/\n+/g, ' ');
}
const cell = (s) => s.replace(/\|/g, '\\|');
const code = (s) => `\`${cell(s)}\``;

/** The heading slug vitepress gives `### \`GET /v1/…\``. */
function slug(text) {
  return text
    .toLowerCase()
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export async function writeReference({ docsRoot, repoRoot }) {
  const outDir = join(docsRoot, 'reference');
  const actions = analyzeActions(repoRoot);
  const problems = actions.filter((a) => a.problem).map((a) => `SDK action ${a.name}: ${a.problem}`);
  const { groupOf, ungrouped, stale } = groupActions(actions.map((a) => a.name));
  for (const a of ungrouped) problems.push(`SDK action ${a} has no group in the reference: add it to one of the groups in ${GROUPS_FILE}`);
  for (const a of stale) problems.push(`${GROUPS_FILE} names ${a}, which the SDK has no action for: remove it`);
  if (problems.length > 0) return { problems, pages: [] };

  const endpoints = await loadEndpoints();
  const nodeMeaning = nodeCodeMeanings(docsRoot);
  const sdkMeaning = sdkCodeMeanings(repoRoot);
  const apiGuide = readFileSync(join(docsRoot, 'guide/api.md'), 'utf8');
  const pageOf = (name) => `/reference/${groupOf.get(name).id}/${name}`;
  const linkOf = (name, asWritten = `\`${name}\``) => (groupOf.has(name) ? `[\`${name}\`](${pageOf(name)})` : asWritten);

  rmSync(outDir, { recursive: true, force: true });
  const pages = [];
  for (const a of actions) {
    const group = groupOf.get(a.name);
    const lines = [`# ${a.name}`, '', `<p class="ref-group">SDK reference · ${group.title}</p>`, ''];
    if (a.summary) lines.push(prose(a.summary, linkOf), '');

    lines.push('## Usage', '');
    const call = a.takesParameters ? `client.${a.name}(parameters${a.parametersOptional ? '?' : ''})` : `client.${a.name}()`;
    lines.push(`\`${call}\`, or \`${a.name}(client${a.takesParameters ? ', parameters' : ''})\` imported from \`@kestrel/sdk\`.`, '');
    for (const ex of a.examples) lines.push(ex.startsWith('```') ? ex : `\`\`\`ts\n${ex}\n\`\`\``, '');

    lines.push('## Parameters', '');
    const params = a.parameters;
    if (!a.takesParameters || !params || params.properties.length === 0) lines.push('None.', '');
    else {
      if (params.text) lines.push('```ts', `type ${params.name} = ${params.text}`, '```', '');
      if (params.doc) lines.push(prose(params.doc, linkOf), '');
      lines.push('| name | type | | description |', '|---|---|---|---|');
      for (const p of params.properties) {
        const need = p.alternative ? 'one of' : p.optional ? 'optional' : 'required';
        lines.push(`| \`${p.name}\` | ${code(p.type)} | ${need} | ${cell(prose(p.doc, linkOf))} |`);
      }
      lines.push('');
      if (params.properties.some((p) => p.alternative))
        lines.push('Parameters marked *one of* belong to alternative shapes of the type above: give the fields of one.', '');
    }

    lines.push('## Returns', '');
    const ret = a.returns;
    if (!ret) lines.push('`Promise<void>`', '');
    else {
      lines.push(`\`Promise<${ret.name}>\``, '');
      if (ret.text) lines.push('```ts', `type ${ret.name} = ${ret.text}`, '```', '');
      if (ret.doc) lines.push(prose(ret.doc, linkOf), '');
      const props = ret.properties.filter(() => ret.text === null || !/\[\]$|^bigint$|^string$/.test(ret.text));
      if (props.length > 0 && props.length <= 30) {
        lines.push('| field | type | description |', '|---|---|---|');
        for (const p of props) lines.push(`| \`${p.name}\`${p.optional ? ' (optional)' : ''} | ${code(p.type)} | ${cell(prose(p.doc, linkOf))} |`);
        lines.push('');
      }
    }

    lines.push('## Errors', '');
    lines.push(
      'Every error is a `KestrelSdkError` (switch on `code`); an answer of the node is its subclass `KestrelApiError`, with the HTTP `status`. The codes below are found by following the action through the source.',
      '',
    );
    const local = [
      ...a.sdkCodes.map((c) => [c, 'SDK', sdkMeaning.get(c) ?? '']),
      ...a.localNodeCodes.map((c) => [c, 'SDK, before sending', nodeMeaning.get(c)?.meaning ?? '']),
    ];
    if (local.length > 0) {
      lines.push('Raised by the SDK itself:', '', '| code | meaning |', '|---|---|');
      for (const [c, , m] of local.sort(([x], [y]) => x.localeCompare(y))) lines.push(`| \`${c}\` | ${cell(prose(m, linkOf))} |`);
      lines.push('');
    }
    if (a.answeredNodeCodes.length > 0) {
      lines.push(
        `Answered by the node on ${a.endpoints.map((e) => code(`${endpoints[e].method} ${endpoints[e].path}`)).join(', ')} (a \`KestrelApiError\`; HTTP status and meaning in the [API guide](/guide/api#errors)). These are the codes on the node's path for the endpoint; admission is shared by orders, cancels and risk plans, so a write endpoint lists the codes of all three:`,
        '',
        a.answeredNodeCodes.map((c) => `\`${c}\``).join(', '),
        '',
      );
    }

    lines.push('## Behind it', '');
    const behind = [];
    for (const e of a.endpoints) {
      const ep = endpoints[e];
      if (!ep) continue;
      const heading = `### \`${ep.method} ${ep.path}\``;
      const where = apiGuide.includes(heading) ? ` ([API guide](/guide/api#${slug(`${ep.method} ${ep.path}`)}))` : '';
      behind.push(`- REST: \`${ep.method} ${ep.path}\`${where}`);
    }
    for (const c of a.contract) behind.push(`- ${c.kind === 'write' ? 'Transaction' : 'Chain read'}: \`${c.fn}\``);
    for (const ch of a.channels)
      behind.push(`- WebSocket: \`/v1/ws\`, channel \`${ch}\` ([API guide](/guide/api#websocket-v1-ws)), reconnected and resubscribed by the client`);
    if (a.loadsView)
      behind.push("- On the client's first use, `GET /v1/info` and `GET /v1/markets` (the deployment view, loaded once and shared by every action)");
    if (behind.length === 0) behind.push('- Nothing: computed by the client.');
    lines.push(...behind, '');

    const file = join(outDir, group.id, `${a.name}.md`);
    mkdirSync(join(outDir, group.id), { recursive: true });
    writeFileSync(file, `${lines.join('\n')}\n`);
    pages.push(`reference/${group.id}/${a.name}.md`);
  }

  const summaryOf = (name) => {
    const s = actions.find((x) => x.name === name)?.summary ?? '';
    const first = s.split(/(?<=\.)\s/)[0] ?? '';
    return cell(prose(first, linkOf));
  };
  const index = [
    '# SDK reference',
    '',
    'Every action of `@kestrel/sdk`, one page each: how to call it, what it takes and returns, the error codes it can end with, and the node endpoint or contract function behind it. Each is a method of the client `createKestrelClient` returns, and a plain function `(client, parameters)`.',
    '',
  ];
  for (const g of GROUPS) {
    index.push(`## ${g.title}`, '', g.about, '', '| action | |', '|---|---|');
    for (const name of g.actions) index.push(`| [\`${name}\`](${pageOf(name)}) | ${summaryOf(name)} |`);
    index.push('');
  }
  index.push('For every exported type and function, see the [types](/reference/types/).', '');
  writeFileSync(join(outDir, 'index.md'), `${index.join('\n')}\n`);
  pages.push('reference/index.md');

  const sidebar = GROUPS.map((g) => ({ text: g.title, collapsed: false, items: g.actions.map((name) => ({ text: name, link: pageOf(name) })) }));
  writeFileSync(join(outDir, 'sidebar.json'), `${JSON.stringify(sidebar, null, 1)}\n`);
  return { problems, pages, actions: actions.length };
}
