// npm run bench:operator — starts its own local control plane, runs the built operator against it, and measures:
// the time from applying 1, 100 and 300 KeyServices to all their children applied and status written; the write
// requests the operator makes during a 60 s idle window (Lease renewals counted apart); its peak RSS.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = process.cwd();
const CLUSTER_DIR = join(ROOT, '.cluster-bench');
const COUNTS = [1, 100, 300];
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '60');
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
    operator = spawn(
      process.execPath,
      ['dist/operator/src/main.js', '--metrics-port', String(port), '--leader-elect', '--leader-election-namespace', 'keyservice-system', '--log-level', 'warn'],
      { env: { PATH: process.env.PATH, KUBECONFIG: env.get('KUBECONFIG') }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const pid = operator.pid ?? 0;
    for (let i = 0; i < 120 && !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(250);

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
    const writes = /^keyservice_operator_api_requests_total\{method="(PATCH|POST|DELETE)"/;
    const leases = /^keyservice_operator_api_requests_total\{method="PUT"/;
    let settled = await metricSum(port, writes);
    for (let quiet = 0; quiet < 3; ) {
      await sleep(5_000);
      const now = await metricSum(port, writes);
      quiet = now === settled ? quiet + 1 : 0;
      settled = now;
    }
    const [writesBefore, leasesBefore] = [await metricSum(port, writes), await metricSum(port, leases)];
    await sleep(IDLE_SECONDS * 1000);
    const [writesAfter, leasesAfter] = [await metricSum(port, writes), await metricSum(port, leases)];
    rows.push(`idle ${IDLE_SECONDS} s with ${COUNTS.reduce((a, b) => a + b, 0)} KeyServices: ${writesAfter - writesBefore} writes (Lease renewals apart: ${leasesAfter - leasesBefore})`);
    const heapMb = Math.round((await metricSum(port, /^keyservice_operator_nodejs_heap_size_used_bytes /)) / 2 ** 20);
    rows.push(`operator peak RSS: ${peakRssMb(pid)} MB (V8 heap in use at the end: ${heapMb} MB)`);
    process.stdout.write(`\n${rows.join('\n')}\n`);
  } finally {
    operator?.kill('SIGTERM');
    execFileSync('bash', ['test/cluster/down.sh', CLUSTER_DIR], { stdio: 'inherit' });
  }
}

await main();
