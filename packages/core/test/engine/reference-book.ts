/**
 * A deliberately simple reference for price-time matching: one array of resting orders, sorted
 * from scratch on every match. Accounts are assumed funded (no balance checks) and orders never
 * expire; it covers time in force and self-trade modes. Model-based tests compare its events
 * with the engine's.
 */
export interface RefOrder {
  id: string;
  owner: string;
  isBuy: boolean;
  price: bigint;
  amount: bigint;
  tif: 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY';
  stp: 'CANCEL_MAKER' | 'CANCEL_TAKER' | 'CANCEL_BOTH';
}

interface Resting extends RefOrder {
  left: bigint;
  seq: number;
}

export class ReferenceBook {
  private resting: Resting[] = [];
  private seq = 0;

  /** Events as the same short strings Harness.brief produces. */
  place(o: RefOrder): string[] {
    const crosses = (r: Resting): boolean => r.isBuy !== o.isBuy && (o.isBuy ? r.price <= o.price : r.price >= o.price);
    const queue = this.resting
      .filter(crosses)
      .sort((a, b) => (a.price === b.price ? a.seq - b.seq : o.isBuy ? (a.price < b.price ? -1 : 1) : a.price > b.price ? -1 : 1));
    if (o.tif === 'POST_ONLY' && queue.length > 0) return [`rejected ${o.id} POST_ONLY_WOULD_CROSS`];
    const out = [`accepted ${o.id}`];
    if (o.tif === 'FOK') {
      let can = 0n;
      for (const r of queue) {
        if (r.owner === o.owner) {
          if (o.stp === 'CANCEL_MAKER') continue;
          break;
        }
        can += r.left;
      }
      if (can < o.amount) return [...out, `cancelled ${o.id} FOK_UNFILLED ${fmt(o.amount)}`];
    }
    let left = o.amount;
    let selfStop = false;
    for (const r of queue) {
      if (left === 0n) break;
      if (r.owner === o.owner) {
        if (o.stp !== 'CANCEL_TAKER') {
          this.remove(r);
          out.push(`cancelled ${r.id} SELF_TRADE ${fmt(r.left)}`);
        }
        if (o.stp !== 'CANCEL_MAKER') {
          selfStop = true;
          break;
        }
        continue;
      }
      const q = r.left < left ? r.left : left;
      out.push(`fill ${r.id}<-${o.id} ${fmt(q)}@${fmt(r.price)}`);
      r.left -= q;
      left -= q;
      if (r.left === 0n) this.remove(r);
    }
    if (left === 0n) return out;
    if (selfStop) out.push(`cancelled ${o.id} SELF_TRADE ${fmt(left)}`);
    else if (o.tif === 'IOC') out.push(`cancelled ${o.id} IOC_REMAINDER ${fmt(left)}`);
    else this.resting.push({ ...o, left, seq: this.seq++ });
    return out;
  }

  cancel(id: string): string[] {
    const r = this.resting.find((x) => x.id === id);
    if (r === undefined) return [];
    this.remove(r);
    return [`cancelled ${id} USER ${fmt(r.left)}`];
  }

  /** Aggregated levels best first, as "price x amount". */
  levels(isBuy: boolean): string[] {
    const m = new Map<bigint, bigint>();
    for (const r of this.resting) if (r.isBuy === isBuy) m.set(r.price, (m.get(r.price) ?? 0n) + r.left);
    return [...m.entries()].sort((a, b) => (isBuy ? (a[0] > b[0] ? -1 : 1) : a[0] < b[0] ? -1 : 1)).map(([p, a]) => `${fmt(p)} x ${fmt(a)}`);
  }

  private remove(r: Resting): void {
    this.resting = this.resting.filter((x) => x !== r);
  }
}

function fmt(v: bigint): string {
  const i = v / 10n ** 18n;
  const f = (v % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return f ? `${i}.${f}` : `${i}`;
}
