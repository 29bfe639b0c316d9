import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createMetricsApp } from '../src/metrics-app.js';
import { createMetrics } from '../src/metrics.js';
import { rawRequest } from './http-client.js';

describe('the metrics port', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const metrics = createMetrics(1024, { defaultMetrics: true });
    metrics.observeKeyLength(32);
    server = createServer(createMetricsApp(metrics.registry, pino({ level: 'silent' }), { serving: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the Prometheus text format on GET /metrics, default metrics included', async () => {
    const res = await rawRequest(port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('key_length_bytes_bucket{le="51.2"} 1');
    expect(res.text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('answers 405 with Allow to other methods', async () => {
    const res = await rawRequest(port, '/metrics', { method: 'POST' });
    expect([res.status, res.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it.each(['/', '/key/32', '/metrics/'])('answers 404 for %s', async (path) => {
    expect((await rawRequest(port, path)).status).toBe(404);
  });
});
