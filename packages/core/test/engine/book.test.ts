import { describe, expect, it } from 'vitest';
import { Book, DROP, DROP_STOP, NIL, STOP, type MatchHook } from '../../src/engine/book.js';

const BUY = true;
const SELL = false;

/** Book contents as [tick, [ref…]] per side, best first. */
function contents(b: Book<string>): { bids: Array<[number, string[]]>; asks: Array<[number, string[]]> } {
  const side = (isBuy: boolean): Array<[number, string[]]> => {
    const out: Array<[number, string[]]> = [];
    for (let i = 0; i < b.levelCount(isBuy); i++) {
      const lvl = b.levelAt(isBuy, i);
      const refs: string[] = [];
      for (let s = b.levelHead(lvl); s !== NIL; s = b.next(s)) refs.push(`${b.ref(s)}:${b.lots(s)}`);
      out.push([b.levelTick(lvl), refs]);
    }
    return out;
  };
  return { bids: side(BUY), asks: side(SELL) };
}

describe('Book (integer layer)', () => {
  it('keeps levels sorted best first and FIFO inside a level', () => {
    const b = new Book<string>(16);
    b.insert(SELL, 105, 1, 'a');
    b.insert(SELL, 103, 2, 'b');
    b.insert(SELL, 104, 3, 'c');
    b.insert(SELL, 103, 4, 'd');
    b.insert(BUY, 100, 5, 'e');
    b.insert(BUY, 102, 6, 'f');
    b.insert(BUY, 101, 7, 'g');
    expect(contents(b)).toEqual({
      bids: [
        [102, ['f:6']],
        [101, ['g:7']],
        [100, ['e:5']],
      ],
      asks: [
        [103, ['b:2', 'd:4']],
        [104, ['c:3']],
        [105, ['a:1']],
      ],
    });
    expect(b.bestTick(BUY)).toBe(102);
    expect(b.bestTick(SELL)).toBe(103);
    expect(b.depth(SELL, 2)).toEqual([
      [103, 6n],
      [104, 3n],
    ]);
    expect(b.size).toBe(7);
  });

  it('removes from head, middle and tail, dropping empty levels anywhere', () => {
    const b = new Book<string>(16);
    const s = ['a', 'b', 'c'].map((r) => b.insert(BUY, 100, 1, r));
    const other = b.insert(BUY, 99, 1, 'x');
    b.insert(BUY, 98, 1, 'y');
    b.remove(s[1]!);
    expect(contents(b).bids[0]).toEqual([100, ['a:1', 'c:1']]);
    b.remove(s[0]!);
    b.remove(s[2]!);
    b.remove(other); // a middle level
    expect(contents(b).bids).toEqual([[98, ['y:1']]]);
    expect(b.isResting(other)).toBe(false);
    expect(() => b.remove(other)).toThrow();
  });

  it('reuses freed slots; ref() tells a reused slot apart', () => {
    const b = new Book<string>(16);
    const s1 = b.insert(SELL, 10, 1, 'first');
    b.remove(s1);
    expect(b.ref(s1)).toBeUndefined();
    const s2 = b.insert(SELL, 11, 1, 'second');
    expect(s2).toBe(s1);
    expect(b.ref(s2)).toBe('second');
  });

  it('grows past its initial capacity', () => {
    const b = new Book<number>(16);
    for (let i = 0; i < 5000; i++) {
      const k = (i >> 1) % 300;
      b.insert(i % 2 === 0, i % 2 === 0 ? 1000 - k : 2000 + k, 1 + (i % 7), i);
    }
    expect(b.size).toBe(5000);
    expect(b.levelCount(BUY)).toBe(300);
    expect(b.levelCount(SELL)).toBe(300);
    expect(b.bestTick(BUY)).toBe(1000);
    expect(b.bestTick(SELL)).toBe(2000);
  });

  it('matches price-time without a hook and returns the unfilled lots', () => {
    const b = new Book<string>(16);
    b.insert(SELL, 101, 2, 'a');
    b.insert(SELL, 100, 3, 'b');
    b.insert(SELL, 100, 4, 'c');
    expect(b.match(BUY, 100, 5, null)).toBe(0);
    expect(contents(b).asks).toEqual([
      [100, ['c:2']],
      [101, ['a:2']],
    ]);
    expect(b.match(BUY, 101, 10, null)).toBe(6);
    expect(b.levelCount(SELL)).toBe(0);
    expect(b.crosses(BUY, 1_000_000)).toBe(false);
  });

  it('obeys the hook: fill, drop, stop, drop-and-stop', () => {
    const b = new Book<string>(16);
    for (const r of ['fill', 'drop', 'half', 'stop', 'after']) b.insert(BUY, 50, 4, r);
    const seen: string[] = [];
    const hook: MatchHook = {
      onMaker(slot, makerLots, takerLots, tick) {
        const r = b.ref(slot)!;
        seen.push(`${r}:${makerLots}/${takerLots}@${tick}`);
        if (r === 'drop') return DROP;
        if (r === 'stop') return STOP;
        if (r === 'half') return makerLots === 4 ? 2 : DROP_STOP;
        return Math.min(makerLots, takerLots);
      },
    };
    expect(b.match(SELL, 50, 100, hook)).toBe(94);
    expect(seen).toEqual(['fill:4/100@50', 'drop:4/96@50', 'half:4/96@50', 'half:2/94@50']);
    expect(contents(b).bids).toEqual([[50, ['stop:4', 'after:4']]]);
    expect(b.match(SELL, 50, 1, hook)).toBe(1); // STOP leaves the maker
    expect(contents(b).bids).toEqual([[50, ['stop:4', 'after:4']]]);
  });

  it('keeps a level total exact beyond 2^53 lots', () => {
    const b = new Book<string>(16);
    const max = Number.MAX_SAFE_INTEGER;
    b.insert(BUY, 1, max, 'a');
    b.insert(BUY, 1, max, 'b');
    b.insert(BUY, 1, 3, 'c');
    expect(b.depth(BUY, 1)).toEqual([[1, 2n * BigInt(max) + 3n]]);
  });
});
