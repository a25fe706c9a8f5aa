/**
 * The fragments of the Exchange and TestToken ABIs the SDK calls, written from
 * `packages/contracts/contracts/interfaces/IExchange.sol` until `@kestrel/contracts` exports its
 * generated ABIs.
 */
export const exchangeAbi = [
  {
    type: 'function',
    name: 'deposit',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'subaccount', type: 'bytes32' },
      { name: 'assetId', type: 'uint32' },
      { name: 'tokenAmount', type: 'uint256' },
    ],
    outputs: [{ name: 'requestId', type: 'uint64' }],
  },
  {
    type: 'function',
    name: 'requestWithdrawal',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'subaccount', type: 'bytes32' },
      { name: 'assetId', type: 'uint32' },
      { name: 'tokenAmount', type: 'uint256' },
    ],
    outputs: [{ name: 'requestId', type: 'uint64' }],
  },
  {
    type: 'function',
    name: 'cancelUpTo',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'subaccount', type: 'bytes32' },
      { name: 'newMinNonce', type: 'uint64' },
    ],
    outputs: [{ name: 'requestId', type: 'uint64' }],
  },
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [
      { name: 'subaccount', type: 'bytes32' },
      { name: 'assetId', type: 'uint32' },
    ],
    outputs: [{ name: '', type: 'int256' }],
  },
  { type: 'function', name: 'assetCount', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'uint32' }] },
  {
    type: 'function',
    name: 'getAsset',
    stateMutability: 'view',
    inputs: [{ name: 'assetId', type: 'uint32' }],
    outputs: [
      {
        name: '',
        type: 'tuple',
        components: [
          { name: 'token', type: 'address' },
          { name: 'decimals', type: 'uint8' },
          { name: 'symbol', type: 'string' },
        ],
      },
    ],
  },
  {
    type: 'event',
    name: 'RequestQueued',
    inputs: [
      { name: 'requestId', type: 'uint64', indexed: true },
      { name: 'kind', type: 'uint8', indexed: false },
      { name: 'subaccount', type: 'bytes32', indexed: true },
      { name: 'assetId', type: 'uint32', indexed: false },
      { name: 'amount', type: 'uint128', indexed: false },
    ],
  },
  { type: 'error', name: 'NotOwner', inputs: [] },
  { type: 'error', name: 'UnknownAsset', inputs: [] },
  { type: 'error', name: 'InvalidAmount', inputs: [] },
  { type: 'error', name: 'InvalidParams', inputs: [] },
] as const;

export const testTokenAbi = [
  {
    type: 'function',
    name: 'mint',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address' },
      { name: 'amount', type: 'uint256' },
    ],
    outputs: [],
  },
] as const;
