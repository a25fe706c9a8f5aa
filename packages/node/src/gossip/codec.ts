/**
 * Gossip payloads: one version byte, one kind byte, then UTF-8 JSON of the wire shapes.
 * The size is checked before anything is decoded (see Network.onMessage).
 */
export const GOSSIP_VERSION = 1;
export const GossipKind = { INPUT: 1, PROPOSAL: 2 } as const;
export type GossipKind = (typeof GossipKind)[keyof typeof GossipKind];

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeGossip(kind: GossipKind, body: unknown): Uint8Array {
  const json = enc.encode(JSON.stringify(body));
  const out = new Uint8Array(json.length + 2);
  out[0] = GOSSIP_VERSION;
  out[1] = kind;
  out.set(json, 2);
  return out;
}

/** Returns null for anything that is not a well-formed payload of a known version and kind. */
export function decodeGossip(data: Uint8Array): { kind: GossipKind; body: unknown } | null {
  if (data.length < 3 || data[0] !== GOSSIP_VERSION) return null;
  const kind = data[1];
  if (kind !== GossipKind.INPUT && kind !== GossipKind.PROPOSAL) return null;
  try {
    return { kind, body: JSON.parse(dec.decode(data.subarray(2))) as unknown };
  } catch {
    return null;
  }
}

export function topicsFor(chainId: number, exchange: string): { orders: string; batches: string } {
  const base = `/kestrel/${chainId}/${exchange.toLowerCase()}`;
  return { orders: `${base}/orders/1`, batches: `${base}/batches/1` };
}
