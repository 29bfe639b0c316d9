import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../server/test/server-process.js';

export interface Receivers {
  slackUrlFile: string;
  smtpPort: number;
  smtpPasswordFile: string;
}

/**
 * monitoring/alertmanager.yml as shipped, with only what a test must change: the addresses of the local Slack and
 * SMTP stand-ins (plain SMTP on loopback) and timings short enough to wait for.
 */
export function alertmanagerConfigForTest(receivers: Receivers): string {
  const config = parse(readFileSync(new URL('../../monitoring/alertmanager.yml', import.meta.url), 'utf8')) as {
    global: Record<string, unknown>;
    route: Record<string, unknown>;
    receivers: { name: string; slack_configs?: Record<string, unknown>[] }[];
  };
  Object.assign(config.global, {
    smtp_smarthost: `127.0.0.1:${receivers.smtpPort}`,
    smtp_auth_password_file: receivers.smtpPasswordFile,
    smtp_require_tls: false,
  });
  Object.assign(config.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' });
  for (const receiver of config.receivers) {
    for (const slack of receiver.slack_configs ?? []) slack.api_url_file = receivers.slackUrlFile;
  }
  return stringify(config);
}

/** Debian's real Alertmanager on loopback, clustering off. */
export async function startAlertmanager(dir: string, config: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const child = spawn(
    'prometheus-alertmanager',
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${url}/-/ready`).then((res) => res.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Alertmanager did not become ready:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
