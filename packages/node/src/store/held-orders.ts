/**
 * The signed orders the ledger holds (`order:<hash>` on disk): open ones, and ones refused at
 * sequencing. With a million orders resting, a full copy of each (the order's object, its bigints,
 * the signature as a 132-character string) is the largest thing in the node's heap, and the
 * engine holds the same order already. So an open order keeps only what the engine lacks — its
 * signature as 65 bytes and the batch that sequenced it — and its fields are read back from the
 * engine. A record that would not come back identical (the engine does not hold the order, a
 * subaccount in another letter case, a signature not in canonical lower-case hex, a batch id past
 * 2^53) is kept whole.
 */
import { sameOrder, type Hex, type Order } from '@kestrel/core';
import { toHex } from './codec.js';
import type { SignedOrderRecord } from './records.js';

const SIG_BYTES = 65;
const CANONICAL_SIG = /^0x[0-9a-f]{130}$/;
const ORDER_FIELDS = 9;

/** An order as the engine holds it (its hash is the engine's own string), or undefined when it holds no such order. */
export type OrderLookup = (hash: Hex) => { hash: Hex; order: Order } | undefined;

/** The same fields, and no others: a record rebuilt from the engine's reads back exactly. */
function sameOrderExactly(a: Order, b: Order): boolean {
  return sameOrder(a, b) && Object.keys(a).length === ORDER_FIELDS;
}

export class HeldOrders {
  /** hash → slot of its signature and batch in the arrays below */
  private readonly slots = new Map<Hex, number>();
  private sigs = new Uint8Array(SIG_BYTES * 1024);
  /** the sequencing batch's id, NaN for none */
  private batches = new Float64Array(1024);
  private readonly freeSlots: number[] = [];
  private top = 0;
  /** records kept as they came */
  private readonly whole = new Map<Hex, SignedOrderRecord>();

  constructor(private readonly lookup: OrderLookup) {}

  get size(): number {
    return this.slots.size + this.whole.size;
  }

  has(hash: Hex): boolean {
    return this.slots.has(hash) || this.whole.has(hash);
  }

  /** The batch that sequenced the order (null: none), undefined when it is not held. */
  batchId(hash: Hex): bigint | null | undefined {
    const slot = this.slots.get(hash);
    if (slot === undefined) return this.whole.get(hash)?.batchId;
    const b = this.batches[slot]!;
    return Number.isNaN(b) ? null : BigInt(b);
  }

  signature(hash: Hex): Hex | undefined {
    const slot = this.slots.get(hash);
    if (slot === undefined) return this.whole.get(hash)?.signature;
    return toHex(this.sigs.subarray(slot * SIG_BYTES, (slot + 1) * SIG_BYTES));
  }

  /**
   * The record; `order` gives the order's fields where the engine no longer holds them (an order
   * that finished in the batch being committed).
   */
  get(hash: Hex, order?: Order): SignedOrderRecord | undefined {
    const slot = this.slots.get(hash);
    if (slot === undefined) return this.whole.get(hash);
    const o = order ?? this.lookup(hash)?.order;
    // the engine holds every compact order (checked when it was added); the engine and this index change together
    if (o === undefined) throw new Error(`held order ${hash} is not in the engine`);
    const b = this.batches[slot]!;
    return {
      order: canonicalOrder(o),
      signature: toHex(this.sigs.subarray(slot * SIG_BYTES, (slot + 1) * SIG_BYTES)),
      batchId: Number.isNaN(b) ? null : BigInt(b),
    };
  }

  /**
   * Whether the engine holds exactly this order under this hash: its signed record may then leave
   * the order's fields out, on disk as here, and read them back from the engine.
   */
  engineHolds(hash: Hex, order: Order): boolean {
    const held = this.lookup(hash);
    return held !== undefined && held.hash === hash && sameOrderExactly(order, held.order);
  }

  /** The engine's order for a record stored without its fields ({@link engineHolds}), or undefined. */
  engineOrder(hash: Hex): Order | undefined {
    const held = this.lookup(hash);
    return held === undefined ? undefined : canonicalOrder(held.order);
  }

  set(hash: Hex, rec: SignedOrderRecord): void {
    this.delete(hash);
    const held = this.lookup(hash);
    const compact =
      held !== undefined &&
      this.engineHolds(hash, rec.order) &&
      CANONICAL_SIG.test(rec.signature) &&
      (rec.batchId === null || rec.batchId <= BigInt(Number.MAX_SAFE_INTEGER));
    if (!compact) {
      this.whole.set(hash, rec);
      return;
    }
    const slot = this.alloc();
    this.sigs.set(Buffer.from(rec.signature.slice(2), 'hex'), slot * SIG_BYTES);
    this.batches[slot] = rec.batchId === null ? Number.NaN : Number(rec.batchId);
    // keyed by the engine's string for the hash: one copy of it in memory, not two
    this.slots.set(held.hash, slot);
  }

  delete(hash: Hex): void {
    const slot = this.slots.get(hash);
    if (slot !== undefined) {
      this.slots.delete(hash);
      this.freeSlots.push(slot);
    }
    this.whole.delete(hash);
  }

  private alloc(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.top === this.batches.length) {
      const sigs = new Uint8Array(this.sigs.length * 2);
      sigs.set(this.sigs);
      this.sigs = sigs;
      const batches = new Float64Array(this.batches.length * 2);
      batches.set(this.batches);
      this.batches = batches;
    }
    return this.top++;
  }
}

/** The order with its fields in the declared order (what a stored record reads back as). */
function canonicalOrder(o: Order): Order {
  return {
    subaccount: o.subaccount,
    marketId: o.marketId,
    isBuy: o.isBuy,
    price: o.price,
    amount: o.amount,
    nonce: o.nonce,
    expiry: o.expiry,
    flags: o.flags,
    clientId: o.clientId,
  };
}
