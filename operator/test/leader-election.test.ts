import pino from 'pino';
import { LeaderElector, microTime, type LeaseRecord, type LeaseSpec, type LeaseStore } from '../src/leader-election.js';

/** One Lease in memory with optimistic concurrency, as the API server keeps it. */
class MemoryLease implements LeaseStore {
  record: LeaseRecord | null = null;
  private version = 0;
  reachable = true;
  /** A request that never answers (an API server that hangs) until its signal aborts. */
  hangs = false;
  writes = 0;

  get(signal?: AbortSignal): Promise<LeaseRecord | null> {
    if (this.hangs) return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    if (!this.reachable) return Promise.reject(new Error('connection refused'));
    return Promise.resolve(this.record && { spec: { ...this.record.spec }, resourceVersion: this.record.resourceVersion });
  }

  create(spec: LeaseSpec): Promise<void> {
    if (this.record) return Promise.reject(new Error('409 AlreadyExists'));
    this.writes++;
    this.record = { spec, resourceVersion: String(++this.version) };
    return Promise.resolve();
  }

  update(spec: LeaseSpec, resourceVersion: string): Promise<void> {
    if (!this.record || this.record.resourceVersion !== resourceVersion) return Promise.reject(new Error('409 Conflict'));
    this.writes++;
    this.record = { spec, resourceVersion: String(++this.version) };
    return Promise.resolve();
  }
}

function candidates() {
  const lease = new MemoryLease();
  let clock = 1_000_000;
  const elector = (identity: string) =>
    new LeaderElector(lease, {
      identity,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      now: () => clock,
      // A fake clock that moves only when a sleep runs out: a sleep cut short by its signal leaves the clock alone.
      sleep: (ms, signal) =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            if (!signal?.aborted) clock += ms;
            resolve();
          }),
        ),
      log: pino({ level: 'silent' }),
    });
  return { lease, a: elector('a'), b: elector('b'), advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('microTime', () => {
  it('writes six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 1, 0, 0, 0, 123))).toBe('2026-01-01T00:00:00.123000Z');
  });
});

describe('LeaderElector', () => {
  describe('when two candidates start', () => {
    it('lets the first one lead and keeps the second waiting', async () => {
      const { lease, a, b } = candidates();
      expect([await a.tryAcquireOrRenew(), await b.tryAcquireOrRenew(), lease.record?.spec.holderIdentity]).toEqual([true, false, 'a']);
    });
  });

  describe('when the leader keeps renewing', () => {
    it('never loses the lease to the standby', async () => {
      const { a, b, advance } = candidates();
      await a.tryAcquireOrRenew();
      const standby: boolean[] = [];
      for (let i = 0; i < 10; i++) {
        advance(2_000);
        await a.tryAcquireOrRenew();
        standby.push(await b.tryAcquireOrRenew());
      }
      expect(standby).toEqual(Array(10).fill(false));
    });
  });

  describe('when the leader stops renewing', () => {
    it('lets the standby take over once the lease duration has passed since it last saw a change', async () => {
      const { lease, a, b, advance } = candidates();
      await a.tryAcquireOrRenew();
      expect(await b.tryAcquireOrRenew()).toBe(false);
      advance(14_000);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      advance(1_001);
      expect([await b.tryAcquireOrRenew(), lease.record?.spec.holderIdentity, lease.record?.spec.leaseTransitions]).toEqual([true, 'b', 1]);
    });
  });

  describe('when the leader releases the lease', () => {
    it('lets the standby take over at once', async () => {
      const { a, b } = candidates();
      await a.tryAcquireOrRenew();
      await a.release();
      expect(await b.tryAcquireOrRenew()).toBe(true);
    });
  });

  describe('holdUntilLost', () => {
    it('reports the loss once renewals have failed for longer than the renew deadline', async () => {
      const { lease, a, now } = candidates();
      await a.tryAcquireOrRenew();
      const start = now();
      lease.reachable = false;
      expect([await a.holdUntilLost(new AbortController().signal), now() - start]).toEqual([true, 12_000]);
    });

    it('counts the renew deadline from the last successful renewal, not from when holding began', async () => {
      const { lease, a, advance, now } = candidates();
      await a.tryAcquireOrRenew();
      advance(9_000); // a slow start-up before the renewals began
      const start = now();
      lease.reachable = false;
      expect([await a.holdUntilLost(new AbortController().signal), now() - start]).toEqual([true, 2_000]);
    });

    it('gives up on a renewal that hangs, and reports the loss once the deadline has passed', async () => {
      const { lease, a, now } = candidates();
      await a.tryAcquireOrRenew();
      const start = now();
      lease.hangs = true;
      expect([await a.holdUntilLost(new AbortController().signal), now() - start]).toEqual([true, 12_000]);
    });

    it('keeps the lease while renewals succeed, until stopped', async () => {
      const { lease, a, b } = candidates();
      await a.tryAcquireOrRenew();
      const stop = new AbortController();
      const holding = a.holdUntilLost(stop.signal);
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(a.isLeader());
      }
      stop.abort();
      expect([await holding, seen.every(Boolean), await b.tryAcquireOrRenew(), lease.record?.spec.holderIdentity]).toEqual([false, true, false, 'a']);
    });
  });

  describe('isLeader', () => {
    it('turns false once the renew deadline has passed since the last renewal, with no loop running (a frozen process)', async () => {
      const { a, advance } = candidates();
      await a.tryAcquireOrRenew();
      const before = a.isLeader();
      advance(10_001);
      expect([before, a.isLeader()]).toEqual([true, false]);
    });

    it('stays false after a loss, and release then writes nothing', async () => {
      const { lease, a, b, advance } = candidates();
      await a.tryAcquireOrRenew();
      await b.tryAcquireOrRenew();
      lease.reachable = false;
      expect(await a.holdUntilLost(new AbortController().signal)).toBe(true);
      lease.reachable = true;
      advance(15_001);
      await b.tryAcquireOrRenew();
      const writes = lease.writes;
      await a.release();
      expect([a.isLeader(), lease.writes - writes, lease.record?.spec.holderIdentity]).toEqual([false, 0, 'b']);
    });
  });
});
