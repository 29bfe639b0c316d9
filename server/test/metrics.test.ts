import { createMetrics, keyLengthBuckets } from '../src/metrics.js';

describe('keyLengthBuckets', () => {
  it('gives 20 clean linear buckets up to the maximum', () => {
    expect(keyLengthBuckets(2048)).toEqual([
      102.4, 204.8, 307.2, 409.6, 512, 614.4, 716.8, 819.2, 921.6, 1024, 1126.4, 1228.8, 1331.2, 1433.6, 1536, 1638.4,
      1740.8, 1843.2, 1945.6, 2048,
    ]);
  });

  it('has no float noise where repeated addition would have it', () => {
    expect(keyLengthBuckets(1024).map(String)).toContain('153.6');
    expect(keyLengthBuckets(1024).map(String)).toContain('563.2');
  });

  it('ends exactly at the maximum for awkward sizes', () => {
    expect(keyLengthBuckets(7).at(-1)).toBe(7);
    expect(keyLengthBuckets(1)).toHaveLength(20);
  });
});

describe('createMetrics', () => {
  it('records responses by status code and latency by route', async () => {
    const metrics = createMetrics(100, { defaultMetrics: false });
    metrics.recordResponse('/key/{length}', 200, 0.0002);
    metrics.recordResponse('/key/{length}', 200, 0.0002);
    metrics.recordResponse('unmatched', 404, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_responses_total{status_code="200"} 2');
    expect(text).toContain('http_responses_total{status_code="404"} 1');
    expect(text).toContain('request_latency_seconds_count{endpoint="/key/{length}"} 2');
    expect(text).toContain('request_latency_seconds_bucket{le="0.00025",endpoint="/key/{length}"} 2');
    expect(text).toContain('request_latency_seconds_count{endpoint="unmatched"} 1');
  });

  it('keeps each registry apart', async () => {
    const first = createMetrics(100, { defaultMetrics: false });
    const second = createMetrics(100, { defaultMetrics: false });
    first.observeKeyLength(10);
    expect(await second.registry.getSingleMetricAsString('key_length_bytes')).toContain('key_length_bytes_count 0');
    expect(await first.registry.getSingleMetricAsString('key_length_bytes')).toContain('key_length_bytes_count 1');
  });
});
