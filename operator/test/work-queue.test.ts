import { jest } from '@jest/globals';
import { MAX_TIMER_MS, WorkQueue, runWorkers } from '../src/work-queue.js';

const options = (random = () => 0) => ({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, random });

describe('WorkQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('when a key is added twice before it is taken', () => {
    it('holds it once', async () => {
      const queue = new WorkQueue(options());
      queue.add('a');
      queue.add('b');
      queue.add('a');
      expect(queue.length).toBe(2);
      expect([await queue.get(), await queue.get()]).toEqual(['a', 'b']);
    });
  });

  describe('when a key is added while a worker processes it', () => {
    it('is not handed out again until done, then once', async () => {
      const queue = new WorkQueue(options());
      queue.add('a');
      const key = await queue.get();
      queue.add('a');
      queue.add('a');
      expect(queue.length).toBe(0);
      queue.done(key ?? '');
      expect(queue.length).toBe(1);
      expect(await queue.get()).toBe('a');
    });
  });

  describe('when a key fails again and again', () => {
    it('comes back after 100, 200, 400, 800 then 1000 ms (the cap)', () => {
      const queue = new WorkQueue(options());
      expect([1, 2, 3, 4, 5, 6].map(() => queue.addRateLimited('a'))).toEqual([100, 200, 400, 800, 1000, 1000]);
    });

    it('draws the delay from the jitter range', () => {
      const queue = new WorkQueue(options(() => 1));
      expect([queue.addRateLimited('a'), queue.addRateLimited('a')]).toEqual([50, 100]);
    });

    it('is queued only once the delay has passed', () => {
      const queue = new WorkQueue(options());
      queue.addRateLimited('a');
      jest.advanceTimersByTime(99);
      expect(queue.length).toBe(0);
      jest.advanceTimersByTime(1);
      expect(queue.length).toBe(1);
    });

    it('starts from the base delay again after forget', () => {
      const queue = new WorkQueue(options());
      queue.addRateLimited('a');
      queue.addRateLimited('a');
      queue.forget('a');
      expect([queue.failureCount('a'), queue.addRateLimited('a')]).toEqual([0, 100]);
    });
  });

  describe('addAfter', () => {
    it('keeps only the latest pending delay of a key', () => {
      const queue = new WorkQueue(options());
      queue.addAfter('a', 100);
      queue.addAfter('a', 500);
      jest.advanceTimersByTime(499);
      expect(queue.length).toBe(0);
      jest.advanceTimersByTime(1);
      expect(queue.length).toBe(1);
    });
  });

  describe.each([
    ['30d', 30 * 86_400_000],
    ['1y', 365 * 86_400_000],
  ])('addAfter %s (longer than setTimeout can wait)', (_name, delayMs) => {
    it('does not queue the key early, however often the timers fire', () => {
      const queue = new WorkQueue(options());
      queue.addAfter('a', delayMs);
      jest.advanceTimersByTime(1);
      const early: number[] = [queue.length];
      jest.advanceTimersByTime(delayMs - 2);
      early.push(queue.length);
      expect(early).toEqual([0, 0]);
    });

    it('queues the key once the whole delay has passed', () => {
      const queue = new WorkQueue(options());
      queue.addAfter('a', delayMs);
      jest.advanceTimersByTime(delayMs);
      expect(queue.length).toBe(1);
    });

    it('keeps at most one timer per key while it waits', () => {
      const queue = new WorkQueue(options());
      queue.addAfter('a', delayMs);
      jest.advanceTimersByTime(MAX_TIMER_MS + 1);
      expect([jest.getTimerCount(), queue.length]).toEqual([1, 0]);
    });
  });

  describe('shutDown', () => {
    it('releases waiting workers with null and drops pending delays', async () => {
      const queue = new WorkQueue(options());
      const waiting = queue.get();
      queue.addAfter('a', 10);
      queue.shutDown();
      jest.advanceTimersByTime(10);
      expect([await waiting, queue.length]).toEqual([null, 0]);
    });
  });
});

describe('runWorkers', () => {
  it('never processes one key in two workers at once, and processes a key re-added meanwhile again', async () => {
    const queue = new WorkQueue(options());
    const running = new Set<string>();
    const log: string[] = [];
    let overlap = false;
    let releaseFirst: () => void = () => undefined;
    const firstRunGate = new Promise<void>((resolve) => (releaseFirst = resolve));
    const handle = async (key: string) => {
      overlap ||= running.has(key);
      running.add(key);
      log.push(`start ${key}`);
      if (log.length === 1) await firstRunGate;
      running.delete(key);
      log.push(`end ${key}`);
      if (log.length === 4) queue.shutDown();
    };
    queue.add('a');
    const workers = runWorkers(queue, 3, handle);
    await Promise.resolve();
    queue.add('a');
    await Promise.resolve();
    releaseFirst();
    await workers;
    expect([overlap, log]).toEqual([false, ['start a', 'end a', 'start a', 'end a']]);
  });
});
