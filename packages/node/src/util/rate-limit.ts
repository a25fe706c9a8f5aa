/**
 * Per-client token buckets (API clients by address, gossip peers by id): `burst` requests at
 * once, refilled at `perSecond`. The table of clients is bounded; when full, the oldest entry is dropped (a client
 * dropped that way just gets a fresh, full bucket).
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Clients remembered at once. */
export const MAX_TRACKED_CLIENTS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `n` tokens for `client` (all or none); false when its bucket holds fewer. */
  take(client: string, n = 1): boolean {
    const t = this.now();
    let b = this.buckets.get(client);
    if (b === undefined) {
      if (this.buckets.size >= MAX_TRACKED_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(client, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
      b.at = t;
    }
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }
}
