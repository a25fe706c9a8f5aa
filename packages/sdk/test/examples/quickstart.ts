// The example of src/index.ts, type-checked. test/examples.test.ts keeps the two identical.
import { createKestrelClient } from '../../src/index.js';
import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { anvil } from 'viem/chains';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const transport = http('http://127.0.0.1:8545');
const client = createKestrelClient({
  nodeUrl: 'http://127.0.0.1:7001',
  account,
  publicClient: createPublicClient({ chain: anvil, transport }),
  walletClient: createWalletClient({ chain: anvil, transport, account }),
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
