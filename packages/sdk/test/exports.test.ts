/** The public surface, guarded: adding or removing a runtime export is a deliberate change to this list. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.js';

describe('public exports', () => {
  it('are exactly these', () => {
    expect(Object.keys(sdk).sort()).toEqual([
      'DEFAULT_HISTORY_LIMIT',
      'DEFAULT_MARKET_SLIPPAGE_BPS',
      'DEFAULT_POLLING_INTERVAL_MS',
      'DEFAULT_RESTING_EXPIRY_SECONDS',
      'DEFAULT_STREAM_BACKOFF',
      'DEFAULT_SUBACCOUNT_NAME',
      'DEFAULT_TAKER_EXPIRY_SECONDS',
      'DEFAULT_TIMEOUT_MS',
      'DEFAULT_WAIT_TIMEOUT_MS',
      'ErrorCode',
      'KestrelApiError',
      'KestrelSdkError',
      'MAX_BODY_BYTES',
      'MAX_CANCEL_HASHES',
      'MAX_HISTORY_LIMIT',
      'MAX_MARKET_SLIPPAGE_BPS',
      'MAX_ORDERS_PER_REQUEST',
      'MAX_TAKER_LIFETIME',
      'NONCE_LANES',
      'SDK_VERSION',
      'SdkErrorCode',
      'assertTypedData',
      'buildOrder',
      'cancelAll',
      'cancelAllFromWire',
      'cancelAllToWire',
      'cancelByClientId',
      'cancelFromWire',
      'cancelOrders',
      'cancelOrdersOnChain',
      'cancelToWire',
      'cancelUpTo',
      'claimPayout',
      'createKestrelBaseClient',
      'createKestrelClient',
      'deposit',
      'domainOf',
      'endpointUrl',
      'endpoints',
      'exit',
      'formatUnitsExact',
      'formatX18',
      'freezeIfStalled',
      'getAccount',
      'getBook',
      'getChainBalance',
      'getDomain',
      'getFills',
      'getFundingHistory',
      'getHealth',
      'getInfo',
      'getMarkets',
      'getOrder',
      'getOrderHistory',
      'getRisk',
      'getTrades',
      'isKestrelError',
      'kestrelActions',
      'liquidate',
      'makeSubaccount',
      'marketOrderLimit',
      'mintTestTokens',
      'nonceAt',
      'orderFromWire',
      'orderToWire',
      'parseUnitsExact',
      'parseX18',
      'placeMarketOrder',
      'placeOrder',
      'placeOrders',
      'reclaimDeposit',
      'requestWithdrawal',
      'riskPlanFromWire',
      'riskPlanToWire',
      'setLinkedSigner',
      'setRiskPlan',
      'signOrder',
      'signatureFromWire',
      'simulate',
      'subscribeAccount',
      'subscribeBatches',
      'subscribeBook',
      'subscribeTrades',
      'waitForOrder',
      'whatIf',
    ]);
  });

  it('every bound action of the client is also a standalone action', () => {
    const client = sdk.createKestrelClient({ nodeUrl: 'http://127.0.0.1:9' });
    for (const name of Object.keys(sdk.kestrelActions(client))) {
      expect(typeof (sdk as Record<string, unknown>)[name], name).toBe('function');
      expect(typeof (client as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('SDK_VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(sdk.SDK_VERSION).toBe(pkg.version);
  });

  it('extend adds members and keeps the shared deployment cache', () => {
    const client = sdk.createKestrelClient({ nodeUrl: 'http://127.0.0.1:9' });
    const extended = client.extend((c) => ({ nodeHost: () => (c.nodeUrl === undefined ? null : new URL(c.nodeUrl).host) }));
    expect(extended.nodeHost()).toBe('127.0.0.1:9');
    expect(typeof extended.placeOrder).toBe('function');
    expect(extended.cache).toBe(client.cache);
  });

  it('a client without a node acts on the chain alone, and says so when asked for the node', async () => {
    const chainOnly = sdk.createKestrelClient({ exchange: '0x00000000000000000000000000000000000000e1' });
    expect(chainOnly.nodeUrl).toBeUndefined();
    const e = await chainOnly.getHealth().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(sdk.KestrelSdkError);
    expect((e as InstanceType<typeof sdk.KestrelSdkError>).code).toBe('NODE_URL_REQUIRED');
    // neither a node nor an exchange: nothing to act on
    expect(() => sdk.createKestrelClient({})).toThrow(/nodeUrl must be an http\(s\) URL/);
    expect(() => sdk.createKestrelClient({ nodeUrl: 'ftp://x' })).toThrow(/nodeUrl must be/);
  });
});
