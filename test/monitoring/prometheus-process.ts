import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/test/server-process.js';
import { spawnUntilReady } from './ready-process.js';

export interface PrometheusProcess {
  url: string;
  query(expr: string): Promise<PromQueryResult>;
  stop(): Promise<void>;
}

export interface PromQueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

export interface ScrapeTarget {
  job: string;
  address: string;
  labels: Record<string, string>;
}

/**
 * Debian's real Prometheus, scraping the targets and evaluating the rules every second, sending alerts to the given
 * Alertmanagers, with its data in a throwaway directory.
 */
export async function startPrometheus(
  targets: ScrapeTarget[],
  options: { ruleFiles?: string[]; alertmanagers?: string[] } = {},
): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: options.ruleFiles ?? [],
    alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers ?? [] }] }] },
    scrape_configs: targets.map((target) => ({
      job_name: target.job,
      static_configs: [{ targets: [target.address], labels: target.labels }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const prometheus = await spawnUntilReady(
    'Prometheus',
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
  );
  const url = prometheus.url;
  return {
    url,
    query: async (expr) => (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as PromQueryResult,
    async stop() {
      await prometheus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
