/**
 * The relay protocol on the wire (spec/node.md, Delivery): one request and one answer per libp2p
 * stream, each UTF-8 JSON. A request carries up to `maxInputsPerRequest` signed inputs in the
 * API's wire shape; the answer says, for each in order, what the peer made of it, and whether the
 * peer sequences. Only a sequencer's refusal is final, so a sequencer signs its results with its
 * operator key: a peer that merely claims to sequence cannot make a node drop an input.
 */
import type { InputWire } from '@kestrel/api';
import { bytesToHex, ErrorCode, hexToBytes, keccak256, type Hex } from '@kestrel/core';

export const RELAY_VERSION = 1;

/** The protocol id of a deployment's relay. */
export function relayProtocolFor(chainId: number, exchange: string): string {
  return `/kestrel/${chainId}/${exchange.toLowerCase()}/relay/${RELAY_VERSION}`;
}

/**
 * What a peer made of one input:
 * - `accepted`: admitted into its mempool now;
 * - `known`: pending in its mempool already, or sequenced;
 * - `refused`: it will not take it, for the reason `code` (final when the peer sequences);
 * - `busy`: not now (`MEMPOOL_FULL`, `RATE_LIMITED`, `INTERNAL`): send it again later.
 */
export type RelayStatus = 'accepted' | 'known' | 'refused' | 'busy';

export interface RelayResult {
  hash: Hex;
  status: RelayStatus;
  code?: string;
}

export interface RelayRequest {
  v: typeof RELAY_VERSION;
  inputs: InputWire[];
}

export interface RelayAnswer {
  v: typeof RELAY_VERSION;
  sequencer: boolean;
  results: RelayResult[];
  /** a sequencer's operator signature of `relayAnswerDigest` over `results` as sent */
  signature?: Hex;
}

const DIGEST_TAG = new TextEncoder().encode(`kestrel relay answer ${RELAY_VERSION}`);

/**
 * What a sequencer signs: keccak-256 of the domain separator, a tag, and the UTF-8 JSON text of
 * its results exactly as it sends them.
 */
export function relayAnswerDigest(domainSep: Hex, resultsJson: string): Hex {
  const body = new TextEncoder().encode(resultsJson);
  const domain = hexToBytes(domainSep);
  const all = new Uint8Array(domain.length + DIGEST_TAG.length + body.length);
  all.set(domain, 0);
  all.set(DIGEST_TAG, domain.length);
  all.set(body, domain.length + DIGEST_TAG.length);
  return bytesToHex(keccak256(all));
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export const encodeRelay = (msg: RelayRequest | RelayAnswer): Uint8Array => enc.encode(JSON.stringify(msg));

function parse(data: Uint8Array): Record<string, unknown> {
  const v = JSON.parse(dec.decode(data)) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('relay: not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.v !== RELAY_VERSION) throw new Error(`relay: unknown version ${String(o.v).slice(0, 10)}`);
  return o;
}

/** A request's inputs, still in wire form (each is decoded and judged on its own); throws on a bad request. */
export function decodeRelayRequest(data: Uint8Array, maxInputs: number): unknown[] {
  const o = parse(data);
  if (!Array.isArray(o.inputs)) throw new Error('relay: inputs is not a list');
  if (o.inputs.length > maxInputs) throw new Error(`relay: more than ${maxInputs} inputs`);
  return o.inputs as unknown[];
}

const STATUSES: ReadonlySet<string> = new Set(['accepted', 'known', 'refused', 'busy']);

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * An answer with one well-formed result per input sent, each naming that input's digest (so a
 * signed answer to another request cannot be replayed against this one), and the JSON text of
 * its results as sent (what a sequencer's signature covers); throws otherwise. A code this node does not know (a
 * newer peer's) is not acted on: its result reads `busy` with `INTERNAL`, so the input is sent
 * again rather than dropped for a reason nobody here can name.
 */
export function decodeRelayAnswer(data: Uint8Array, sent: readonly Hex[]): RelayAnswer & { resultsJson: string } {
  const o = parse(data);
  if (typeof o.sequencer !== 'boolean' || !Array.isArray(o.results) || o.results.length !== sent.length) throw new Error('relay: malformed answer');
  if (o.signature !== undefined && (typeof o.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(o.signature)))
    throw new Error('relay: malformed signature');
  const resultsJson = JSON.stringify(o.results);
  for (const [i, r] of (o.results as unknown[]).entries()) {
    const x = r as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null || typeof x.hash !== 'string' || typeof x.status !== 'string' || !STATUSES.has(x.status)) {
      throw new Error('relay: malformed result');
    }
    if (x.hash.toLowerCase() !== sent[i]!.toLowerCase()) throw new Error(`relay: result ${i} is for another input`);
    if (x.code !== undefined && typeof x.code !== 'string') throw new Error('relay: malformed code');
    if (x.code !== undefined && !CODES.has(x.code as string)) {
      x.status = 'busy';
      x.code = ErrorCode.INTERNAL;
    }
  }
  return { ...(o as unknown as RelayAnswer), resultsJson };
}
