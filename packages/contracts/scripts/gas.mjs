#!/usr/bin/env node
// Measures settleBatch gas on a real anvil chain for 1, 10 and 50 fills, on a spot market and a
// perp market, in three shapes:
//   one-mm    one taker crossing N resting orders of a single market maker
//   n-makers  one taker crossing N orders of N different makers
//   pairs     N independent maker/taker pairs (2N orders)
//   mm-takers N takers, each crossing one of a single market maker's N orders
//   mm-active N takers who traded before (their nonce word exists), each crossing one of a single
//             market maker's N orders
// Every run uses fresh orders and fresh subaccounts that already hold both assets (as active
// traders do), so balance slots are cold but non-zero; perp positions are opened (new slots).
// Each subaccount's orders carry consecutive nonces from 1, as a market maker's do.
//
//   npm run gas -w @kestrel/contracts        (builds first)
//   node packages/contracts/scripts/gas.mjs  (after a build)
import { createPublicClient, createTestClient, createWalletClient, http, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { domainSeparator, makeSubaccount, orderHash, parseX18 } from '@kestrel/core';
import { deployKestrel, exchangeAbi, testTokenAbi } from '../dist/index.js';
import { startAnvil } from '@kestrel/devnet';

const SIZES = (process.env.GAS_FILLS ?? '1,10,50').split(',').map(Number);
const SHAPES = (process.env.GAS_SHAPES ?? 'one-mm,mm-active,mm-takers,n-makers,pairs').split(',');
const MARKETS = (process.env.GAS_MARKETS ?? 'spot,perp').split(',');
const MARKET_ID = { spot: 1, perp: 2 };
/** both markets trade ETH on the same steps, fees and feed */
const ETH_MARKET = {
  baseAssetId: 1,
  tickSize: parseX18('0.01'),
  lotSize: parseX18('0.001'),
  minSize: parseX18('0.001'),
  makerFee: parseX18('-0.0001'),
  takerFee: parseX18('0.0005'),
  feed: { mock: 'ETH / USD', maxStaleness: 3600, maxRoundLag: 5 },
};

const anvil = await startAnvil({ args: ['--gas-limit', '100000000', ...(process.env.GAS_TRACE ? ['--steps-tracing'] : [])] });
try {
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport });
  const admin = privateKeyToAccount(generatePrivateKey());
  const operator = privateKeyToAccount(generatePrivateKey());
  for (const a of [admin, operator]) await testClient.setBalance({ address: a.address, value: parseUnits('1000', 18) });
  const adminWallet = createWalletClient({ chain: foundry, transport, account: admin });
  const opWallet = createWalletClient({ chain: foundry, transport, account: operator });

  const d = await deployKestrel({
    walletClient: adminWallet,
    publicClient,
    operators: [operator.address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    assets: [
      { symbol: 'USDC', decimals: 6 },
      { symbol: 'WETH', decimals: 18 },
    ],
    markets: [
      { marketId: 1, symbol: 'WETH/USDC', ...ETH_MARKET },
      { marketId: 2, symbol: 'ETH-PERP', kind: 'PERP', riskGroup: 1, ...ETH_MARKET },
    ],
    mockFeeds: [{ name: 'ETH / USD', decimals: 8, answer: 2000_00000000n }],
    riskGroups: [{ groupId: 1, shockIM: parseX18('0.1'), basisIM: parseX18('0.02') }],
    pnlWeight: parseX18('0.5'),
  });
  const sep = domainSeparator({ name: 'Kestrel', version: '1', chainId: BigInt(foundry.id), verifyingContract: d.exchange });

  const wait = async (hash) => {
    const r = await publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`tx ${hash} reverted`);
    return r;
  };
  const write = async (wallet, address, abi, functionName, args) => wait(await wallet.writeContract({ address, abi, functionName, args }));
  const read = (functionName, args = []) => publicClient.readContract({ address: d.exchange, abi: exchangeAbi, functionName, args });

  // the admin funds every subaccount (anyone may deposit into any subaccount)
  for (const [symbol, amount] of [
    ['USDC', parseUnits('1000000000', 6)],
    ['WETH', parseUnits('1000000', 18)],
  ]) {
    await write(adminWallet, d.tokens[symbol], testTokenAbi, 'mint', [admin.address, amount]);
    await write(adminWallet, d.tokens[symbol], testTokenAbi, 'approve', [d.exchange, amount]);
  }
  const fund = async (subaccount) => {
    await write(adminWallet, d.exchange, exchangeAbi, 'deposit', [subaccount, 0, parseUnits('100000', 6)]);
    await write(adminWallet, d.exchange, exchangeAbi, 'deposit', [subaccount, 1, parseUnits('100', 18)]);
  };
  const batchHeader = async () => {
    const id = (await read('lastBatchId')) + 1n;
    const block = await publicClient.getBlock();
    return { batchId: id, timestamp: block.timestamp, requestCursor: await read('requestCount'), stateHash: `0x${id.toString(16).padStart(64, '0')}` };
  };
  const settle = async (orders, fills, prices = []) => {
    const batch = { ...(await batchHeader()), prices, funding: [], plans: [], orders, fills, absorbs: [], deleverages: [], marginCalls: [] };
    const hash = await opWallet.writeContract({ address: d.exchange, abi: exchangeAbi, functionName: 'settleBatch', args: [batch], gas: 90_000_000n });
    const receipt = await wait(hash);
    const tx = await publicClient.getTransaction({ hash });
    lastHash = hash;
    return { gas: receipt.gasUsed, calldata: calldataGas(tx.input) };
  };

  // 4 gas per zero byte, 16 per non-zero byte (the pre-EIP-7623 schedule, which applies when
  // execution dominates, as it does here)
  const calldataGas = (input) => {
    let g = 0n;
    for (let i = 2; i < input.length; i += 2) g += input.slice(i, i + 2) === '00' ? 4n : 16n;
    return g;
  };

  // each subaccount counts its own nonces from 1, as a client keeps a sequence per subaccount
  const nonces = new Map();
  let lastHash;
  let marketId = 1;
  const signed = async (account, subaccount, isBuy, price, amount) => {
    const nonce = (nonces.get(subaccount) ?? 0n) + 1n;
    nonces.set(subaccount, nonce);
    const order = { subaccount, marketId, isBuy, price, amount, nonce, expiry: 0n, flags: 0, clientId: nonce };
    return { order, signature: await account.sign({ hash: orderHash(sep, order) }) };
  };
  const trader = () => {
    const account = privateKeyToAccount(generatePrivateKey());
    return { account, sub: makeSubaccount(account.address, 'main') };
  };
  const lot = parseX18('0.1');
  const px = (i) => parseX18('2000') + BigInt(i) * parseX18('0.01');

  async function run(shape, n) {
    const taker = trader();
    const manyTakers = shape === 'pairs' || shape === 'mm-takers' || shape === 'mm-active';
    const makers = shape === 'one-mm' || shape === 'mm-takers' || shape === 'mm-active' ? [trader()] : Array.from({ length: n }, trader);
    const takers = manyTakers ? Array.from({ length: n }, trader) : [taker];
    for (const t of [...makers, ...takers]) await fund(t.sub);
    await settle([], []); // credit the deposits; not measured
    if (shape === 'mm-active') {
      // each taker trades once before (not measured): its balances and nonce word exist
      const warm = [];
      const warmFills = [];
      for (let i = 0; i < n; i++) {
        warm.push(await signed(makers[0].account, makers[0].sub, false, px(i), lot));
        warm.push(await signed(takers[i].account, takers[i].sub, true, px(i), lot));
        warmFills.push({ maker: 2 * i, taker: 2 * i + 1, amount: lot });
      }
      await settle(warm, warmFills);
    }

    const orders = [];
    const fills = [];
    if (manyTakers) {
      for (let i = 0; i < n; i++) {
        const m = makers[shape === 'pairs' ? i : 0];
        orders.push(await signed(m.account, m.sub, false, px(i), lot));
        orders.push(await signed(takers[i].account, takers[i].sub, true, px(i), lot));
        fills.push({ maker: 2 * i, taker: 2 * i + 1, amount: lot });
      }
    } else {
      orders.push(await signed(taker.account, taker.sub, true, px(n), lot * BigInt(n)));
      for (let i = 0; i < n; i++) {
        const m = makers[shape === 'one-mm' ? 0 : i];
        orders.push(await signed(m.account, m.sub, false, px(i), lot));
        fills.push({ maker: i + 1, taker: 0, amount: lot });
      }
    }
    return settle(orders, fills);
  }

  // both markets read the feed's first round (perp accounts need a price for their margin)
  await settle(
    [],
    [],
    [
      { marketId: 1, roundId: 1n },
      { marketId: 2, roundId: 1n },
    ],
  );
  // warm-up: the fee subaccount's first credit is a one-off new slot
  await run('pairs', 1);

  const rows = [];
  for (const market of MARKETS) {
    marketId = MARKET_ID[market];
    for (const shape of SHAPES) {
      for (const n of SIZES) {
        const { gas, calldata } = await run(shape, n);
        rows.push({ market, shape, fills: n, gas, calldata, perFill: gas / BigInt(n) });
      }
    }
  }

  if (process.env.GAS_TRACE) {
    // where the last batch's gas went, by opcode (memory expansion is part of each op's cost)
    const res = await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'debug_traceTransaction',
        params: [lastHash, { disableMemory: true, disableStack: true, disableStorage: true }],
      }),
    });
    const trace = (await res.json()).result;
    const byOp = new Map();
    for (const l of trace.structLogs) byOp.set(l.op, (byOp.get(l.op) ?? 0) + l.gasCost);
    const top = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 20);
    for (const [op, g] of top) console.log(`${op.padEnd(14)} ${String(g).padStart(10)}`);
  }
  const pad = (s, w) => String(s).padStart(w);
  console.log('settleBatch gas on anvil; totals include the 21k base and the calldata\n');
  console.log(
    `${'market'.padEnd(6)} ${'shape'.padEnd(10)} ${pad('fills', 5)} ${pad('total gas', 11)} ${pad('gas/fill', 9)} ${pad('marginal/fill', 14)} ${pad('calldata/fill', 14)}`,
  );
  for (const market of MARKETS)
    for (const shape of SHAPES) {
      const mine = rows.filter((r) => r.shape === shape && r.market === market);
      mine.forEach((r, i) => {
        const prev = mine[i - 1];
        const marginal = prev ? (r.gas - prev.gas) / BigInt(r.fills - prev.fills) : '';
        console.log(
          `${market.padEnd(6)} ${shape.padEnd(10)} ${pad(r.fills, 5)} ${pad(r.gas, 11)} ${pad(r.perFill, 9)} ${pad(marginal, 14)} ${pad(r.calldata / BigInt(r.fills), 14)}`,
        );
      });
    }
} finally {
  await anvil.stop();
}
