/**
 * The node's on-disk format: JSON of the core's own objects (proposals, settlements, signed
 * inputs, order records), with each bigint tagged as `{"$big": "<decimal>"}`. It is this node's
 * format, not the API's: the API's wire shapes may change without touching what a node has
 * stored, and the other way round. `STORE_FORMAT` names it; a store written in another format is
 * refused at open with a clear error, never misread.
 */

import type { Hex } from '@kestrel/core';

/** The format of everything a store holds; a change to any stored shape bumps it (2: state records instead of snapshots; 3: the undo record names archived orders instead of copying them, an open order's record leaves out the fields the engine holds). */
export const STORE_FORMAT = 3;

const BIG = '$big';

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
      let out = '{';
      let first = true;
      for (const k of Object.keys(v)) {
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
  const tagged = o[BIG];
  return keys.length === 1 && typeof tagged === 'string' ? BigInt(tagged) : o;
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
