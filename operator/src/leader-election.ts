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
  get(): Promise<LeaseRecord | null>;
  create(spec: LeaseSpec): Promise<void>;
  update(spec: LeaseSpec, resourceVersion: string): Promise<void>;
}

export interface LeaderElectionOptions {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
}

/** A Lease's MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it. Expiry is judged by when this process last
 * saw the record change (not by the holder's timestamps), so clock skew between candidates does not matter.
 */
export class LeaderElector {
  private observed = '';
  private observedAt = 0;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeaderElectionOptions,
  ) {}

  /** One attempt: true when this process holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, leaseDurationMs, now } = this.options;
    const at = now();
    const mine: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: microTime(at),
      renewTime: microTime(at),
      leaseTransitions: 0,
    };
    const current = await this.store.get();
    if (!current) return this.write(() => this.store.create(mine), mine, at);
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
    return this.write(() => this.store.update(next, current.resourceVersion), next, at);
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
    return true;
  }

  /** Waits until this process leads, or the signal aborts (then resolves false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew().catch(() => false)) return true;
      await this.options.sleep(this.options.retryPeriodMs);
    }
    return false;
  }

  /** Renews until a renewal has failed for renewDeadlineMs (leadership lost: resolves true) or the signal aborts. */
  async holdUntilLost(signal: AbortSignal): Promise<boolean> {
    const { now, renewDeadlineMs, retryPeriodMs, log } = this.options;
    let renewed = now();
    while (!signal.aborted) {
      await this.options.sleep(retryPeriodMs);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew().catch(() => false)) renewed = now();
      else if (now() - renewed > renewDeadlineMs) {
        log.error({ renewDeadlineMs }, 'could not renew the leader lease in time; leadership lost');
        return true;
      }
    }
    return false;
  }

  /** Gives the Lease up on a clean shutdown, so that a standby takes over at once instead of after it expires. */
  async release(): Promise<void> {
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
    async get() {
      try {
        const lease = await http.request<LeaseObject>({ method: 'GET', path });
        return { spec: lease.spec ?? {}, resourceVersion: lease.metadata.resourceVersion };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return null;
        throw error;
      }
    },
    async create(spec) {
      await http.request({ method: 'POST', path: resourcePath('coordination.k8s.io/v1', 'leases', namespace), body: body(spec) });
    },
    async update(spec, resourceVersion) {
      await http.request({ method: 'PUT', path, body: body(spec, resourceVersion) });
    },
  };
}
