#!/usr/bin/env node
/** The `kestrel` command line. */
import '../util/polyfill.js';
import { ConfigError } from '../config.js';
import { deployUsage, devnetUsage, startUsage, statusUsage } from '../cli/usage.js';

const usage = `kestrel <command>

commands:
  start     run a node
  devnet    a local network: chain, contracts, test tokens, funded accounts and N nodes
  status    what a running node says of itself: ok or not, batches, the leader schedule
  deploy    put the contracts on an EVM chain (MegaETH or any RPC) from a config file
  version   print the version

${startUsage}

${statusUsage}

${deployUsage}

${devnetUsage}`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    // commands load their modules (libp2p, viem, LevelDB) only when they run
    case 'start':
      return (await import('../cli/start.js')).startCommand(rest);
    case 'devnet':
      return (await import('../cli/devnet.js')).devnetCommand(rest);
    case 'deploy':
      return (await import('../cli/deploy.js')).deployCommand(rest);
    case 'status':
      return (await import('../cli/status.js')).statusCommand(rest);
    case 'version':
    case '--version':
      process.stdout.write('kestrel 0.1.0\n');
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${usage}\n`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  const msg = err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? (err as Error).message : (err as Error).stack;
  process.stderr.write(`kestrel: ${msg}\n`);
  process.exit(1);
});
