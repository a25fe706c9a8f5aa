/**
 * Where each SDK action sits in the reference's sidebar. Everything else on an action's page is
 * read from the SDK's source (analyze.mjs); this is the one thing a person decides. An action of
 * the SDK missing here fails the docs build and its check, naming the action and this file.
 */
export const GROUPS = [
  {
    id: 'read',
    title: 'Read',
    about: 'What a node knows: the deployment, markets, books, orders, accounts and its own health. No key needed.',
    actions: [
      'getInfo',
      'getMarkets',
      'getDomain',
      'getBook',
      'getOrder',
      'waitForOrder',
      'getAccount',
      'getHealth',
      'getTrades',
      'getFundingHistory',
      'getFills',
      'getOrderHistory',
    ],
  },
  {
    id: 'streams',
    title: 'Streams',
    about: 'Live updates over the node’s WebSocket: reconnected, resubscribed and resumed by the client, with nothing missed or repeated.',
    actions: ['subscribeBook', 'subscribeTrades', 'subscribeAccount', 'subscribeBatches'],
  },
  {
    id: 'trading',
    title: 'Trading',
    about: 'Build, sign and send orders and off-chain cancels: signed with the client’s account, sent to a node.',
    actions: ['buildOrder', 'signOrder', 'placeOrder', 'placeOrders', 'placeMarketOrder', 'cancelOrders', 'cancelByClientId', 'cancelAll'],
  },
  {
    id: 'chain',
    title: 'Chain',
    about: 'Transactions and reads on the Exchange contract itself: deposits, withdrawals, hard cancels, trading keys and the escape hatch.',
    actions: [
      'deposit',
      'requestWithdrawal',
      'getChainBalance',
      'cancelUpTo',
      'cancelOrdersOnChain',
      'setLinkedSigner',
      'freezeIfStalled',
      'exit',
      'reclaimDeposit',
      'claimPayout',
    ],
  },
  {
    id: 'risk',
    title: 'Risk',
    about: 'The risk model’s parameters, what-ifs, the account’s de-risking plan and the backstop.',
    actions: ['getRisk', 'simulate', 'setRiskPlan', 'liquidate'],
  },
  {
    id: 'devnet',
    title: 'Devnet',
    about: 'Helpers that only make sense on a local network.',
    actions: ['mintTestTokens'],
  },
];

export const GROUPS_FILE = 'apps/docs/scripts/reference/groups.mjs';

/** The group of every action, or the list of actions with none (and names grouped that the SDK lacks). */
export function groupActions(actionNames) {
  const groupOf = new Map(GROUPS.flatMap((g) => g.actions.map((a) => [a, g])));
  const known = new Set(actionNames);
  const ungrouped = actionNames.filter((a) => !groupOf.has(a));
  const stale = [...groupOf.keys()].filter((a) => !known.has(a));
  return { groupOf, ungrouped, stale };
}
