/**
 * `kestrel deploy` on a real chain (anvil) from a config file, as an operator would deploy on
 * MegaETH: the contracts, the listings, the operators in schedule order and the leader schedule
 * land as the file says, a node started against the deployment reads its schedule, and what
 * cannot be right is refused before anything is sent.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, getAddress, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, mockFeedAbi, mockFeedBytecode, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import { makeSubaccount } from '@kestrel/core';
import type { HealthResponse } from '@kestrel/api';
import { KESTREL_BIN, spawnNode, stopNode, type NodeProcess } from '../../src/devnet/process.js';
import { leaderAt } from '../../src/chain/schedule.js';
import { eventually, getJson, tempDir } from '../helpers.js';

/** anvil's first accounts: public devnet keys */
const DEPLOYER = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as Hex;
const OPERATOR = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as Hex;
const SECOND = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a' as Hex;

let anvil: AnvilInstance;
let feed: Address;
let node: NodeProcess | undefined;
const dir = tempDir('kestrel-deploy-');

const deploy = (config: unknown, env: Record<string, string | undefined> = { KESTREL_DEPLOYER_KEY: DEPLOYER }) => {
  const file = join(dir, `deploy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const out = join(dir, 'deployment.json');
  const r = spawnSync(process.execPath, [KESTREL_BIN, 'deploy', '--config', file, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, KESTREL_DEPLOYER_KEY: undefined, ...env },
    timeout: 120_000,
  });
  return { ...r, out };
};

const deployment = () => ({
  chain: 'anvil',
  rpcUrl: anvil.url,
  operators: [privateKeyToAccount(OPERATOR).address, privateKeyToAccount(SECOND).address],
  feeSubaccount: makeSubaccount(privateKeyToAccount(DEPLOYER).address, 'fees'),
  epochSeconds: 600,
  takeoverSeconds: 5,
  assets: [
    { symbol: 'USDC', decimals: 6 },
    { symbol: 'WETH', decimals: 18 },
  ],
  markets: [
    {
      marketId: 1,
      symbol: 'WETH/USDC',
      baseAssetId: 1,
      tickSize: '0.01',
      lotSize: '0.001',
      minSize: '0.001',
      makerFee: '-0.0001',
      takerFee: '0.0005',
      feed: { aggregator: feed, maxStaleness: 3600, maxRoundLag: 5 },
    },
  ],
});

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  const transport = http(anvil.url);
  const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(DEPLOYER) });
  const rpc = createPublicClient({ chain: foundry, transport });
  const hash = await wallet.deployContract({ abi: mockFeedAbi, bytecode: mockFeedBytecode, args: [8, 'ETH / USD'] });
  feed = (await receiptOf(rpc, hash)).contractAddress!;
});

afterAll(async () => {
  if (node) await stopNode(node);
  await anvil?.stop();
});

describe('kestrel deploy', () => {
  it('puts the exchange on the chain as the file says, and a node started against it follows its schedule', async () => {
    const r = deploy(deployment());
    expect(r.stderr).toMatch(/deployed: exchange 0x/);
    expect(r.status).toBe(0);
    const d = JSON.parse(readFileSync(r.out, 'utf8')) as { exchange: Address; chainId: number; deployBlock: string; tokens: Record<string, Address> };
    expect(d.chainId).toBe(31337);
    expect(Object.keys(d.tokens)).toEqual(['USDC', 'WETH']);

    const rpc = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const read = <T>(functionName: string, args: readonly unknown[] = []) =>
      rpc.readContract({ address: d.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
    expect(await read<readonly Address[]>('operators')).toEqual(deployment().operators.map((a) => getAddress(a)));
    expect((await read<readonly bigint[]>('schedule')).slice(0, 2)).toEqual([600n, 5n]);
    // the decimal strings of the file, as X18 on chain
    expect(await read<Record<string, unknown>>('getMarket', [1])).toMatchObject({
      symbol: 'WETH/USDC',
      active: true,
      tickSize: 10n ** 16n,
      lotSize: 10n ** 15n,
      makerFee: -(10n ** 14n),
      takerFee: 5n * 10n ** 14n,
    });

    const config = join(dir, 'node.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'deployed',
        role: 'sequencer',
        rpcUrl: anvil.url,
        exchange: d.exchange,
        operatorKey: OPERATOR,
        dataDir: join(dir, 'node'),
        apiPort: 0,
        p2pPort: 0,
        logLevel: 'warn',
      }),
    );
    node = await spawnNode('deployed', config, join(dir, 'node.log'));
    const h = await eventually(
      () => getJson<HealthResponse>(`${node!.api}/health`).then((x) => x.body),
      (x) => x.schedule !== null,
      'the node reading the schedule',
    );
    const schedule = {
      operators: deployment().operators.map((a) => a.toLowerCase() as Hex),
      epochSeconds: 600n,
      takeoverSeconds: 5n,
      lastSettledAt: 0n,
      actingLeader: '0x0000000000000000000000000000000000000000' as Hex,
      actingEpoch: 0n,
    };
    expect(h.schedule?.epochSeconds).toBe('600');
    expect(h.schedule?.leader).toBe(leaderAt(schedule, BigInt(h.schedule!.epoch) * 600n));
    expect(['leader', 'may-take-over', 'waiting']).toContain(h.schedule?.thisNode);
  });

  it('refuses what cannot be right before anything is sent', () => {
    const table: Array<[string, unknown, Record<string, string | undefined> | undefined, RegExp]> = [
      ['a profile of another chain', { ...deployment(), chain: 'megaeth' }, undefined, /the RPC serves chain 31337, not megaeth \(4326\)/],
      ['no deployer key', deployment(), {}, /KESTREL_DEPLOYER_KEY/],
      ['a key in the file', { ...deployment(), deployerKey: DEPLOYER }, undefined, /must not hold a key/],
      ['an unknown field', { ...deployment(), operatorz: [] }, undefined, /unknown key operatorz/],
      [
        'a fee as a number',
        { ...deployment(), markets: [{ ...deployment().markets[0], takerFee: 0.0005 }] },
        undefined,
        /markets\[0\]\.takerFee: expected a decimal string/,
      ],
      ['an operator twice', { ...deployment(), operators: [deployment().operators[0], deployment().operators[0]] }, undefined, /listed twice/],
      [
        'an unknown profile',
        { ...deployment(), chain: 'megaeth-devnet' },
        undefined,
        /unknown chain profile "megaeth-devnet": one of megaeth, megaeth-testnet, anvil/,
      ],
    ];
    for (const [name, config, env, message] of table) {
      const r = deploy(config, env);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
    }
  });
});
