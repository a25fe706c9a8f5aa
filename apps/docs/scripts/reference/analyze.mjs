/**
 * Reads the SDK's actions out of its source with the TypeScript compiler, so the reference pages
 * say what the code does: each action's TSDoc, its parameters and return type, the error codes
 * anything it calls can throw, the node endpoints it sends and the contract functions it calls.
 * The codes and calls are found by following every call from the action's body into the
 * repository's own sources (SDK, API, core); a call through an interface or into a dependency
 * ends the walk, so the lists hold what this repository's code raises.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ts = createRequire(import.meta.url)('typescript');

const PACKAGES = ['core', 'api', 'devnet', 'contracts', 'sdk', 'node'];
/**
 * The helpers that load the client's shared view of the deployment (`/v1/info`, `/v1/markets`)
 * once per client: an endpoint reached through them is that one-time load, not the action's call.
 */
const VIEW_LOADERS = new Set(['cachedInfo', 'cachedMarkets', 'resolveMarket']);

/** A program over the repository's sources: `@kestrel/*` resolves to each package's src, not its dist. */
export function sourceProgram(repoRoot, roots) {
  const base = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), ts.sys.readFile).config;
  const { options } = ts.convertCompilerOptionsFromJson({ ...base.compilerOptions, noEmit: true, types: ['node'] }, repoRoot);
  options.baseUrl = repoRoot;
  options.paths = Object.fromEntries(PACKAGES.map((p) => [`@kestrel/${p}`, [`packages/${p}/src/index.ts`]]));
  return ts.createProgram(roots, options);
}

const text = (parts) => ts.displayPartsToString(parts ?? []).trim();
/** `{@link x}` as TypeScript hands it back: kept as a marker the renderer turns into a link. */
function docText(parts) {
  let out = '';
  for (const p of parts ?? []) {
    if (p.kind === 'link') continue;
    if (p.kind === 'linkName' || p.kind === 'linkText') out += `{@link ${p.text}}`;
    else out += p.text;
  }
  return out.replace(/\{@link ([^}]+)\}\}/g, '{@link $1}').trim();
}

function declarationOf(checker, node) {
  let symbol = checker.getSymbolAtLocation(node);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol.valueDeclaration ?? symbol.declarations?.[0];
}

function isOwnSource(repoRoot, file) {
  return !file.isDeclarationFile && resolve(file.fileName).startsWith(join(repoRoot, 'packages')) && file.fileName.includes('/src/');
}

/**
 * Walks `start` and every function of the repository it calls, transitively. Returns the error
 * codes referenced (`ErrorCode.X`, `SdkErrorCode.X`), the endpoints passed to `request(…)` (apart
 * from the deployment view's), whether the view is loaded, and the contract functions named in
 * `{ abi, functionName }` calls.
 */
export function walkCalls(program, repoRoot, start) {
  const checker = program.getTypeChecker();
  const seen = new Set();
  const codes = { sdk: new Set(), node: new Set() };
  const endpoints = new Set();
  const contract = new Map(); // 'Exchange.deposit' → 'write' | 'read'
  const channels = new Set(); // WebSocket channels subscribed to
  let loadsView = false;
  const implementationsOf = (signature) => {
    const iface = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(signature.parent.name));
    const name = signature.name.getText();
    return ownClasses(program, repoRoot)
      .filter((c) => c.name && checker.isTypeAssignableTo(checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(c.name)), iface))
      .flatMap((c) => c.members.filter((m) => ts.isMethodDeclaration(m) && m.name.getText() === name));
  };

  const visitFunction = (fn, inView) => {
    if (!fn || seen.has(fn) || !isOwnSource(repoRoot, fn.getSourceFile())) return;
    seen.add(fn);
    const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
    const view = inView || (name !== undefined && VIEW_LOADERS.has(name));
    if (view) loadsView = true;
    const body = fn.body ?? fn.initializer;
    if (body) visit(body, view);
  };
  const visit = (node, inView) => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const owner = node.expression.text;
      if (owner === 'SdkErrorCode') codes.sdk.add(node.name.text);
      else if (owner === 'ErrorCode') codes.node.add(node.name.text);
    }
    if (ts.isObjectLiteralExpression(node)) {
      const prop = (key) => node.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === key)?.initializer;
      const op = prop('op');
      const channel = prop('channel');
      if (op && ts.isStringLiteral(op) && op.text === 'subscribe' && channel && ts.isStringLiteral(channel)) channels.add(channel.text);
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const calleeName = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      if (calleeName === 'request' && node.arguments[1] && ts.isStringLiteral(node.arguments[1]) && !inView) endpoints.add(node.arguments[1].text);
      if (calleeName === 'sendContract' || calleeName === 'readContract' || calleeName === 'simulateContract') {
        const call = node.arguments.find((a) => ts.isObjectLiteralExpression(a));
        const prop = (key) => call?.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === key)?.initializer;
        const fnName = prop('functionName');
        const abi = prop('abi')?.getText();
        if (fnName && ts.isStringLiteral(fnName) && abi) {
          const contractName = abi === 'exchangeAbi' ? 'Exchange' : abi === 'erc20Abi' ? 'ERC-20' : abi.replace(/Abi$/, '');
          const key = `${contractName}.${fnName.text}`;
          if (calleeName === 'sendContract' || contract.get(key) !== 'write') contract.set(key, calleeName === 'sendContract' ? 'write' : 'read');
        }
      }
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const target = node.expression;
      const decl = declarationOf(checker, ts.isPropertyAccessExpression(target) ? target.name : target);
      if (decl && (ts.isFunctionLike(decl) || (ts.isVariableDeclaration(decl) && decl.initializer && ts.isFunctionLike(decl.initializer)))) {
        visitFunction(ts.isVariableDeclaration(decl) ? decl.initializer : decl, inView);
      }
      if (decl && ts.isClassDeclaration(decl)) for (const m of decl.members) if (ts.isConstructorDeclaration(m)) visitFunction(m, inView);
      // a call through an interface of ours (the API's `node.submit`) runs the classes that implement it
      if (decl && ts.isMethodSignature(decl) && ts.isInterfaceDeclaration(decl.parent)) for (const m of implementationsOf(decl)) visitFunction(m, inView);
    }
    ts.forEachChild(node, (child) => visit(child, inView));
  };
  visitFunction(start, false);
  return { codes, endpoints, contract, channels, loadsView };
}

const classCache = new WeakMap();
function ownClasses(program, repoRoot) {
  if (!classCache.has(program)) {
    const out = [];
    for (const sf of program.getSourceFiles()) if (isOwnSource(repoRoot, sf)) ts.forEachChild(sf, (n) => ts.isClassDeclaration(n) && out.push(n));
    classCache.set(program, out);
  }
  return classCache.get(program);
}

/** Properties of an object type, each with its declared type text and TSDoc; unions list every member's. */
function propertiesOf(checker, type) {
  const members = type.isUnion() ? type.types : [type];
  const rows = new Map();
  for (const member of members) {
    for (const prop of checker.getPropertiesOfType(member)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const declared = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) && decl.type ? decl.type.getText() : undefined;
      const typeText = (declared ?? checker.typeToString(checker.getTypeOfSymbol(prop))).replace(/\s*\|\s*undefined$/, '').replace(/\s+/g, ' ');
      if (typeText === 'undefined') continue; // `symbol?: undefined`: the member excludes it
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const row = rows.get(prop.getName()) ?? {
        name: prop.getName(),
        type: typeText,
        doc: docText(prop.getDocumentationComment(checker)),
        in: 0,
        optional: false,
      };
      row.in++;
      row.optional ||= optional;
      if (!row.doc) row.doc = docText(prop.getDocumentationComment(checker));
      rows.set(prop.getName(), row);
    }
  }
  return [...rows.values()].map((r) => ({ ...r, alternative: members.length > 1 && r.in < members.length }));
}

/** The actions `createKestrelClient` binds (the `KestrelActions` interface), and any action file beside them. */
function discoverActions(program, repoRoot) {
  const checker = program.getTypeChecker();
  const decorators = program.getSourceFile(join(repoRoot, 'packages/sdk/src/decorators.ts'));
  const names = new Set();
  ts.forEachChild(decorators, (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'KestrelActions') for (const m of node.members) if (m.name) names.add(m.name.getText());
  });
  const actionsDir = join(repoRoot, 'packages/sdk/src/actions');
  for (const f of readdirSync(actionsDir)) if (f.endsWith('.ts') && !f.endsWith('.test.ts')) names.add(f.replace(/\.ts$/, ''));
  return [...names].sort().map((name) => {
    const file = program.getSourceFile(join(actionsDir, `${name}.ts`));
    if (!file) return { name, problem: `packages/sdk/src/actions/${name}.ts not found` };
    const fileSymbol = checker.getSymbolAtLocation(file);
    const exports = new Map(checker.getExportsOfModule(fileSymbol).map((s) => [s.getName(), s]));
    const fnSymbol = exports.get(name);
    const fn = fnSymbol?.valueDeclaration;
    if (!fn || !ts.isFunctionDeclaration(fn)) return { name, problem: `packages/sdk/src/actions/${name}.ts exports no function ${name}` };
    return { name, file, fn, fnSymbol, exports };
  });
}

/** Everything the reference pages show about each action. */
export function analyzeActions(repoRoot) {
  const program = sourceProgram(repoRoot, [join(repoRoot, 'packages/sdk/src/index.ts'), join(repoRoot, 'packages/node/src/index.ts')]);
  const checker = program.getTypeChecker();
  const nodeCodes = nodeEndpointCodes(program, repoRoot);
  const cap = (s) => s[0].toUpperCase() + s.slice(1);
  return discoverActions(program, repoRoot).map((a) => {
    if (a.problem) return a;
    const tags = a.fnSymbol.getJsDocTags(checker);
    const examples = tags.filter((t) => t.name === 'example').map((t) => text(t.text));
    const typeDoc = (suffix) => {
      const sym = a.exports.get(`${cap(a.name)}${suffix}`);
      if (!sym) return null;
      const type = checker.getDeclaredTypeOfSymbol(sym);
      const props = propertiesOf(checker, type);
      return {
        name: sym.getName(),
        doc: docText(sym.getDocumentationComment(checker)),
        text: sym.declarations?.[0]?.type?.getText() ?? null,
        properties: props,
      };
    };
    const params = a.fn.parameters.slice(1);
    const walk = walkCalls(program, repoRoot, a.fn);
    const node = new Set();
    for (const e of walk.endpoints) for (const c of nodeCodes.get(e) ?? []) node.add(c);
    return {
      name: a.name,
      summary: docText(a.fnSymbol.getDocumentationComment(checker)),
      examples,
      takesParameters: params.length > 0,
      parametersOptional: params.some((p) => p.questionToken || p.initializer),
      parameters: typeDoc('Parameters'),
      returns: typeDoc('ReturnType'),
      sdkCodes: [...walk.codes.sdk].sort(),
      localNodeCodes: [...walk.codes.node].sort(),
      answeredNodeCodes: [...node].sort(),
      endpoints: [...walk.endpoints],
      loadsView: walk.loadsView,
      contract: [...walk.contract].map(([fn, kind]) => ({ fn, kind })),
      channels: [...walk.channels],
    };
  });
}

/**
 * The codes the node can answer on each endpoint: those its route handler (and what it calls)
 * references, with those of the router every request passes (packages/node/src/api/http.ts).
 */
function nodeEndpointCodes(program, repoRoot) {
  const routes = program.getSourceFile(join(repoRoot, 'packages/node/src/api/routes.ts'));
  const http = program.getSourceFile(join(repoRoot, 'packages/node/src/api/http.ts'));
  const common = new Set();
  const collect = (sf, into) => {
    const visit = (n) => {
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'ErrorCode') into.add(n.name.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  };
  if (http) collect(http, common);
  const out = new Map();
  const visit = (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'route') {
      const [ep, handler] = n.arguments;
      if (ep && ts.isPropertyAccessExpression(ep) && ep.expression.getText() === 'endpoints' && handler) {
        const fn = ts.isFunctionLike(handler) ? handler : undefined;
        const codes = new Set(common);
        if (fn) {
          const w = walkCalls(program, repoRoot, fn);
          for (const c of w.codes.node) codes.add(c);
        }
        out.set(ep.name.text, codes);
      }
    }
    ts.forEachChild(n, visit);
  };
  if (routes) visit(routes);
  return out;
}
