import type { Logger } from 'pino';
import { KubeApiError, errorMessage } from './errors.js';
import type { KubeHttp } from './kube-http.js';
import { resourcePath } from './kube.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseRecord {
  spec: LeaseSpec;
  resourceVersion: string;
}

/** The Lease object's reads and writes; updates carry the resourceVersion so two candidates cannot both win. */
export interface LeaseStore {
  get(signal?: AbortSignal): Promise<LeaseRecord | null>;
  create(spec: LeaseSpec, signal?: AbortSignal): Promise<void>;
  update(spec: LeaseSpec, resourceVersion: string, signal?: AbortSignal): Promise<void>;
}

export interface LeaderElectionOptions {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now: () => number;
  /** Resolves after ms, or at once when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: Logger;
}

/** A Lease's MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it. Expiry is judged by when this process last
 * saw the record change (not by the holder's timestamps), so clock skew between candidates does not matter.
 *
 * Safety rests on the renew deadline being shorter than the lease: a standby takes over no earlier than
 * leaseDuration after it saw our last renewal, and isLeader() turns false renewDeadline after we started that
 * renewal, whether or not any loop ran meanwhile (a process frozen by SIGSTOP or a long GC pause included).
 */
export class LeaderElector {
  private observed = '';
  private observedAt = 0;
  /** When the last successful write of the Lease started; null until this process first holds it. */
  private renewedAt: number | null = null;
  private lost = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeaderElectionOptions,
  ) {}

  /** True while this process may act as the leader; checked before every write the operator makes. */
  isLeader(): boolean {
    const { now, renewDeadlineMs } = this.options;
    return !this.lost && this.renewedAt !== null && now() - this.renewedAt <= renewDeadlineMs;
  }

  /** One attempt: true when this process holds the Lease afterwards. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const { identity, leaseDurationMs, now } = this.options;
    const at = now();
    const mine: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: microTime(at),
      renewTime: microTime(at),
      leaseTransitions: 0,
    };
    const current = await this.store.get(signal);
    if (!current) return this.write(() => this.store.create(mine, signal), mine, at);
    const fingerprint = `${current.spec.holderIdentity ?? ''}|${current.spec.renewTime ?? ''}`;
    if (fingerprint !== this.observed) {
      this.observed = fingerprint;
      this.observedAt = at;
    }
    const holder = current.spec.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && this.observedAt + leaseDurationMs > at) return false;
    const next: LeaseSpec =
      holder === identity
        ? { ...current.spec, renewTime: microTime(at) }
        : { ...mine, leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 };
    return this.write(() => this.store.update(next, current.resourceVersion, signal), next, at);
  }

  private async write(action: () => Promise<void>, spec: LeaseSpec, at: number): Promise<boolean> {
    try {
      await action();
    } catch (error) {
      // 409: another candidate wrote first. Anything else: the API server is away; both mean "not now".
      this.options.log.debug({ err: errorMessage(error) }, 'lease write failed');
      return false;
    }
    this.observed = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}`;
    this.observedAt = at;
    this.renewedAt = at;
    return true;
  }

  /** One attempt that gives up (false) after ms, so that a hung request cannot outlive the renew deadline. */
  private async attemptWithin(ms: number): Promise<boolean> {
    const abort = new AbortController();
    try {
      return await Promise.race([
        this.tryAcquireOrRenew(abort.signal).catch(() => false),
        this.options.sleep(ms, abort.signal).then(() => false),
      ]);
    } finally {
      abort.abort();
    }
  }

  /** Waits until this process leads, or the signal aborts (then resolves false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew().catch(() => false)) return true;
      await this.options.sleep(this.options.retryPeriodMs, signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod until no renewal has succeeded for renewDeadline, counted from the last success
   * (leadership lost for good: resolves true), or the signal aborts. Runs beside start-up and the reconciles.
   */
  async holdUntilLost(signal: AbortSignal): Promise<boolean> {
    const { now, renewDeadlineMs, retryPeriodMs, log } = this.options;
    while (!signal.aborted) {
      await this.options.sleep(retryPeriodMs, signal);
      if (signal.aborted) break;
      if (!this.isLeader()) {
        this.lost = true;
        log.error({ renewDeadlineMs, lastRenewal: microTime(this.renewedAt ?? 0) }, 'could not renew the leader lease in time; leadership lost');
        return true;
      }
      await this.attemptWithin((this.renewedAt ?? 0) + renewDeadlineMs - now());
    }
    return false;
  }

  /** Gives the Lease up on a clean shutdown, so that a standby takes over at once instead of after it expires. */
  async release(): Promise<void> {
    // After a loss another process may hold the Lease already: not even this write.
    if (!this.isLeader()) return;
    const current = await this.store.get();
    if (current?.spec.holderIdentity !== this.options.identity) return;
    await this.store.update({ ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 }, current.resourceVersion);
  }
}

interface LeaseObject {
  metadata: { resourceVersion: string };
  spec?: LeaseSpec;
}

export function createLeaseStore(http: KubeHttp, namespace: string, name: string): LeaseStore {
  const path = resourcePath('coordination.k8s.io/v1', 'leases', namespace, name);
  const body = (spec: LeaseSpec, resourceVersion?: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec,
  });
  return {
    async get(signal) {
      try {
        const lease = await http.request<LeaseObject>({ method: 'GET', path, ...(signal ? { signal } : {}) });
        return { spec: lease.spec ?? {}, resourceVersion: lease.metadata.resourceVersion };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return null;
        throw error;
      }
    },
    async create(spec, signal) {
      const collection = resourcePath('coordination.k8s.io/v1', 'leases', namespace);
      await http.request({ method: 'POST', path: collection, body: body(spec), ...(signal ? { signal } : {}) });
    },
    async update(spec, resourceVersion, signal) {
      await http.request({ method: 'PUT', path, body: body(spec, resourceVersion), ...(signal ? { signal } : {}) });
    },
  };
}
