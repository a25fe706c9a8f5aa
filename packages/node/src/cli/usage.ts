/** Usage texts, apart from the commands so that `kestrel --help` loads nothing heavy. */
export const startUsage = `kestrel start [--config FILE] [options]

  --config FILE          JSON config file (keys as below, camelCase)
  --role ROLE            sequencer | follower           (KESTREL_ROLE)
  --rpc-url URL          chain RPC                       (KESTREL_RPC_URL)
  --exchange ADDR        Exchange contract address       (KESTREL_EXCHANGE)
  --operator-key HEX     sequencer's operator key        (KESTREL_OPERATOR_KEY)
  --data-dir DIR         LevelDB and peer key            (KESTREL_DATA_DIR)
  --api-port N           HTTP API port (0 = any)         (KESTREL_API_PORT)
  --p2p-port N           libp2p TCP port (0 = any)       (KESTREL_P2P_PORT)
  --bootstrap MADDRS     comma-separated peer multiaddrs (KESTREL_BOOTSTRAP)
  --sync-from URLS       comma-separated peer API URLs   (KESTREL_SYNC_FROM)
  --name NAME            name in logs                    (KESTREL_NAME)
  --log-level LEVEL      info | warn | error | silent    (KESTREL_LOG_LEVEL)`;

export const devnetUsage = `kestrel devnet [--nodes N] [--data-dir DIR] [--rpc-port N] [--api-port N] [--traders N]

  --nodes N        nodes to run (default 2; the first sequences)
  --data-dir DIR   wiped and re-created on every start (default .kestrel/devnet)
  --rpc-port N     anvil's port (default 8545; 0 = any free port)
  --api-port N     the first node's API port, the next count up (default 9545; 0 = any)
  --traders N      funded test accounts (default 4)`;
