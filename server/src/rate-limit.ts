/**
 * A token bucket per client: `rate` requests per second, bursts up to `rate` (at least one). Buckets of clients idle for a
 * full refill are dropped at each sweep, so memory stays bounded by the clients active in the last second.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();
  private lastSweepMs = 0;
  private readonly capacity: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, rate);
  }

  /** 0 when the request may go ahead; otherwise the whole seconds until a token is free (for Retry-After). */
  take(client: string): number {
    const nowMs = this.now();
    this.sweep(nowMs);
    const bucket = this.buckets.get(client) ?? { tokens: this.capacity, updatedMs: nowMs };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * this.rate);
    bucket.updatedMs = nowMs;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }

  get clients(): number {
    return this.buckets.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 1000) return;
    this.lastSweepMs = nowMs;
    for (const [client, bucket] of this.buckets) if (nowMs - bucket.updatedMs >= 1000) this.buckets.delete(client);
  }
}
