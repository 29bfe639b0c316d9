// npm run bench:operator — starts its own local control plane, runs the built operator against it, and measures:
// the time from applying 1, 100 and 400 KeyServices to all their children applied and status written; the write
// requests the operator makes while idle across resyncs (a short --resync-seconds), and after a restart, counted
// from the API server's audit log (Lease renewals counted apart); its peak RSS.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = process.cwd();
const CLUSTER_DIR = join(ROOT, '.cluster-bench');
const COUNTS = [1, 100, 400];
const TOTAL = COUNTS.reduce((a, b) => a + b, 0);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '60');
const RESYNC_SECONDS = Number(process.env.BENCH_RESYNC_SECONDS ?? '10');
const CONVERGE_TIMEOUT_MS = 300_000;

function clusterEnv(): Map<string, string> {
  return new Map(
    readFileSync(join(CLUSTER_DIR, 'env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  const result = spawnSync(join(env.get('CLUSTER_BIN') ?? '', 'kubectl'), ['--kubeconfig', env.get('KUBECONFIG') ?? '', ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function keyServiceList(namespace: string, count: number): string {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'keyservice.io/v1alpha1',
    kind: 'KeyService',
    metadata: { name: `ks-${i}`, namespace },
    spec: { maxSize: 1024 + i },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

interface KeyServiceItem {
  metadata: { generation: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/** Every KeyService has a status for its generation that says its children are applied, and every child exists. */
function converged(namespace: string, count: number): boolean {
  const list = JSON.parse(kubectl(['get', 'keyservices', '-n', namespace, '-o', 'json'])) as { items: KeyServiceItem[] };
  const done = list.items.filter(
    (ks) =>
      ks.status?.observedGeneration === ks.metadata.generation &&
      ks.status.conditions?.some((c) => c.type === 'Degraded' && c.status === 'False'),
  ).length;
  if (done < count) return false;
  const children = kubectl(['get', 'deployments,services,servicemonitors,prometheusrules', '-n', namespace, '-o', 'name']);
  return children.trim().split('\n').length === count * 4;
}

async function waitConverged(namespace: string, count: number, started: number): Promise<void> {
  while (!converged(namespace, count)) {
    if (performance.now() - started > CONVERGE_TIMEOUT_MS) throw new Error(`${count} KeyServices did not converge in ${CONVERGE_TIMEOUT_MS} ms`);
    await sleep(200);
  }
}

async function metricSum(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/**
 * The operator's writes in the audit log since byte offset `mark`, as {writes, leases}: the same reading as
 * test/cluster/audit-log.ts (the bench runs under plain node, which cannot import that .ts file by its .js name).
 */
function auditWrites(path: string, mark: number): { writes: number; leases: number } {
  const buffer = Buffer.alloc(Math.max(0, statSync(path).size - mark));
  const fd = openSync(path, 'r');
  readSync(fd, buffer, 0, buffer.length, mark);
  closeSync(fd);
  const text = buffer.toString('utf8');
  const events = text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { stage: string; verb: string; userAgent?: string; objectRef?: { resource?: string } })
    .filter((e) => e.stage === 'ResponseComplete' && (e.userAgent ?? '').startsWith('keyservice-operator'))
    .filter((e) => ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(e.verb));
  const leases = events.filter((e) => e.objectRef?.resource === 'leases').length;
  return { writes: events.length - leases, leases };
}

function startOperator(port: number, kubeconfig: string): ChildProcess {
  return spawn(
    process.execPath,
    ['dist/operator/src/main.js', '--metrics-port', String(port), '--leader-elect', '--leader-election-namespace', 'keyservice-system',
      '--log-level', 'warn', '--resync-seconds', String(RESYNC_SECONDS)],
    { env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 240 && !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(250);
}

const RECONCILES = /^keyservice_operator_reconcile_total/;

/** Waits until the operator has reconciled `count` times in all: proof that the rounds being counted ran. */
async function waitReconciles(port: number, count: number): Promise<void> {
  const deadline = performance.now() + CONVERGE_TIMEOUT_MS;
  while ((await metricSum(port, RECONCILES)) < count) {
    if (performance.now() > deadline) throw new Error(`fewer than ${count} reconciles in ${CONVERGE_TIMEOUT_MS} ms`);
    await sleep(500);
  }
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  execFileSync('bash', ['test/cluster/down.sh', CLUSTER_DIR], { stdio: 'inherit' });
  execFileSync('bash', ['test/cluster/up.sh', '--kwok-only', CLUSTER_DIR], { stdio: 'inherit' });
  const env = clusterEnv();
  const port = await freePort();
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    const crds = env.get('PROMETHEUS_OPERATOR_CRDS') ?? '';
    kubectl(['apply', '--server-side', '-f', join(crds, 'monitoring.coreos.com_servicemonitors.yaml'), '-f', join(crds, 'monitoring.coreos.com_prometheusrules.yaml')]);
    kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    kubectl(['create', 'namespace', 'keyservice-system']);
    const kubeconfig = env.get('KUBECONFIG') ?? '';
    const audit = env.get('AUDIT_LOG') ?? '';
    operator = startOperator(port, kubeconfig);
    const pid = operator.pid ?? 0;
    await waitReady(port);

    const rows: string[] = [];
    for (const count of COUNTS) {
      const namespace = `bench-${count}`;
      kubectl(['create', 'namespace', namespace]);
      const started = performance.now();
      kubectl(['apply', '--server-side', '-f', '-'], keyServiceList(namespace, count));
      await waitConverged(namespace, count, started);
      rows.push(`converge ${String(count).padStart(3)} KeyServices: ${((performance.now() - started) / 1000).toFixed(2)} s`);
      process.stdout.write(`${rows.at(-1)}\n`);
    }

    // Let the Deployments finish rolling out (their status changes are real changes), then count writes.
    for (let quiet = 0, mark = statSync(audit).size; quiet < 3; ) {
      await sleep(5_000);
      quiet = auditWrites(audit, mark).writes === 0 ? quiet + 1 : 0;
      mark = statSync(audit).size;
    }
    const idleMark = statSync(audit).size;
    const idleStart = await metricSum(port, RECONCILES);
    await sleep(IDLE_SECONDS * 1000);
    const idle = auditWrites(audit, idleMark);
    const idleRounds = ((await metricSum(port, RECONCILES)) - idleStart) / TOTAL;
    rows.push(`idle ${IDLE_SECONDS} s with ${TOTAL} KeyServices, --resync-seconds ${RESYNC_SECONDS} (${idleRounds.toFixed(1)} reconciles each): ${idle.writes} writes (audit log; Lease renewals apart: ${idle.leases})`);
    const heapMb = Math.round((await metricSum(port, /^keyservice_operator_nodejs_heap_size_used_bytes /)) / 2 ** 20);
    rows.push(`operator peak RSS: ${peakRssMb(pid)} MB (V8 heap in use at the end: ${heapMb} MB)`);

    // A restart: every child now comes from the initial lists, whose items carry no kind or apiVersion.
    const stopped = new Promise((resolve) => operator?.once('exit', resolve));
    operator.kill('SIGTERM');
    await stopped;
    const restartMark = statSync(audit).size;
    const restarted = performance.now();
    operator = startOperator(port, kubeconfig);
    await waitReady(port);
    await waitReconciles(port, TOTAL);
    const afterRestart = auditWrites(audit, restartMark);
    rows.push(`restart, first reconcile of all ${TOTAL} KeyServices (${((performance.now() - restarted) / 1000).toFixed(1)} s): ${afterRestart.writes} writes (audit log; Lease: ${afterRestart.leases})`);
    const resyncMark = statSync(audit).size;
    await waitReconciles(port, 3 * TOTAL);
    const resyncs = auditWrites(audit, resyncMark);
    rows.push(`then 2 more resyncs of all ${TOTAL}: ${resyncs.writes} writes (audit log; Lease: ${resyncs.leases})`);
    process.stdout.write(`\n${rows.join('\n')}\n`);
  } finally {
    operator?.kill('SIGTERM');
    execFileSync('bash', ['test/cluster/down.sh', CLUSTER_DIR], { stdio: 'inherit' });
  }
}

await main();
