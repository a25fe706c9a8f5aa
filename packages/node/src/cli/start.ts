/** `kestrel start`: run one node from a config file, environment and flags. */
import { parseArgs } from 'node:util';
import { LIMIT_FLAGS, startUsage } from './usage.js';
import { resolveConfig } from '../config.js';
import { KestrelNode } from '../node.js';
import { watchHeapGrowing } from '../util/heap-tuning.js';

const FLAG_TO_FIELD: Record<string, string> = {
  role: 'role',
  'rpc-url': 'rpcUrl',
  exchange: 'exchange',
  'operator-key': 'operatorKey',
  'data-dir': 'dataDir',
  'api-port': 'apiPort',
  'p2p-port': 'p2pPort',
  bootstrap: 'bootstrap',
  'sync-from': 'syncFrom',
  'catch-up-from': 'catchUpFrom',
  name: 'name',
  'log-level': 'logLevel',
  ...LIMIT_FLAGS,
};

export async function startCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${startUsage}\n`);
    return;
  }
  const options = Object.fromEntries([...Object.keys(FLAG_TO_FIELD), 'config'].map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, strict: true });
  const flags: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) if (values[flag] !== undefined) flags[field] = values[flag];
  const config = resolveConfig({ ...(values.config ? { file: String(values.config) } : {}), env: process.env, flags });
  watchHeapGrowing(config.heapGrowingPercent, config.heapGrowingAboveMib);
  const node = await KestrelNode.start(config);
  // One machine-readable line on stdout tells a supervisor (the devnet, tests) where the node is.
  process.stdout.write(
    `${JSON.stringify({ ready: true, name: config.name, api: node.apiUrl(), p2p: node.network.addresses(), peerId: node.network.peerId })}\n`,
  );
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    node.log.info('shutting down');
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
