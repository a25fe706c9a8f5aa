/**
 * Package boundaries, checked by `npm test` (`npm run boundaries`): the core is
 * pure — it imports no other package of ours and no I/O; the API definition builds on the core
 * alone; the local chain (devnet) imports nothing of ours; the SDK and the contracts never import
 * the node or the local chain, and the node never imports the SDK (both speak the API package);
 * no source file takes part in an import cycle.
 */
const IO = '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|worker_threads|dgram|dns|tls|cluster|os|process|readline|repl|vm|inspector)$';

module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'the core is the protocol: contracts, SDK and node build on it, never the other way',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { path: '^(packages/(contracts|sdk|node|api)|node_modules/@kestrel)/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'the core is deterministic: no files, sockets, processes or clocks of the machine',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { dependencyTypes: ['core'], path: IO },
    },
    {
      name: 'api-builds-on-the-core-alone',
      severity: 'error',
      from: { path: '^packages/api/src' },
      to: { path: '^(packages/(contracts|sdk|node)|node_modules/@kestrel/(contracts|sdk|node))/' },
    },
    {
      name: 'devnet-imports-nothing-of-ours',
      comment: 'a local chain for development: every package may test on it, so it builds on none',
      severity: 'error',
      from: { path: '^packages/devnet/src' },
      to: { path: '^(packages/(core|api|contracts|sdk|node)|node_modules/@kestrel)/' },
    },
    {
      name: 'sdk-and-contracts-ship-no-chain',
      comment: 'the SDK and the contracts are what an app installs: a chain binary is a development tool',
      severity: 'error',
      from: { path: '^packages/(sdk|contracts)/src' },
      to: { path: '^(packages/devnet|node_modules/@kestrel/devnet|node_modules/@foundry-rs)/' },
    },
    {
      name: 'node-never-imports-the-sdk',
      comment: 'the node serves the API the SDK calls: both take its shapes from @kestrel/api',
      severity: 'error',
      from: { path: '^packages/node/src' },
      to: { path: '^(packages/sdk|node_modules/@kestrel/sdk)/' },
    },
    {
      name: 'sdk-never-imports-the-node',
      severity: 'error',
      from: { path: '^packages/sdk/src' },
      to: { path: '^(packages/node|node_modules/@kestrel/node)/' },
    },
    {
      name: 'contracts-never-import-the-node-or-sdk',
      severity: 'error',
      from: { path: '^packages/contracts/src' },
      to: { path: '^(packages/(node|sdk)|node_modules/@kestrel/(node|sdk))/' },
    },
    {
      name: 'no-cycles',
      comment: 'a module that imports itself through others cannot be understood (or tested) alone',
      severity: 'error',
      from: { path: '^packages/[a-z]+/src' },
      to: { circular: true },
    },
  ],
  options: {
    // a package is reached through its built entry (dist): the edge counts, its insides are not walked
    doNotFollow: { path: ['node_modules', '(^|/)(dist|generated)/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.js', '.mjs'] },
  },
};
