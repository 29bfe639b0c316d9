/**
 * Failed authentications per client address, counted in a fixed window (a minute by default). Once an address has
 * `limit` failures in its window it is refused until the window ends, whatever key it sends, so guessing keys costs
 * an attacker a minute per `limit` guesses. At most `maxClients` addresses are remembered: when full, windows that
 * have ended are dropped first, then the oldest.
 */
export class FailedAttemptLimiter {
  private readonly windows = new Map<string, { failures: number; startMs: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 60_000,
    private readonly maxClients = 100_000,
  ) {}

  /** 0 while the address may try; otherwise the whole seconds until its window ends (for Retry-After). */
  retryAfter(address: string): number {
    const nowMs = this.now();
    const window = this.windows.get(address);
    if (window === undefined || nowMs - window.startMs >= this.windowMs || window.failures < this.limit) return 0;
    return Math.max(1, Math.ceil((window.startMs + this.windowMs - nowMs) / 1000));
  }

  recordFailure(address: string): void {
    const nowMs = this.now();
    let window = this.windows.get(address);
    if (window === undefined || nowMs - window.startMs >= this.windowMs) {
      this.windows.delete(address);
      if (this.windows.size >= this.maxClients) this.makeRoom(nowMs);
      window = { failures: 0, startMs: nowMs };
      this.windows.set(address, window);
    }
    window.failures += 1;
  }

  get clients(): number {
    return this.windows.size;
  }

  private makeRoom(nowMs: number): void {
    for (const [address, window] of this.windows) if (nowMs - window.startMs >= this.windowMs) this.windows.delete(address);
    // Insertion order is window start order, so the first entry is the oldest window.
    const oldest = this.windows.keys().next();
    if (this.windows.size >= this.maxClients && oldest.done !== true) this.windows.delete(oldest.value);
  }
}
