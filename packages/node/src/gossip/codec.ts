/**
 * Gossip payloads: one version byte, one kind byte, then UTF-8 JSON of the wire shapes. A bundle
 * of inputs (`INPUTS`) carries its input count in a third byte, before its JSON list, so that a
 * peer's rate limit charges it per input before anything is decoded; a count the list does not
 * match makes the payload undecodable. The size is checked before anything is decoded (see
 * Network.onMessage).
 */
export const GOSSIP_VERSION = 1;
export const GossipKind = { INPUT: 1, PROPOSAL: 2, INPUTS: 3 } as const;
export type GossipKind = (typeof GossipKind)[keyof typeof GossipKind];

/**
 * Most inputs in one bundle: what a node admits in one turn of its event loop under load (a
 * 50-order request and a few single ones), in ~70 KiB, far below `maxGossipBytes`.
 */
export const MAX_GOSSIP_BUNDLE = 100;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeGossip(kind: typeof GossipKind.INPUT | typeof GossipKind.PROPOSAL, body: unknown): Uint8Array {
  return framed([GOSSIP_VERSION, kind], JSON.stringify(body));
}

/** A bundle of 1 to MAX_GOSSIP_BUNDLE inputs, each already serialized (`JSON.stringify` of its wire shape). */
export function encodeInputBundle(inputsJson: readonly string[]): Uint8Array {
  if (inputsJson.length < 1 || inputsJson.length > MAX_GOSSIP_BUNDLE) throw new RangeError(`a bundle holds 1 to ${MAX_GOSSIP_BUNDLE} inputs`);
  return framed([GOSSIP_VERSION, GossipKind.INPUTS, inputsJson.length], `[${inputsJson.join(',')}]`);
}

function framed(header: readonly number[], json: string): Uint8Array {
  const body = enc.encode(json);
  const out = new Uint8Array(body.length + header.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

export type DecodedGossip = { kind: typeof GossipKind.INPUT | typeof GossipKind.PROPOSAL; body: unknown } | { kind: typeof GossipKind.INPUTS; body: unknown[] };

/** Returns null for anything that is not a well-formed payload of a known version and kind. */
export function decodeGossip(data: Uint8Array): DecodedGossip | null {
  if (data.length < 3 || data[0] !== GOSSIP_VERSION) return null;
  const kind = data[1];
  try {
    if (kind === GossipKind.INPUT || kind === GossipKind.PROPOSAL) return { kind, body: JSON.parse(dec.decode(data.subarray(2))) as unknown };
    if (kind !== GossipKind.INPUTS) return null;
    const count = data[2]!;
    const body = JSON.parse(dec.decode(data.subarray(3))) as unknown;
    if (!Array.isArray(body) || body.length !== count || count < 1 || count > MAX_GOSSIP_BUNDLE) return null;
    return { kind, body };
  } catch {
    return null;
  }
}

/**
 * What a payload costs its relaying peer's rate limit, read from its header alone: a bundle its
 * count of inputs (a count it does not carry makes it undecodable, and REJECTed), anything else 1.
 */
export function gossipCost(data: Uint8Array): number {
  return data.length >= 3 && data[1] === GossipKind.INPUTS ? Math.max(1, data[2]!) : 1;
}

export function topicsFor(chainId: number, exchange: string): { orders: string; batches: string } {
  const base = `/kestrel/${chainId}/${exchange.toLowerCase()}`;
  return { orders: `${base}/orders/1`, batches: `${base}/batches/1` };
}
