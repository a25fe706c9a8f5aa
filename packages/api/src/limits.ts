/** The API's explicit limits. */

/** Largest request body the node accepts, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Most orders in one `POST /v1/orders/batch`: a market maker's refresh of both sides of a ladder;
 * 50 orders of under 1 KiB each stay well within MAX_BODY_BYTES.
 */
export const MAX_ORDERS_PER_REQUEST = 50;
/** Most order hashes in one signed cancel. */
export const MAX_CANCEL_HASHES = 256;

/** Items in one page of history (trades, fills, order changes, funding) when `limit` is not given. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Most items in one page of history: older ones are read through the page's `next` cursor. */
export const MAX_HISTORY_LIMIT = 1000;
