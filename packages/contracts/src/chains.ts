/**
 * Chain profiles: the chains Kestrel is deployed on, from viem's chain definitions, with the
 * settings a deployment and its nodes start from there (guide/megaeth.md says why each). A profile
 * names its chain id, so a deployment tool can refuse an RPC that serves another chain.
 */
import type { Chain } from 'viem';
import { foundry, megaeth, megaethTestnet } from 'viem/chains';

export interface ChainProfile {
  /** the name a config file gives (`"chain": "megaeth-testnet"`) */
  name: string;
  /** viem's definition: id, native currency, public RPC URLs, explorers */
  chain: Chain;
  /** whether the chain builds blocks within milliseconds and answers `eth_sendRawTransactionSync` with the receipt */
  realtime: boolean;
  /** where a node starts (`kestrel start` settings) */
  node: {
    /** ms between batches */
    batchIntervalMs: number;
    /** ms before a settlement not mined is replaced at its nonce (chainTx.replaceAfterMs) */
    txReplaceAfterMs: number;
  };
  /** the leader schedule a deployment starts from (Config.epochSeconds, Config.takeoverSeconds) */
  schedule: { epochSeconds: number; takeoverSeconds: number };
}

/**
 * MegaETH settles a transaction in a mini-block within ~10 ms and seals an EVM block each second;
 * a batch every 100 ms keeps a trade's way to the chain under two blocks, a settlement unseen for
 * 5 s is far past anything a healthy sequencer waits, and a stalled leader is taken over after
 * 10 s. Hour-long epochs keep handovers rare.
 */
const MEGAETH_SETTINGS = {
  realtime: true,
  node: { batchIntervalMs: 100, txReplaceAfterMs: 5_000 },
  schedule: { epochSeconds: 3_600, takeoverSeconds: 10 },
} as const;

export const CHAIN_PROFILES: Readonly<Record<string, ChainProfile>> = Object.freeze({
  megaeth: { name: 'megaeth', chain: megaeth, ...MEGAETH_SETTINGS },
  'megaeth-testnet': { name: 'megaeth-testnet', chain: megaethTestnet, ...MEGAETH_SETTINGS },
  // a local anvil (kestrel devnet): a block per transaction unless told otherwise
  anvil: {
    name: 'anvil',
    chain: foundry,
    realtime: false,
    node: { batchIntervalMs: 250, txReplaceAfterMs: 20_000 },
    schedule: { epochSeconds: 3_600, takeoverSeconds: 30 },
  },
});

/** The profile a config names, or a clear error listing the names there are. */
export function chainProfile(name: string): ChainProfile {
  const p = CHAIN_PROFILES[name];
  if (!p) throw new Error(`unknown chain profile "${name}": one of ${Object.keys(CHAIN_PROFILES).join(', ')}`);
  return p;
}
