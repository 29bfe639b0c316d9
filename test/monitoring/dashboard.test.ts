import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { rawRequest } from '../../server/test/http-client.js';
import { killAllServerProcesses, startServerProcess, stopServerProcess, type ServerProcess } from '../../server/test/server-process.js';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.js';
import { waitFor } from '../wait-for.js';

jest.setTimeout(60_000);

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string }[] };
}

/** The README's sample queries: every non-comment line of its promql block. */
const readmeQueries = (/```promql\n([\s\S]*?)```/.exec(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))?.[1] ?? '')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));
const dashboard = JSON.parse(readFileSync(new URL('../../helm-chart/dashboards/keyservice.json', import.meta.url), 'utf8')) as Dashboard;
const JOB = 'key-service';
const NAMESPACE = 'keys';

describe('the Grafana dashboard (helm-chart/dashboards/keyservice.json)', () => {
  let server: ServerProcess;
  let prometheus: PrometheusProcess;
  beforeAll(async () => {
    server = await startServerProcess(['--max-size', '2048']);
    prometheus = await startPrometheus([{ job: JOB, address: `127.0.0.1:${server.metricsPort}`, labels: { namespace: NAMESPACE } }]);
    const scrapedResponses = async () => {
      const result = await prometheus.query(`sum(http_responses_total{job="${JOB}"})`);
      return Number(result.data?.result[0]?.value[1] ?? -1);
    };
    const waitUntil = (what: string, done: () => Promise<boolean>) =>
      waitFor(what, async () => (await done()) || undefined, { timeoutMs: 30_000, intervalMs: 100 });
    await waitUntil('the first scrape', async () => ((await prometheus.query(`up{job="${JOB}"} == 1`)).data?.result.length ?? 0) > 0);
    // Traffic spread over several scrapes, so every rate() in the panels sees the counters move.
    const paths = ['/key/32', '/key/512', '/key/2048', '/key/4096', '/key/abc'];
    for (let round = 0; round < 40; round++) {
      await Promise.all(paths.map((path) => rawRequest(server.srvPort, path)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitUntil('Prometheus to scrape all 200 responses', async () => (await scrapedResponses()) >= 200);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await stopServerProcess(server);
    killAllServerProcesses();
  });

  it('chooses the cluster, the namespace and the KeyService (job) through variables', () => {
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'cluster', 'namespace', 'job']);
  });

  it('sizes every window by Grafana ($__rate_interval for rates, $__range for totals) and filters by the cluster variable', () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(exprs.filter((expr) => /\[\d+[smh]\]/.test(expr))).toEqual([]);
    expect(exprs.filter((expr) => expr.includes('rate(') && !expr.includes('[$__rate_interval]'))).toEqual([]);
    expect(exprs.filter((expr) => expr.includes('increase(') && !expr.includes('[$__range]'))).toEqual([]);
    expect(exprs.filter((expr) => !expr.includes('cluster=~"$cluster"'))).toEqual([]);
  });

  it('covers request rate, error share, latency percentiles, key sizes and replicas', () => {
    expect(dashboard.panels.map((panel) => panel.title)).toEqual([
      'Request rate by status',
      'Error share (5xx)',
      'GET /key latency percentiles',
      'Requested key sizes',
      'Replicas serving',
      'Refused key requests',
    ]);
  });

  it('has the README\'s three sample queries to check', () => {
    expect(readmeQueries).toHaveLength(3);
  });

  it.each(readmeQueries)('README sample query %s returns a number from the live Prometheus', async (expr) => {
    const result = await prometheus.query(expr);
    expect(result.status).toBe('success');
    expect(result.data?.result).toHaveLength(1);
    expect(Number.isNaN(Number(result.data?.result[0]?.value[1]))).toBe(false);
  });

  const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => [panel.title, target.expr] as const));
  it.each(queries)('%s: %s parses and returns data from the live Prometheus', async (_title, expr) => {
    // As Grafana would substitute them: "All" of a cluster variable is its allValue, which also matches series
    // without a cluster label (this Prometheus adds none); $__rate_interval is at least four scrape intervals, and
    // $__range is the dashboard's time range.
    const concrete = expr
      .replaceAll('$job', JOB)
      .replaceAll('$namespace', NAMESPACE)
      .replaceAll('$cluster', '.*')
      .replaceAll('$__rate_interval', '1m')
      .replaceAll('$__range', '1h');
    const result = await prometheus.query(concrete);
    expect({ status: result.status, error: result.error }).toEqual({ status: 'success', error: undefined });
    expect(result.data?.result.length).toBeGreaterThan(0);
    for (const sample of result.data?.result ?? []) expect(Number.isNaN(Number(sample.value[1]))).toBe(false);
  });
});
