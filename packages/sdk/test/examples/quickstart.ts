// The example of src/index.ts, type-checked. test/examples.test.ts keeps the two identical.
import { createKestrelClient } from '../../src/index.js';
import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

// the first test account `kestrel devnet` prints (a publicly known key: devnet only)
const account = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
const transport = http('http://127.0.0.1:8545');
const client = createKestrelClient({
  nodeUrl: 'http://127.0.0.1:9545',
  // the Exchange `kestrel devnet` prints: yours to know, never taken from the node
  exchange: '0xb7f8bc63bbcad18155201308c8f3540b07f84f5e',
  account,
  publicClient: createPublicClient({ chain: foundry, transport }),
  walletClient: createWalletClient({ chain: foundry, transport, account }),
});

await client.mintTestTokens({ symbol: 'USDC', amount: '10000' });
await client.deposit({ symbol: 'USDC', amount: '10000' });

const { orderHash } = await client.placeOrder({
  symbol: 'WETH/USDC',
  side: 'buy',
  price: '1850.25',
  amount: '1.5',
  timeInForce: 'POST_ONLY',
});
const book = await client.getBook({ symbol: 'WETH/USDC', depth: 5 });
console.log(book.bids[0]); // ['1850.25', '1.5']
await client.cancelOrders({ orderHashes: [orderHash] });
