/** `kestrel devnet`: a local network for development; stays up until Ctrl-C. */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { devnetUsage, LIMIT_FLAGS } from './usage.js';
import { ConfigError, NESTED_LIMITS } from '../config.js';
import { startDevnet } from '../devnet/devnet.js';
import { DEVNET_FUNDING } from '../devnet/listing.js';

function int(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name}: expected an integer from ${min} to ${max}`);
  return n;
}

export async function devnetCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${devnetUsage}\n`);
    return;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      'data-dir': { type: 'string' },
      'rpc-port': { type: 'string' },
      'api-port': { type: 'string' },
      traders: { type: 'string' },
      config: { type: 'string' },
      'block-time-ms': { type: 'string' },
      operators: { type: 'string' },
      'epoch-seconds': { type: 'string' },
      'takeover-seconds': { type: 'string' },
      ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: 'string' as const }])),
    },
    strict: true,
  });
  const nodeSettings = settingsOf(values.config, values as Record<string, string | undefined>);
  const started = Date.now();
  const devnet = await startDevnet({
    nodes: int(values.nodes, 'nodes', 2, 1, 8),
    dataDir: values['data-dir'] ?? '.kestrel/devnet',
    rpcPort: int(values['rpc-port'], 'rpc-port', 8545, 0, 65535),
    apiPort: int(values['api-port'], 'api-port', 9545, 0, 65535),
    traders: int(values.traders, 'traders', 4, 1, 10),
    ...(values.operators !== undefined ? { operators: int(values.operators, 'operators', 1, 1, 8) } : {}),
    ...(values['block-time-ms'] !== undefined ? { blockTimeMs: int(values['block-time-ms'], 'block-time-ms', 0, 1, 60_000) } : {}),
    ...(values['epoch-seconds'] !== undefined ? { epochSeconds: int(values['epoch-seconds'], 'epoch-seconds', 0, 1, 86_400) } : {}),
    ...(values['takeover-seconds'] !== undefined ? { takeoverSeconds: int(values['takeover-seconds'], 'takeover-seconds', 0, 1, 86_399) } : {}),
    ...(nodeSettings ? { nodeSettings } : {}),
  });
  const funding = Object.entries(DEVNET_FUNDING)
    .map(([sym, f]) => `${f.deposit} ${sym}`)
    .join(', ');
  const lines = [
    '',
    `Kestrel devnet is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    '',
    `  chain      ${devnet.rpcUrl}   (chainId ${devnet.chainId}${values['block-time-ms'] ? `, a block every ${values['block-time-ms']} ms` : ', a block per transaction'})`,
    `  exchange   ${devnet.exchange}`,
    ...Object.entries(devnet.tokens).map(([sym, addr]) => `  ${sym.padEnd(10)} ${addr}   (test token: public mint(address,uint256))`),
    '',
    ...devnet.nodes.map((n) => `  ${n.name} (${n.role.padEnd(9)})  api ${n.api}   p2p ${n.p2p[0] ?? ''}`),
    '',
    '  Test accounts — DEVNET ONLY. These keys are public; never send them real funds.',
    `  Each has ${funding} deposited in its "main" subaccount.`,
    ...devnet.traders.flatMap((t) => [`    address ${t.address}  key ${t.privateKey}`, `            subaccount ${t.subaccount}`]),
    '',
    `  Node logs: ${devnet.nodes.map((n) => `${n.dataDir}/node.log`).join(', ')}`,
    '  Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    process.stdout.write('\nstopping the devnet…\n');
    devnet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // If a node dies, say so: a devnet with a dead node is not what the user thinks it is.
  for (const n of devnet.nodes) {
    void n.exited.then((code) => {
      if (!closing) process.stderr.write(`${n.name} exited (code ${code}); see ${n.dataDir}/node.log\n`);
    });
  }
}

/**
 * The settings every node gets: the `--config` file's, then the limit flags over them (nested as
 * the file nests them). Checked by startDevnet before anything starts.
 */
export function settingsOf(file: string | undefined, flags: Record<string, string | undefined>): Record<string, unknown> | undefined {
  let settings: Record<string, unknown> = {};
  if (file !== undefined) {
    try {
      settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new ConfigError(`${file}: expected a JSON object`);
  }
  let any = file !== undefined;
  for (const [flag, field] of Object.entries(LIMIT_FLAGS)) {
    const v = flags[flag];
    if (v === undefined) continue;
    const [obj, key] = NESTED_LIMITS[field]!;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`--${flag}: expected a positive integer`);
    settings[obj] = { ...(settings[obj] as Record<string, unknown> | undefined), [key]: n };
    any = true;
  }
  return any ? settings : undefined;
}
