/**
 * Stable error and rejection codes. They are public API: clients switch on them, so a code is
 * never renamed or reused for another meaning.
 */
export const ErrorCode = {
  MALFORMED: 'MALFORMED',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  UNKNOWN_MARKET: 'UNKNOWN_MARKET',
  UNKNOWN_ASSET: 'UNKNOWN_ASSET',
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  OFF_TICK: 'OFF_TICK',
  OFF_LOT: 'OFF_LOT',
  BELOW_MIN_SIZE: 'BELOW_MIN_SIZE',
  SIZE_TOO_LARGE: 'SIZE_TOO_LARGE',
  PRICE_OUT_OF_RANGE: 'PRICE_OUT_OF_RANGE',
  INVALID_FLAGS: 'INVALID_FLAGS',
  UNSUPPORTED_ORDER_TYPE: 'UNSUPPORTED_ORDER_TYPE',
  EXPIRED: 'EXPIRED',
  NONCE_USED: 'NONCE_USED',
  DUPLICATE_ORDER: 'DUPLICATE_ORDER',
  POST_ONLY_WOULD_CROSS: 'POST_ONLY_WOULD_CROSS',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  INSUFFICIENT_MARGIN: 'INSUFFICIENT_MARGIN',
  /** a withdrawal larger than the asset's pool holds in cash (supplied minus borrowed) */
  INSUFFICIENT_LIQUIDITY: 'INSUFFICIENT_LIQUIDITY',
  /** the market's price is older than its feed's maxStaleness, and the trade would add risk */
  STALE_PRICE: 'STALE_PRICE',
  NOT_ORDER_OWNER: 'NOT_ORDER_OWNER',
  ORDER_NOT_OPEN: 'ORDER_NOT_OPEN',
  TOO_MANY_OPEN_ORDERS: 'TOO_MANY_OPEN_ORDERS',
  MEMPOOL_FULL: 'MEMPOOL_FULL',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  /** the chain would not settle the order (the node left it out of the batch) */
  SETTLEMENT_REFUSED: 'SETTLEMENT_REFUSED',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL: 'INTERNAL',
  /** a reduce-only order that would open or grow a position (perps) */
  REDUCE_ONLY_WOULD_INCREASE: 'REDUCE_ONLY_WOULD_INCREASE',
  /** a signed cancel already submitted: a cancel acts once */
  DUPLICATE_CANCEL: 'DUPLICATE_CANCEL',
  /** a signed cancel whose timestamp is too far from the node's clock */
  STALE_CANCEL: 'STALE_CANCEL',
  /** a risk plan that names an unknown or repeated market, too many markets, or a slippage out of range */
  INVALID_PLAN: 'INVALID_PLAN',
  /** a de-risking step for an account that is not in margin call */
  NOT_IN_MARGIN_CALL: 'NOT_IN_MARGIN_CALL',
  /** a de-risking step before the account's grace window has ended */
  GRACE_WINDOW: 'GRACE_WINDOW',
  /** a liquidation of an account above the backstop tier */
  NOT_LIQUIDATABLE: 'NOT_LIQUIDATABLE',
  /** a liquidation, de-risking or deleveraging step where the account has nothing to reduce */
  NOTHING_TO_REDUCE: 'NOTHING_TO_REDUCE',
  /** a liquidator taking over its own owner's account */
  SELF_LIQUIDATION: 'SELF_LIQUIDATION',
  /** absorbing an account that is not bankrupt, or still holds positions or collateral */
  NOT_BANKRUPT: 'NOT_BANKRUPT',
  /** auto-deleveraging while the insurance fund can still cover the deficit */
  INSURANCE_AVAILABLE: 'INSURANCE_AVAILABLE',
  /**
   * an IOC or FOK order without an expiry, or expiring more than {@link MAX_TAKER_LIFETIME} seconds
   * after the batch that would trade it (the chain refuses it: it would stay tradable too long)
   */
  TAKER_EXPIRY: 'TAKER_EXPIRY',
  /** an order of the insurance fund's subaccount, which never trades */
  PROTECTED_ACCOUNT: 'PROTECTED_ACCOUNT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
