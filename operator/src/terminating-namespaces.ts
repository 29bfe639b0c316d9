/**
 * Namespaces that refused a new object because they are being deleted. Such a namespace never comes back, but a
 * new one of the same name may be created once it is gone, so each entry lapses after `ttlMs`: one refused write
 * a minute per KeyService at most, instead of one per event, retry and resync.
 */
export class TerminatingNamespaces {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs = 60_000) {}

  note(namespace: string, nowMs: number): void {
    this.until.set(namespace, nowMs + this.ttlMs);
  }

  has(namespace: string, nowMs: number): boolean {
    const until = this.until.get(namespace);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.until.delete(namespace);
    return false;
  }
}
