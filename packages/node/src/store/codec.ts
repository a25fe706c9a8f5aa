/**
 * The node's on-disk format: JSON of the core's own objects (proposals, settlements, signed
 * inputs, order records), with each bigint tagged as `{"$big": "<decimal>"}`. It is this node's
 * format, not the API's: the API's wire shapes may change without touching what a node has
 * stored, and the other way round. `STORE_FORMAT` names it; a store written in another format is
 * refused at open with a clear error, never misread.
 */

import type { Hex } from '@kestrel/core';

/**
 * The format of everything a store holds; a change to any stored shape bumps it (2: state records
 * instead of snapshots; 3: the undo record names archived orders instead of copying them, an open
 * order's record leaves out the fields the engine holds; 4: orders in their compact form, below).
 */
export const STORE_FORMAT = 4;
/**
 * Formats this node reads as they are and takes over at open: 4 only adds the compact order form,
 * which no format-3 store holds.
 */
export const READABLE_FORMATS: readonly number[] = [3];

const BIG = '$big';
/**
 * An order (the core's `Order`: exactly its nine fields, in their signed order, each of its type)
 * is written as one tagged string, `{"$o":"<subaccount>:<marketId>:<isBuy 1|0>:<price>:<amount>:<nonce>:<expiry>:<flags>:<clientId>"}`:
 * ~120 bytes instead of ~290 as an object with tagged bigints. A node writes each order it admits
 * three times (its mempool entry, the batch that sequences it, the archive), and LevelDB's write
 * costs the event loop by the byte.
 */
const ORDER = '$o';
const ORDER_KEYS = ['subaccount', 'marketId', 'isBuy', 'price', 'amount', 'nonce', 'expiry', 'flags', 'clientId'] as const;
const HEX_ID = /^0x[0-9a-fA-F]{64}$/;
const DIGITS = /^(0|[1-9][0-9]*)$/;
const INTEGER = /^(0|-?[1-9][0-9]*)$/;
const UINT32_MAX = 0xffffffff;
const isUint32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX && !Object.is(v, -0);

/**
 * The text `JSON.stringify` writes for `value` with each bigint tagged, character for character,
 * without a replacer function: a replacer sends V8's JSON writer down its slow path, and every
 * input a node admits and every record a batch changes is encoded here (2.5× faster for a signed
 * order).
 */
export function encodeValue(value: unknown): string {
  return encode(value, '') ?? 'undefined';
}

function encode(v: unknown, key: string): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `{"${BIG}":"${v.toString()}"}`;
    case 'object': {
      if (v === null) return 'null';
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return encode(toJSON.call(v, key), key);
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += `${i === 0 ? '' : ','}${encode(v[i], String(i)) ?? 'null'}`;
        return `${out}]`;
      }
      const keys = Object.keys(v);
      const order = keys.length === ORDER_KEYS.length ? compactOrder(v as Record<string, unknown>, keys) : undefined;
      if (order !== undefined) return order;
      let out = '{';
      let first = true;
      for (const k of keys) {
        const text = encode((v as Record<string, unknown>)[k], k);
        if (text === undefined) continue;
        out += first ? `${keyText(k)}:${text}` : `,${keyText(k)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      // undefined, functions and symbols: left out of objects, null in arrays, as JSON.stringify does
      return undefined;
  }
}

/** The compact text of an order, or undefined for an object that is not exactly one. */
function compactOrder(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (let i = 0; i < ORDER_KEYS.length; i++) if (keys[i] !== ORDER_KEYS[i]) return undefined;
  const { subaccount, marketId, isBuy, price, amount, nonce, expiry, flags, clientId } = o;
  if (
    typeof subaccount !== 'string' ||
    !HEX_ID.test(subaccount) ||
    !isUint32(marketId) ||
    typeof isBuy !== 'boolean' ||
    typeof price !== 'bigint' ||
    typeof amount !== 'bigint' ||
    typeof nonce !== 'bigint' ||
    typeof expiry !== 'bigint' ||
    !isUint32(flags) ||
    typeof clientId !== 'bigint'
  ) {
    return undefined;
  }
  return `{"${ORDER}":"${subaccount}:${marketId}:${isBuy ? 1 : 0}:${price}:${amount}:${nonce}:${expiry}:${flags}:${clientId}"}`;
}

/** The order a compact text stands for, or undefined when it is not one {@link compactOrder} writes. */
function orderOf(text: string): Record<string, unknown> | undefined {
  const f = text.split(':');
  if (f.length !== ORDER_KEYS.length) return undefined;
  const [subaccount, marketId, isBuy, price, amount, nonce, expiry, flags, clientId] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!HEX_ID.test(subaccount) || !DIGITS.test(marketId) || !DIGITS.test(flags) || (isBuy !== '1' && isBuy !== '0')) return undefined;
  if (!INTEGER.test(price) || !INTEGER.test(amount) || !INTEGER.test(nonce) || !INTEGER.test(expiry) || !INTEGER.test(clientId)) return undefined;
  const m = Number(marketId);
  const fl = Number(flags);
  if (m > UINT32_MAX || fl > UINT32_MAX) return undefined;
  return {
    subaccount,
    marketId: m,
    isBuy: isBuy === '1',
    price: BigInt(price),
    amount: BigInt(amount),
    nonce: BigInt(nonce),
    expiry: BigInt(expiry),
    flags: fl,
    clientId: BigInt(clientId),
  };
}

/** Keys as JSON text, remembered: stored objects use a few dozen field names, written millions of times. */
const KEY_TEXT = new Map<string, string>();
const MAX_KEY_TEXTS = 1024;

function keyText(k: string): string {
  let t = KEY_TEXT.get(k);
  if (t === undefined) {
    t = JSON.stringify(k);
    // keys of other kinds (say, hashes) pass through without filling the map
    if (KEY_TEXT.size < MAX_KEY_TEXTS) KEY_TEXT.set(k, t);
  }
  return t;
}

/**
 * Reads what {@link encodeValue} wrote. `JSON.parse` with a reviver calls back for every value and
 * builds each object twice over (3× slower on a batch record), so the text is parsed plainly and
 * the tagged bigints are put in place by one walk, bottom-up as a reviver would see them.
 */
export function decodeValue<T>(text: string): T {
  return untag(JSON.parse(text)) as T;
}

function untag(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null) v[i] = untag(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (const k of keys) {
    const x = o[k];
    if (typeof x === 'object' && x !== null) o[k] = untag(x);
  }
  if (keys.length !== 1) return o;
  const tagged = o[BIG];
  if (typeof tagged === 'string') return BigInt(tagged);
  const order = o[ORDER];
  return (typeof order === 'string' && orderOf(order)) || o;
}

/**
 * Bytes as 0x lower-case hex, as the core's bytesToHex spells them, in one allocation: the core's
 * builds the string a byte at a time, thousands of short-lived strings for a batch's records.
 */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}` as Hex;
}

/**
 * `key.slice(from)` as a string of its own: a slice keeps the whole key it was cut from alive
 * (a restarted node holds a million order hashes read back from their record keys).
 */
export function keyTail(key: string, from: number): string {
  return Buffer.from(key.slice(from), 'utf8').toString('utf8');
}
