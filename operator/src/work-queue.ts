/**
 * A keyed work queue in the manner of client-go's workqueue: a key waiting in the queue is held once however often
 * it is added; a key being processed is never handed to a second worker, and if it is added meanwhile it is queued
 * again once the first worker is done; failures come back after an exponential, jittered delay.
 */
export interface WorkQueueOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the delay is drawn uniformly from [delay * (1 - jitter), delay]. */
  jitter: number;
  random: () => number;
}

export const DEFAULT_WORK_QUEUE_OPTIONS: WorkQueueOptions = {
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  jitter: 0.2,
  random: Math.random,
};

/** setTimeout's largest delay: Node fires any longer one after 1 ms instead (a 30-day rotation would spin). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | null) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = DEFAULT_WORK_QUEUE_OPTIONS) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds the key after `delayMs`; a later call for the same key replaces an earlier pending one. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    this.wakeAt(key, Date.now() + Math.max(0, delayMs));
  }

  /** Sleeps in steps no longer than MAX_TIMER_MS, recomputing what is left from the clock after each one. */
  private wakeAt(key: string, dueMs: number): void {
    clearTimeout(this.timers.get(key));
    const remaining = dueMs - Date.now();
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (remaining > MAX_TIMER_MS) this.wakeAt(key, dueMs);
      else this.add(key);
    }, Math.min(Math.max(0, remaining), MAX_TIMER_MS));
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** Adds the key after its backoff: base * 2^(failures so far), capped, less up to `jitter` of it. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const { baseDelayMs, maxDelayMs, jitter, random } = this.options;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** failures);
    const jittered = Math.round(delay * (1 - jitter * random()));
    this.addAfter(key, jittered);
    return jittered;
  }

  /** Clears the key's failure count after a success, so its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key to process, or null once the queue shuts down. */
  get(): Promise<string | null> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key processed; if it was added while processing, it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not the ones being processed nor the delayed ones): the queue-depth metric. */
  get length(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }
}

/** Runs `concurrency` workers that take keys from the queue until it shuts down. */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  handle: (key: string) => Promise<void>,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (let key = await queue.get(); key !== null; key = await queue.get()) {
      try {
        await handle(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
