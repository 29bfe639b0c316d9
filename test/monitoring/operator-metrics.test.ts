import { spawnSync } from 'node:child_process';
import { createOperatorMetrics } from '../../operator/src/operator-metrics.js';

describe("the operator's metrics", () => {
  it('pass promtool check metrics, every series set once', async () => {
    const metrics = createOperatorMetrics();
    metrics.reconciles.inc({ result: 'success' });
    metrics.reconcileErrors.inc({ kind: 'retriable' });
    metrics.reconcileDuration.observe(0.01);
    metrics.queueDepth.set(3);
    metrics.apiRequests.inc({ method: 'PATCH', code: '200' });
    metrics.leader.set(1);
    const text = await metrics.registry.metrics();
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: result.status, problems: result.stdout + result.stderr }).toEqual({ status: 0, problems: '' });
    expect(text).toContain('keyservice_operator_leader 1');
  });
});
