import { FailedAttemptLimiter } from '../src/failed-attempts.js';

describe('FailedAttemptLimiter', () => {
  let nowMs: number;
  const limiter = (limit: number, maxClients = 100) => new FailedAttemptLimiter(limit, () => nowMs, 60_000, maxClients);
  beforeEach(() => {
    nowMs = 1_000_000;
  });

  it('lets an address try until it has failed `limit` times, then refuses it until its minute ends', () => {
    const attempts = limiter(3);
    for (let i = 0; i < 3; i++) {
      expect(attempts.retryAfter('192.0.2.1')).toBe(0);
      attempts.recordFailure('192.0.2.1');
    }
    expect(attempts.retryAfter('192.0.2.1')).toBe(60);
    nowMs += 59_500;
    expect(attempts.retryAfter('192.0.2.1')).toBe(1);
    nowMs += 500;
    expect(attempts.retryAfter('192.0.2.1')).toBe(0);
  });

  it('counts each address on its own', () => {
    const attempts = limiter(1);
    attempts.recordFailure('192.0.2.1');
    expect([attempts.retryAfter('192.0.2.1'), attempts.retryAfter('192.0.2.2')]).toEqual([60, 0]);
  });

  it('starts a new window with one failure once the old one has ended', () => {
    const attempts = limiter(2);
    attempts.recordFailure('192.0.2.1');
    nowMs += 60_000;
    attempts.recordFailure('192.0.2.1');
    expect(attempts.retryAfter('192.0.2.1')).toBe(0);
  });

  it('remembers at most maxClients addresses, dropping the oldest window first', () => {
    const attempts = limiter(1, 3);
    for (const address of ['a', 'b', 'c', 'd']) {
      attempts.recordFailure(address);
      nowMs += 1000;
    }
    expect([attempts.clients, attempts.retryAfter('a'), attempts.retryAfter('d')]).toEqual([3, 0, 59]);
  });
});
