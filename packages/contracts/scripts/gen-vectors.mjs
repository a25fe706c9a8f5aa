#!/usr/bin/env node
// Writes packages/core/test/vectors/eip712.json: EIP-712 golden vectors for orders, computed by
// the built @kestrel/core. The Solidity tests replay them against Exchange.orderHash, so core and
// contract must hash every order identically.
//
//   node packages/contracts/scripts/gen-vectors.mjs        (build core first if dist/ is missing:
//                                                           npx tsc -p packages/core/tsconfig.build.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ORDER_TYPE_STRING,
  ORDER_TYPEHASH,
  bytesToHex,
  domainSeparator,
  makeSubaccount,
  orderHash,
  orderStructHash,
  RISK_PLAN_TYPE_STRING,
  RISK_PLAN_TYPEHASH,
  riskPlanDigest,
} from '@kestrel/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../core/test/vectors/eip712.json');

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const U32_MAX = 2 ** 32 - 1;

const devnet = { name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
const mainnetLike = { name: 'Kestrel', version: '1', chainId: 1n, verifyingContract: '0x00000000000000000000000000000000000Ba5E0' };
const bigChain = { name: 'Kestrel', version: '1', chainId: 42161n, verifyingContract: '0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF' };

const alice = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const bob = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

const cases = [
  {
    name: 'devnet buy, named subaccount, expiry and flags',
    domain: devnet,
    order: {
      subaccount: makeSubaccount(alice, 'main'),
      marketId: 1,
      isBuy: true,
      price: 1850_250000000000000000n,
      amount: 1_500000000000000000n,
      nonce: 7n,
      expiry: 1_900_000_000n,
      flags: 9,
      clientId: 42n,
    },
  },
  {
    name: 'devnet sell, default subaccount, no expiry',
    domain: devnet,
    order: {
      subaccount: makeSubaccount(bob),
      marketId: 2,
      isBuy: false,
      price: 65000_000000000000000000n,
      amount: 100000000000000n,
      nonce: 0n,
      expiry: 0n,
      flags: 0,
      clientId: 0n,
    },
  },
  {
    name: 'mainnet-like domain, post-only IOC bits, small values',
    domain: mainnetLike,
    order: {
      subaccount: makeSubaccount(alice, 'hedge-1'),
      marketId: 3,
      isBuy: false,
      price: 1n,
      amount: 1n,
      nonce: 1n,
      expiry: 1n,
      flags: 3 | (1 << 2) | (2 << 3),
      clientId: 1n,
    },
  },
  {
    name: 'every field at its maximum',
    domain: bigChain,
    order: {
      subaccount: `0x${'ff'.repeat(32)}`,
      marketId: U32_MAX,
      isBuy: true,
      price: U128_MAX,
      amount: U128_MAX,
      nonce: U64_MAX,
      expiry: U64_MAX,
      flags: U32_MAX,
      clientId: U64_MAX,
    },
  },
  {
    name: 'same order as the first under another chain id',
    domain: { ...devnet, chainId: 1n },
    order: {
      subaccount: makeSubaccount(alice, 'main'),
      marketId: 1,
      isBuy: true,
      price: 1850_250000000000000000n,
      amount: 1_500000000000000000n,
      nonce: 7n,
      expiry: 1_900_000_000n,
      flags: 9,
      clientId: 42n,
    },
  },
];

const vectors = cases.map(({ name, domain, order }) => {
  const sep = domainSeparator(domain);
  return {
    name,
    domain: { name: domain.name, version: domain.version, chainId: domain.chainId.toString(), verifyingContract: domain.verifyingContract },
    domainSeparator: sep,
    order: {
      subaccount: order.subaccount,
      marketId: order.marketId,
      isBuy: order.isBuy,
      price: order.price.toString(),
      amount: order.amount.toString(),
      nonce: order.nonce.toString(),
      expiry: order.expiry.toString(),
      flags: order.flags,
      clientId: order.clientId.toString(),
    },
    structHash: bytesToHex(orderStructHash(order)),
    digest: orderHash(sep, order),
  };
});

const plans = [
  {
    name: 'devnet, two markets',
    domain: devnet,
    plan: { subaccount: makeSubaccount(alice, 'main'), marketOrder: [3, 1], maxSlippageBps: 150, graceSeconds: 600, nonce: 1n },
  },
  {
    name: 'no market named (the default order)',
    domain: devnet,
    plan: { subaccount: makeSubaccount(bob), marketOrder: [], maxSlippageBps: 0, graceSeconds: 0, nonce: 0n },
  },
  {
    name: 'every field at its maximum',
    domain: bigChain,
    plan: {
      subaccount: `0x${'ff'.repeat(32)}`,
      marketOrder: Array.from({ length: 16 }, (_, i) => U32_MAX - i),
      maxSlippageBps: 65535,
      graceSeconds: U32_MAX,
      nonce: U64_MAX,
    },
  },
].map(({ name, domain, plan }) => ({
  name,
  domain: { name: domain.name, version: domain.version, chainId: domain.chainId.toString(), verifyingContract: domain.verifyingContract },
  plan: { ...plan, nonce: plan.nonce.toString() },
  digest: riskPlanDigest(domainSeparator(domain), plan),
}));

const doc = {
  description:
    'EIP-712 golden vectors for orders and risk plans (spec/orders.md). Integers above 2^53 are decimal strings. digest = keccak256(0x1901 ‖ domainSeparator ‖ structHash) is the order hash. Generated by packages/contracts/scripts/gen-vectors.mjs from @kestrel/core; replayed by the Solidity tests.',
  orderTypeString: ORDER_TYPE_STRING,
  orderTypehash: ORDER_TYPEHASH,
  vectors,
  riskPlanTypeString: RISK_PLAN_TYPE_STRING,
  riskPlanTypehash: RISK_PLAN_TYPEHASH,
  riskPlans: plans,
};

mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors to ${path.relative(process.cwd(), out)}`);
