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
  --catch-up-from HOW    snapshot | batches: how a node with an empty disk joins (default
                         snapshot: a peer's state checked against the chain)
                                                         (KESTREL_CATCH_UP_FROM)
  --name NAME            name in logs                    (KESTREL_NAME)
  --log-level LEVEL      info | warn | error | silent    (KESTREL_LOG_LEVEL)

  Limits (in the file: "engineLimits": {...} and "mempool": {...}; every node of a network
  must run the same engine limits):
  --max-open-orders-per-subaccount N   open orders of one subaccount (default 1000)
  --max-open-orders-per-owner N        open orders of one owner, all subaccounts (default 10000)
  --mempool-max-total N                pending inputs in all (default 20000)
  --mempool-max-per-subaccount N       pending inputs of one subaccount (default 1000)
  --mempool-max-per-owner N            pending inputs of one owner (default 4000)
  (KESTREL_MAX_OPEN_ORDERS_PER_SUBACCOUNT, …, KESTREL_MEMPOOL_MAX_PER_OWNER)

  The operator's transactions (in the file: "chainTx": {...}):
  --tx-replace-after-ms N              not mined this long: sent again at its nonce (default 20000)
  --tx-fee-bump-percent N              each replacement's fees over the last, % (default 25, at least 10)
  --tx-max-fee-bumps N                 replacements that raise the fees, at most (default 8)
  (KESTREL_TX_REPLACE_AFTER_MS, KESTREL_TX_FEE_BUMP_PERCENT, KESTREL_TX_MAX_FEE_BUMPS)`;

/** The limit flags `kestrel start` and `kestrel devnet` share, by the config field they set. */
export const LIMIT_FLAGS: Record<string, string> = {
  'max-open-orders-per-subaccount': 'maxOpenOrdersPerSubaccount',
  'max-open-orders-per-owner': 'maxOpenOrdersPerOwner',
  'mempool-max-total': 'mempoolMaxTotal',
  'mempool-max-per-subaccount': 'mempoolMaxPerSubaccount',
  'mempool-max-per-owner': 'mempoolMaxPerOwner',
  'tx-replace-after-ms': 'txReplaceAfterMs',
  'tx-fee-bump-percent': 'txFeeBumpPercent',
  'tx-max-fee-bumps': 'txMaxFeeBumps',
};

export const deployUsage = `kestrel deploy --config FILE [--rpc-url URL] [--out FILE]

  --config FILE    the deployment as JSON: chain profile (megaeth, megaeth-testnet, anvil) or
                   rpcUrl, operators (schedule order), feeSubaccount, timelockDelay, the leader
                   schedule (epochSeconds, takeoverSeconds), maxBatchAge, forceDelay,
                   claimWindow, assets, markets, riskGroups, deRisk, pnlWeight (decimals as
                   strings: "0.01")
  --rpc-url URL    the chain's RPC (over the file's, or the profile's public one)
  --out FILE       where to write the deployment (exchange, timelock, tokens, deploy block)

  The deployer's key comes from KESTREL_DEPLOYER_KEY, never from the file; it becomes the
  timelock's proposer and executor.`;

export const statusUsage = `kestrel status [--api URL]

  --api URL        the node's API (default http://127.0.0.1:9545)

  Prints what the node's /health says: ok, no-leader or diverged; its batches and how far
  behind the chain; the epoch, its leader and this node's turn. Exits 1 unless ok.`;

export const devnetUsage = `kestrel devnet [--nodes N] [--data-dir DIR] [--rpc-port N] [--api-port N] [--traders N] [--config FILE] [limits]

  --nodes N        nodes to run (default 2; the first sequences)
  --operators N    how many of them are operators, taking turns to sequence by the chain's
                   leader schedule (default 1)
  --data-dir DIR   wiped and re-created on every start (default .kestrel/devnet)
  --rpc-port N     anvil's port (default 8545; 0 = any free port)
  --api-port N     the first node's API port, the next count up (default 9545; 0 = any)
  --traders N      funded test accounts (default 4)
  --block-time-ms N  mine a block every N ms, as MegaETH's realtime chain does (default: a
                   block per transaction)
  --epoch-seconds N, --takeover-seconds N
                   the chain's leader schedule (defaults 3600 and 30)
  --config FILE    JSON node settings given to every node (as kestrel start's file, without
                   what the devnet sets itself: name, role, dataDir, rpcUrl, exchange,
                   operatorKey, ports, bootstrap, syncFrom)
  limits           the limit flags of kestrel start (--max-open-orders-per-owner N, …), for
                   every node; they win over the file`;
