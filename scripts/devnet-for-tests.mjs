/**
 * A devnet for the repository's checks that run documented code against a real network (the
 * README's quick start in check-packages.mjs, the guides' examples in the docs test): the built
 * node's startDevnet, one node on free ports, stopped whatever the check does.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');

export async function withDevnet(options, run) {
  const { startDevnet } = await import(pathToFileURL(join(root, 'packages', 'node', 'dist', 'index.js')).href);
  const devnet = await startDevnet({ nodes: 1, rpcPort: 0, apiPort: 0, batchIntervalMs: 100, ...options });
  try {
    return await run(devnet);
  } finally {
    await devnet.stop();
  }
}
