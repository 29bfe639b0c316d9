import { RateLimiter } from '../src/rate-limit.js';

describe('RateLimiter', () => {
  let nowMs: number;
  const limiter = (rate: number) => new RateLimiter(rate, () => nowMs);
  beforeEach(() => {
    nowMs = 10_000;
  });

  it('lets a burst of `rate` through, then asks the client to wait', () => {
    const limit = limiter(3);
    expect([1, 2, 3, 4].map(() => limit.take('a'))).toEqual([0, 0, 0, 1]);
  });

  it('keeps clients apart', () => {
    const limit = limiter(1);
    expect([limit.take('a'), limit.take('b'), limit.take('a')]).toEqual([0, 0, 1]);
  });

  it('refills at `rate` tokens per second', () => {
    const limit = limiter(2);
    limit.take('a');
    limit.take('a');
    expect(limit.take('a')).toBe(1);
    nowMs += 500;
    expect([limit.take('a'), limit.take('a')]).toEqual([0, 1]);
  });

  it('answers Retry-After in whole seconds, rounded up, for slow rates', () => {
    const limit = new RateLimiter(0.25, () => nowMs);
    limit.take('a');
    expect(limit.take('a')).toBe(4);
  });

  it('forgets clients idle for a second, so memory stays bounded', () => {
    const limit = limiter(5);
    for (let i = 0; i < 100; i++) limit.take(`client-${i}`);
    expect(limit.clients).toBe(100);
    nowMs += 1500;
    limit.take('late');
    expect(limit.clients).toBe(1);
  });
});
