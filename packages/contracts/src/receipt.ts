/**
 * Waiting for a transaction's receipt on a chain that mines on demand (anvil, the devnet).
 *
 * viem's `waitForTransactionReceipt` asks for the receipt once, then again only when a new block
 * arrives. Anvil mines a block when a transaction arrives and at no other time, and on a loaded
 * machine it can report that block before its receipts are readable: the one look misses, no
 * further block ever comes when nothing else is sent, and the wait runs into its timeout (a
 * crash simulation once stalled three minutes so). This asks for the receipt itself, every
 * `intervalMs`, until it is there.
 */
import type { Hash, PublicClient, TransactionReceipt } from 'viem';
import { getTransactionReceipt } from 'viem/actions';

export interface ReceiptWait {
  /** give up after this long, ms (default 120,000) */
  timeoutMs?: number;
  /** between two looks, ms (default 20) */
  intervalMs?: number;
}

/** The receipt of `hash`, asked for until the node has it; throws after `timeoutMs`. */
export async function receiptOf(client: Pick<PublicClient, 'request'>, hash: Hash, wait: ReceiptWait = {}): Promise<TransactionReceipt> {
  const timeoutMs = wait.timeoutMs ?? 120_000;
  const intervalMs = wait.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    // not found yet, or the RPC busy: asked again either way
    const receipt = await getTransactionReceipt(client as PublicClient, { hash }).catch((err: unknown) => {
      last = err;
      return null;
    });
    if (receipt !== null) return receipt;
    if (Date.now() >= deadline) {
      throw new Error(
        `no receipt for transaction ${hash} after ${timeoutMs} ms (last answer: ${(last as Error | undefined)?.message?.split('\n')[0] ?? 'none'})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
