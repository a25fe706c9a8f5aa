/**
 * The escape hatch end to end (spec/contracts.md), on a two-node devnet: two traders hold loans and
 * perp positions, then every node is stopped. The chain's clock moves past forceDelay; anyone
 * freezes the Exchange; every account leaves through the SDK with no node, and receives exactly
 * what the docs' rule says its account is worth at the freeze prices — computed here, on its own,
 * from the chain's state before the freeze — to the smallest unit of each token. Once every
 * trader has left, the vault holds exactly what the fee account and the insurance fund can still
 * claim; once they have, it holds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, erc20Abi, http, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, receiptOf } from '@kestrel/contracts';
import { fundingOwed, makeSubaccount, mulDivCeil, mulDivFloor, ONE, parseX18 } from '@kestrel/core';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { DEVNET_ASSETS } from '../../src/devnet/listing.js';
import { devnetClients } from '../chain-setup.js';
import { eventually, getJson, tempDir } from '../helpers.js';

const FORCE_DELAY = 600;
const CLAIM_WINDOW = 600;
const PERPS = [3, 4];
/** each asset's price market (the quote asset, 0, is worth 1) */
const PRICED_BY: Record<number, number> = { 1: 1, 2: 2 };

let devnet: Devnet;
let rpc: PublicClient;

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-e2e-escape-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 3,
    batchIntervalMs: 100,
    feedHeartbeatSeconds: 0,
    forceDelay: FORCE_DELAY,
    claimWindow: CLAIM_WINDOW,
  });
  rpc = createPublicClient({ transport: http(devnet.rpcUrl), pollingInterval: 50 });
});

afterAll(async () => {
  await devnet?.stop();
});

const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
const tokenOf = (assetId: number): Address => devnet.tokens[DEVNET_ASSETS[assetId]!.symbol]!;
const units = (assetId: number): bigint => 10n ** BigInt(18 - DEVNET_ASSETS[assetId]!.decimals);
const holdings = (owner: Address): Promise<bigint[]> =>
  Promise.all(DEVNET_ASSETS.map((_, a) => rpc.readContract({ address: tokenOf(a), abi: erc20Abi, functionName: 'balanceOf', args: [owner] })));
const advance = async (seconds: number): Promise<void> => {
  await rpc.request({ method: 'evm_increaseTime' as never, params: [seconds] as never });
  await rpc.request({ method: 'evm_mine' as never, params: [] as never });
};

/** The account as the chain holds it, read before the freeze changes nothing of it. */
interface Book {
  balances: bigint[];
  positions: Array<{ marketId: number; size: bigint; vQuote: bigint; lastCumFunding: bigint }>;
}

async function bookOf(subaccount: Hex): Promise<Book> {
  const balances = await Promise.all(DEVNET_ASSETS.map((_, a) => read<bigint>('balanceOf', [subaccount, a])));
  const positions = await Promise.all(
    PERPS.map(async (marketId) => ({
      marketId,
      ...(await read<{ size: bigint; vQuote: bigint; lastCumFunding: bigint }>('positionOf', [subaccount, marketId])),
    })),
  );
  return { balances, positions };
}

/**
 * The docs' rule (guide: the escape hatch), on its own: perps close at the freeze prices into the
 * quote balance, every holding is cut by (collateral − debt) / collateral, what is left is the
 * claim, in token units.
 */
function claimOf(book: Book, price: (marketId: number) => bigint, cumFunding: (marketId: number) => bigint): bigint[] {
  const b = [...book.balances];
  for (const p of book.positions)
    b[0]! += p.vQuote - fundingOwed(p.size, p.lastCumFunding, cumFunding(p.marketId)) + mulDivFloor(p.size, price(p.marketId), ONE);
  const px = (a: number): bigint => (a === 0 ? ONE : price(PRICED_BY[a]!));
  let collateral = 0n;
  let debt = 0n;
  b.forEach((v, a) => {
    if (v > 0n) collateral += (v * px(a)) / ONE;
    else if (v < 0n) debt += mulDivCeil(-v, px(a), ONE);
  });
  if (collateral <= debt) return b.map(() => 0n);
  return b.map((v, a) => (v > 0n ? (v * (collateral - debt)) / collateral / units(a) : 0n));
}

/** What each claim is paid (the docs' rule): in kind at held / claimed, the value short from the surplus. */
function payouts(claims: bigint[][], held: bigint[], price: (assetId: number) => bigint): bigint[][] {
  const n = held.length;
  const claimed = held.map((_, a) => claims.reduce((s, c) => s + c[a]!, 0n));
  const value = (a: number, u: bigint): bigint => (u * units(a) * price(a)) / ONE;
  const shortValue = held.map((h, a) => (claimed[a]! > h ? value(a, claimed[a]! - h) : 0n));
  const surplus = held.map((h, a) => (claimed[a]! <= h && price(a) !== 0n ? h - claimed[a]! : 0n));
  const sv = shortValue.reduce((s, v) => s + v, 0n);
  const uv = surplus.reduce((s, u, a) => s + value(a, u), 0n);
  const denominator = sv > uv ? sv : uv;
  return claims.map((c) => {
    const out = new Array<bigint>(n).fill(0n);
    let short = 0n;
    for (let a = 0; a < n; a++) {
      if (c[a] === 0n) continue;
      if (claimed[a]! <= held[a]!) out[a] = c[a]!;
      else {
        out[a] = (c[a]! * held[a]!) / claimed[a]!;
        short += (c[a]! * shortValue[a]!) / claimed[a]!;
      }
    }
    if (short > 0n) for (let a = 0; a < n; a++) if (surplus[a]! > 0n) out[a]! += (short * surplus[a]!) / denominator;
    return out;
  });
}

describe('the escape hatch', () => {
  it('every account leaves with exactly what the rule says, and the vault ends empty', async () => {
    const [ca, cb, cc] = devnetClients(devnet);
    const [ta, tb] = devnet.traders;
    const loan = makeSubaccount(privateKeyToAccount(ta!.privateKey).address, 'loan');
    const short = makeSubaccount(privateKeyToAccount(tb!.privateKey).address, 'short');

    // trader A buys 1 WETH with 1,000 USDC of her own (a USDC loan) and goes long 1 ETH-PERP;
    // trader B sells 0.5 WETH she does not hold (a WETH loan) and goes short 1 ETH-PERP
    await ca!.deposit({ symbol: 'USDC', amount: '1000', subaccountName: 'loan' });
    await cb!.deposit({ symbol: 'USDC', amount: '3000', subaccountName: 'short' });
    await eventually(
      () => read<bigint>('balanceOf', [short, 0]),
      (v) => v === parseX18('3000'),
      'the deposits credited',
    );
    const trade = async (taker: KestrelClient, name: string, symbol: string, side: 'buy' | 'sell', amount: string): Promise<void> => {
      await cc!.placeOrder({ symbol, side: side === 'buy' ? 'sell' : 'buy', price: '2000', amount, subaccountName: 'main' });
      const { orderHash } = await taker.placeOrder({ symbol, side, price: '2000', amount, timeInForce: 'IOC', subaccountName: name });
      await eventually(
        () => getJson<{ status: string; settlement: string }>(`${devnet.nodes[0]!.api}/v1/orders/${orderHash}`),
        (r) => r.body.status === 'filled' && r.body.settlement === 'settled',
        `${name} ${side} ${symbol}`,
      );
    };
    await trade(ca!, 'loan', 'WETH/USDC', 'buy', '1');
    await trade(ca!, 'loan', 'ETH-PERP', 'buy', '1');
    await trade(cb!, 'short', 'WETH/USDC', 'sell', '0.5');
    await trade(cb!, 'short', 'ETH-PERP', 'sell', '1');
    expect(await read<bigint>('balanceOf', [loan, 0])).toBeLessThan(0n);
    expect(await read<bigint>('balanceOf', [short, 1])).toBeLessThan(0n);

    // every node stops; ETH moves to 2,100; the chain's clock passes forceDelay
    for (let i = 0; i < devnet.nodes.length; i++) await devnet.stopNode(i);
    await devnet.publishPrice('ETH / USD', 2100_00000000n);
    const fee = await read<Hex>('feeSubaccount');
    const accounts: Array<{ subaccount: Hex; owner: Address }> = [
      ...devnet.traders.map((t) => ({ subaccount: t.subaccount, owner: t.address })),
      { subaccount: loan, owner: ta!.address },
      { subaccount: short, owner: tb!.address },
      { subaccount: fee, owner: `0x${fee.slice(2, 42)}` as Address },
    ];
    const books = await Promise.all(accounts.map((a) => bookOf(a.subaccount)));
    const cums = new Map(await Promise.all(PERPS.map(async (m) => [m, await read<bigint>('cumFunding', [m])] as const)));
    await advance(FORCE_DELAY + 1);

    // anyone freezes, through the SDK, with no node
    const chainOnly = (key: Hex): KestrelClient => {
      const account = privateKeyToAccount(key);
      return createKestrelClient({
        exchange: devnet.exchange,
        account,
        publicClient: rpc,
        walletClient: createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account }),
      });
    };
    const anyone = chainOnly(devnet.traders[2]!.privateKey);
    const { frozenAt } = await anyone.freezeIfStalled();
    expect(frozenAt).toBeGreaterThan(0n);
    const price = (marketId: number): bigint => prices.get(marketId)!;
    const prices = new Map(await Promise.all([1, 2, 3, 4].map(async (m) => [m, await read<bigint>('freezePrice', [m])] as const)));
    expect(price(3)).toBe(parseX18('2100'));

    // every account registers within the claim window (anyone may register anyone)
    const claims = books.map((b) => claimOf(b, price, (m) => cums.get(m)!));
    for (const [i, a] of accounts.entries()) {
      const r = await anyone.exit({ subaccount: a.subaccount });
      expect(r.state, `${a.subaccount} registered`).toBe('registered');
      expect(r.claim, `${a.subaccount}'s claim by the rule`).toEqual(claims[i]);
    }
    // the rule at work: trader A's loan is repaid from her collateral, B's perp loses 100
    expect(claims[3]![0]).toBe(0n);
    expect(claims[4]![1]).toBe(0n);

    const held = await holdings(devnet.exchange);
    const expected = payouts(claims, held, (a) => (a === 0 ? ONE : price(PRICED_BY[a]!)));
    await advance(CLAIM_WINDOW);
    const traders = accounts.slice(0, -1);
    for (const [i, a] of traders.entries()) {
      const before = await holdings(a.owner);
      const r = await chainOnly(devnet.traders[0]!.privateKey).exit({ subaccount: a.subaccount });
      expect(r.paid, `${a.subaccount} paid by the rule`).toEqual(expected[i]);
      const after = await holdings(a.owner);
      expect(
        after.map((v, k) => v - before[k]!),
        `${a.subaccount}'s tokens`,
      ).toEqual(expected[i]);
    }
    // what is left is exactly the fee account's claim and the insurance fund's residual
    const feePaid = expected[accounts.length - 1]!;
    const allPaid = held.map((_, k) => expected.reduce((s, p) => s + p[k]!, 0n));
    const residual = held.map((h, k) => h - allPaid[k]!);
    expect(await holdings(devnet.exchange)).toEqual(held.map((_, k) => feePaid[k]! + residual[k]!));
    const feeExit = await anyone.exit({ subaccount: fee });
    expect(feeExit.paid).toEqual(feePaid);
    await advance(CLAIM_WINDOW);
    const fundOwner = `0x${(await read<Hex>('insuranceSubaccount')).slice(2, 42)}` as Address;
    const fundBefore = await holdings(fundOwner);
    const wallet = createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.traders[1]!.privateKey) });
    const hash = await wallet.writeContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'takeResidual', args: [] });
    expect((await receiptOf(rpc, hash)).status).toBe('success');
    expect((await holdings(fundOwner)).map((v, k) => v - fundBefore[k]!)).toEqual(residual);
    expect(await holdings(devnet.exchange)).toEqual(held.map(() => 0n));
  }, 180_000);
});
