/**
 * `kestrel deploy --config deploy.json [--rpc-url URL] [--out deployment.json]`: puts the Exchange,
 * its timelock and the listings on any EVM chain from a config file (deploy-file.ts), sent from the
 * key in KESTREL_DEPLOYER_KEY, which becomes the timelock's proposer and executor. A profile the
 * file names (`"chain": "megaeth"`) must match the chain the RPC serves. Writes what a node's
 * config needs (the Exchange's address, the deployment block) to `--out`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPublicClient, createWalletClient, http, type Chain } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployKestrel } from '@kestrel/contracts';
import { isHex } from '@kestrel/core';
import { ConfigError } from '../config.js';
import { readDeployFile } from './deploy-file.js';
import { deployUsage } from './usage.js';

/** The chain id of a local development chain (anvil), the only one where test tokens may be made. */
const LOCAL_CHAIN_ID = 31337;

export async function deployCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'rpc-url': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${deployUsage}\n`);
    return;
  }
  if (!values.config) throw new ConfigError('--config FILE is required (the deployment: operators, assets, markets, schedule)');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(values.config, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${values.config}: ${(err as Error).message}`);
  }
  const plan = readDeployFile(json);
  const rpcUrl = values['rpc-url'] ?? plan.rpcUrl;
  if (!rpcUrl) throw new ConfigError('no RPC: give --rpc-url, rpcUrl in the file, or a chain profile');
  const key = process.env.KESTREL_DEPLOYER_KEY;
  if (!isHex(key, 32)) throw new ConfigError('KESTREL_DEPLOYER_KEY must hold the deployer’s private key (32-byte hex)');
  const account = privateKeyToAccount(key);
  const transport = http(rpcUrl, { retryCount: 2, timeout: 30_000 });
  const chainId = await createPublicClient({ transport }).getChainId();
  if (plan.profile && plan.profile.chain.id !== chainId) {
    throw new ConfigError(`the RPC serves chain ${chainId}, not ${plan.profile.name} (${plan.profile.chain.id})`);
  }
  const missing = plan.settings.assets.filter((a) => a.token === undefined).map((a) => a.symbol);
  if (missing.length > 0 && chainId !== LOCAL_CHAIN_ID) {
    throw new ConfigError(`assets without a token address (${missing.join(', ')}): test tokens with an open faucet are made on a local chain only`);
  }
  const chain: Chain = plan.profile?.chain ?? {
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const walletClient = createWalletClient({ chain, transport, account });
  process.stderr.write(`deploying to chain ${chainId} from ${account.address}…\n`);
  const d = await deployKestrel({ walletClient, publicClient, admin: account.address, ...plan.settings });
  const out = {
    chainId,
    rpcUrl,
    exchange: d.exchange,
    timelock: d.timelock,
    timelockDelay: String(d.timelockDelay),
    deployBlock: String(d.deployBlock),
    operators: d.operators,
    tokens: d.tokens,
    config: Object.fromEntries(Object.entries(d.config).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v])),
  };
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  process.stdout.write(text);
  process.stderr.write(
    `deployed: exchange ${d.exchange} at block ${d.deployBlock}. A node: kestrel start --rpc-url ${rpcUrl} --exchange ${d.exchange} --role sequencer (operator key in KESTREL_OPERATOR_KEY)\n`,
  );
}
