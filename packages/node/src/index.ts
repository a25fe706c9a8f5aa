/**
 * @packageDocumentation
 * `@kestrel/node` — the reference node: libp2p gossip, mempool, sequencer and follower, settlement
 * on the Exchange contract, LevelDB persistence and the HTTP API; plus the `kestrel` CLI.
 *
 * @example
 * ```ts
 * import { startDevnet } from '@kestrel/node';
 * const devnet = await startDevnet({ nodes: 2, dataDir: '.kestrel/devnet', rpcPort: 0, apiPort: 0, traders: 2 });
 * console.log(devnet.nodes.map((n) => n.api));
 * await devnet.stop();
 * ```
 */
import './util/polyfill.js';
export { KestrelNode, NODE_VERSION } from './node.js';
export { resolveConfig, ConfigError, DEFAULTS, type NodeConfig } from './config.js';
export { startDevnet, type Devnet, type DevnetOptions, type DevnetNode, type DevnetTrader } from './devnet/devnet.js';
export { DEVNET_ASSETS, DEVNET_MARKETS } from './devnet/listing.js';
