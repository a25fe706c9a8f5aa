/** The API's explicit limits. */

/** Largest request body the node accepts, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most order hashes in one signed cancel. */
export const MAX_CANCEL_HASHES = 256;
