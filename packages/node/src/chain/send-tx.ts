/**
 * Sending the operator's transactions so that exactly one lands per send (spec/node.md, durable
 * operations). A transaction takes the account's mined nonce, not its pending one: a transaction
 * of ours still waiting in the RPC's pool — sent by this process before a failure, or by an
 * earlier one before a restart — is replaced, never queued behind. One not mined within
 * `replaceAfterMs` is sent again at the same nonce with fees `feeBumpPercent` higher (at most
 * `maxFeeBumps` times, then the last is sent again as it is), and whichever of them is mined
 * answers. Sending at a new nonce instead would let both land: the second then reverts, and a
 * node that took that revert for the batch's would undo a batch the chain settled.
 */
import type { Account, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from 'viem';
import { sendRawTransactionSync } from 'viem/actions';
import type { PrivateKeyAccount } from 'viem/accounts';
import { ErrorCode, KestrelError } from '@kestrel/core';
import { signTransaction } from './sign-tx.js';

export interface SendPolicy {
  /** a transaction not mined this long is replaced at its nonce with higher fees */
  replaceAfterMs: number;
  /** each replacement's fees over the last one's, percent (pools ask for at least 10) */
  feeBumpPercent: number;
  /** replacements with higher fees at most; later ones resend the last as it is */
  maxFeeBumps: number;
}

/** Pools take a replacement only if it pays at least 10% more (geth's price bump). */
export const MIN_FEE_BUMP_PERCENT = 10;

export const DEFAULT_SEND_POLICY: SendPolicy = { replaceAfterMs: 20_000, feeBumpPercent: 25, maxFeeBumps: 8 };

/** Told when a send reaches the RPC and when its receipt comes back (the node's latency histograms). */
export interface SendObserver {
  /** the first version of the transaction is handed to the RPC */
  sent(): void;
  /** the receipt of one of its versions is in */
  mined(): void;
}

/** How often the receipts of the sent transactions are asked for, ms. */
const RECEIPT_POLL_MS = 50;

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What a pool's refusal of a raw transaction says about the nonce it was sent at. */
export type PoolRefusal = 'nonce-used' | 'underpriced' | 'known' | null;

/** Reads the reason out of a pool's refusal (geth, reth, anvil and their kin word them alike). */
export function poolRefusal(err: unknown): PoolRefusal {
  for (let e = err as { message?: unknown; details?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const text = `${typeof e.message === 'string' ? e.message : ''} ${typeof e.details === 'string' ? e.details : ''}`.toLowerCase();
    if (/nonce too low|nonce has already been used|old nonce|invalid nonce/.test(text)) return 'nonce-used';
    if (/underpriced|fee too low|replacement/.test(text)) return 'underpriced';
    if (/already known|already imported|known transaction/.test(text)) return 'known';
  }
  return null;
}

const bump = (fees: Fees, percent: number): Fees => {
  const up = (v: bigint): bigint => v + (v * BigInt(percent) + 99n) / 100n + 1n;
  return { maxFeePerGas: up(fees.maxFeePerGas), maxPriorityFeePerGas: up(fees.maxPriorityFeePerGas) };
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TxSender {
  constructor(
    private readonly publicClient: PublicClient<Transport, Chain | undefined>,
    private readonly wallet: WalletClient<Transport, Chain | undefined, Account>,
    private readonly signer: PrivateKeyAccount,
    private readonly policy: SendPolicy,
    /** whether the RPC answers eth_sendRawTransactionSync */
    private readonly syncSend: () => Promise<boolean>,
  ) {}

  /** Signs and sends `data` to `to` with `gas`, replacing it until one of its versions is mined; returns that one's receipt. */
  async send(to: Hex, data: Hex, gas: bigint, observer?: SendObserver): Promise<{ txHash: Hex; receipt: TransactionReceipt }> {
    const nonce = await this.publicClient.getTransactionCount({ address: this.signer.address, blockTag: 'latest' });
    const request = (await this.wallet.prepareTransactionRequest({ account: this.wallet.account, to, data, gas, nonce, chain: null } as never)) as Record<
      string,
      unknown
    > &
      Partial<Fees>;
    let fees: Fees | null =
      request.maxFeePerGas !== undefined && request.maxPriorityFeePerGas !== undefined
        ? { maxFeePerGas: request.maxFeePerGas, maxPriorityFeePerGas: request.maxPriorityFeePerGas }
        : null;
    const sent: Hex[] = [];
    let serialized: Hex | null = null;
    let hash: Hex | null = null;
    for (let bumps = 0; ; ) {
      // a new version while fees may still rise; past that, the last one again (a pool may have dropped it)
      if (serialized === null || bumps <= this.policy.maxFeeBumps) {
        const signed = await signTransaction(this.signer, { ...request, ...(fees ?? {}) } as never);
        serialized = signed.serialized;
        hash = signed.hash;
        if (!sent.includes(hash)) sent.push(hash);
      }
      if (bumps === 0) observer?.sent();
      const answer = await this.broadcast(serialized, hash!);
      if (answer.receipt) {
        observer?.mined();
        return { txHash: answer.receipt.transactionHash, receipt: answer.receipt };
      }
      if (answer.refused === 'nonce-used' || answer.refused === null) {
        // mined meanwhile — one of ours, or (after a restart) a transaction this process never saw
        const receipt = await this.firstReceipt(sent, answer.refused === null && !answer.waited ? this.policy.replaceAfterMs : 0);
        if (receipt) {
          observer?.mined();
          return { txHash: receipt.transactionHash, receipt };
        }
        if (answer.refused === 'nonce-used') {
          throw new KestrelError(ErrorCode.INTERNAL, `nonce ${nonce} was used by a transaction this send did not make: the chain is read again`);
        }
      }
      // not mined in time, or the pool holds a version it prefers: the next one pays more
      if (fees !== null && bumps < this.policy.maxFeeBumps) fees = bump(fees, this.policy.feeBumpPercent);
      bumps++;
      if (answer.refused === 'underpriced' && bumps > this.policy.maxFeeBumps) await sleep(this.policy.replaceAfterMs);
    }
  }

  /**
   * Hands a signed transaction to the RPC: where it answers synchronously, waits for the receipt up
   * to `replaceAfterMs` (the RPC's own wait may be longer; its late answer is dropped). A failure
   * that is no pool's refusal (the RPC down, its wait cut short) leaves the transaction sent if the
   * RPC knows it, and is thrown if it does not: nothing was sent, and the caller tries again later.
   */
  private async broadcast(serializedTransaction: Hex, hash: Hex): Promise<{ receipt?: TransactionReceipt; refused: PoolRefusal; waited?: boolean }> {
    try {
      if (await this.syncSend()) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.policy.replaceAfterMs);
        });
        const sync = sendRawTransactionSync(this.publicClient, { serializedTransaction });
        sync.catch(() => undefined); // a late failure is no longer anyone's
        try {
          const receipt = await Promise.race([sync, late]);
          return receipt ? { receipt, refused: null } : { refused: null, waited: true };
        } finally {
          clearTimeout(timer);
        }
      }
      await this.wallet.sendRawTransaction({ serializedTransaction });
      return { refused: null };
    } catch (err) {
      const refused = poolRefusal(err);
      if (refused !== null) return { refused: refused === 'known' ? null : refused };
      const known = await this.publicClient.getTransaction({ hash }).then(
        () => true,
        () => false,
      );
      if (!known) throw err;
      return { refused: null };
    }
  }

  /** The receipt of whichever of `hashes` is mined first, asked for until `waitMs` has passed (once, for 0). */
  private async firstReceipt(hashes: readonly Hex[], waitMs: number): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const receipts = await Promise.all(hashes.map((hash) => this.publicClient.getTransactionReceipt({ hash }).catch(() => null)));
      const mined = receipts.find((r) => r !== null);
      if (mined) return mined;
      if (Date.now() >= deadline) return null;
      await sleep(RECEIPT_POLL_MS);
    }
  }
}
