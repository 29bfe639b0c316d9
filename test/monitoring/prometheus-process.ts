import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/test/server-process.js';

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
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((res) => res.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Prometheus did not become ready:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    query: async (expr) => (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as PromQueryResult,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
