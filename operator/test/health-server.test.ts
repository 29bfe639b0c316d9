import type { AddressInfo } from 'node:net';
import { createHealthServer } from '../src/health-server.js';
import { createOperatorMetrics } from '../src/operator-metrics.js';

describe('the health server', () => {
  let ready = false;
  const metrics = createOperatorMetrics();
  const server = createHealthServer(metrics.registry, { ready: () => ready });
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return [res.status, await res.text()];
  };

  it('answers /healthz with 200 ok', async () => {
    expect(await get('/healthz')).toEqual([200, 'ok']);
  });

  it('answers /readyz with 503 until ready, then 200', async () => {
    const before = await get('/readyz');
    ready = true;
    expect([before, await get('/readyz')]).toEqual([
      [503, 'not ready'],
      [200, 'ok'],
    ]);
  });

  it('serves the reconcile count, error count, duration and queue depth on /metrics', async () => {
    metrics.reconciles.inc({ result: 'success' });
    metrics.queueDepth.set(3);
    const [, text] = await get('/metrics');
    const lines = String(text).split('\n');
    expect([
      lines.includes('keyservice_operator_reconcile_total{result="success"} 1'),
      lines.includes('keyservice_operator_queue_depth 3'),
      lines.some((l) => l.startsWith('# TYPE keyservice_operator_reconcile_duration_seconds histogram')),
      lines.some((l) => l.startsWith('# TYPE keyservice_operator_reconcile_errors_total counter')),
    ]).toEqual([true, true, true, true]);
  });

  it('answers 404 elsewhere', async () => {
    expect(await get('/nope')).toEqual([404, 'not found']);
  });
});
