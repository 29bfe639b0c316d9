import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileErrors: Counter<'kind'>;
  reconcileDuration: Histogram;
  queueDepth: Gauge;
  apiRequests: Counter<'method' | 'code'>;
  leader: Gauge;
}

const PREFIX = 'keyservice_operator_';

/** A registry per operator process (never prom-client's global one), so tests start from zero. */
export function createOperatorMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  // These gauges break the naming rule promtool checks (`_total` is for counters) and only repeat
  // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources, as in the key server.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`${PREFIX}nodejs_${name}`);
  return {
    registry,
    reconciles: new Counter({
      name: 'keyservice_operator_reconcile_total',
      help: 'Reconciles of a KeyService, by result (success, retry, terminal)',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'keyservice_operator_reconcile_errors_total',
      help: 'Reconciles that failed, by kind (retriable, terminal)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'keyservice_operator_reconcile_duration_seconds',
      help: 'Time one reconcile of a KeyService takes',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'keyservice_operator_queue_depth',
      help: 'KeyService keys waiting in the work queue',
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: 'keyservice_operator_api_requests_total',
      help: 'Requests to the Kubernetes API server, by method and HTTP status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'keyservice_operator_leader',
      help: '1 while this process holds the leader lease (or leader election is off)',
      registers: [registry],
    }),
  };
}
