import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { parseOperatorCommand, type OperatorConfig } from './config.js';
import { Controller } from './controller.js';
import { errorMessage } from './errors.js';
import { createHealthServer } from './health-server.js';
import { loadConnection } from './kube-connection.js';
import { createKubeHttp, type KubeHttp } from './kube-http.js';
import { createKubeApi } from './kube.js';
import { LeaderElector, createLeaseStore } from './leader-election.js';
import { createOperatorMetrics, type OperatorMetrics } from './operator-metrics.js';
import { mintApiKey } from './mint-api-key.js';
import { renderKeyServices } from './render.js';

/** Where helm-chart/dashboards/keyservice.json sits beside the built operator, in the repository and in the image. */
const DASHBOARD_FILE = new URL('../../../helm-chart/dashboards/keyservice.json', import.meta.url);
const readDashboard = () => readFileSync(DASHBOARD_FILE, 'utf8');

const sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

function leaderElector(http: KubeHttp, config: OperatorConfig, log: Logger): LeaderElector {
  return new LeaderElector(createLeaseStore(http, config.leaderElectionNamespace, config.leaderElectionId), {
    identity: config.identity,
    // 15 s lease, 10 s renew deadline, 2 s retry: a standby takes over within about 17 s of a crash.
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    now: Date.now,
    sleep,
    log,
  });
}

async function runOperator(config: OperatorConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const log = pino({ level: config.logLevel, base: { component: 'keyservice-operator' } });
  const metrics: OperatorMetrics = createOperatorMetrics();
  const connection = await loadConnection(env);
  const observe = (method: string, code: number | 'error') => metrics.apiRequests.inc({ method, code: String(code) });
  const userAgent = `keyservice-operator/${config.identity.replace(/[^\x21-\x7e]/g, '_')}`;
  // The Lease has a client (and sockets) of its own, so that renewals never queue behind the reconciles' requests.
  const elector = config.leaderElect
    ? leaderElector(createKubeHttp(connection, { observe, userAgent, timeoutMs: config.requestTimeoutMs }), config, log)
    : null;
  const mayWrite = () => elector?.isLeader() ?? true;
  const http = createKubeHttp(connection, { observe, userAgent, timeoutMs: config.requestTimeoutMs, mayWrite });
  const controller = new Controller({
    http,
    api: createKubeApi(http),
    log,
    metrics,
    desired: { defaultImage: config.image, dashboardJson: readDashboard() },
    watchNamespace: config.watchNamespace,
    workers: config.workers,
    resyncSeconds: config.resyncSeconds,
    monitoringPollSeconds: config.monitoringPollSeconds,
    identity: config.identity,
    now: () => new Date(),
  });
  let leading = false;
  const server = createHealthServer(metrics.registry, { ready: () => (leading ? controller.isSynced() : true) });
  server.once('error', (error: NodeJS.ErrnoException) => {
    // A port in use is a configuration mistake: say which flag, once, and exit as for any bad flag.
    const why = error.code === 'EADDRINUSE' ? 'is in use by another process' : `cannot be listened on (${error.message})`;
    process.stderr.write(`--metrics-port ${config.metricsPort} ${why}; choose another port with --metrics-port\n`);
    process.exit(2);
  });
  server.listen(config.metricsPort);
  const stopping = new AbortController();

  const shutdown = async (code: number) => {
    stopping.abort();
    log.info({ code }, 'stopping');
    await controller.stop();
    if (elector && leading) await elector.release().catch(() => undefined);
    server.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));

  if (elector) {
    log.info({ identity: config.identity, lease: `${config.leaderElectionNamespace}/${config.leaderElectionId}` }, 'waiting for the leader lease');
    if (!(await elector.acquire(stopping.signal))) return;
    log.info({ identity: config.identity }, 'became the leader');
  }
  leading = true;
  metrics.leader.set(1);
  // Renewals run beside start-up and the reconciles, never after them: a slow sync must not outlast the Lease.
  void elector?.holdUntilLost(stopping.signal).then((lost) => {
    if (!lost) return;
    // Another process may already act: exit now, without draining the queue (writes are fenced meanwhile).
    metrics.leader.set(0);
    log.fatal({ identity: config.identity }, 'leader lease lost; exiting');
    process.exit(1);
  });
  await controller.start();
}

/** One line on stderr and exit code 2, in the key server's format: what a user got wrong, never a stack. */
function refuse(problems: string[]): void {
  process.stderr.write(problems.map((problem) => `keyservice-operator: ${problem.replace(/\s+/g, ' ')}\n`).join(''));
  process.exitCode = 2;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function readRenderFile(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    refuse([`render: cannot read -f ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`]);
    return null;
  }
}

function main(argv: string[]): void {
  const command = parseOperatorCommand(argv, process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return;
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return;
    case 'invalid':
      refuse(command.problems);
      return;
    case 'render': {
      const text = readRenderFile(command.file);
      if (text === null) return;
      const result = renderKeyServices(
        text,
        { defaultImage: command.image, dashboardJson: readDashboard() },
        { now: new Date(), mint: mintApiKey },
        command.rulesOnly,
      );
      if (result.ok) process.stdout.write(result.yaml);
      else process.stderr.write(`${result.problems.join('\n')}\n`);
      process.exitCode = result.ok ? 0 : 1;
      return;
    }
    case 'run':
      runOperator(command.config, process.env).catch((error: unknown) => {
        process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: errorMessage(error) })}\n`);
        process.exit(1);
      });
  }
}

main(process.argv.slice(2));
