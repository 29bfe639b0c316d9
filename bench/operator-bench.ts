// npm run bench:operator — starts its own kwok-only control plane and, for 1, 100, 300 and 1000 KeyServices, takes
// the time from applying them to every child applied and every status written: first with the baseline client
// (bench/operator-baseline.ts: the same children and status, no watch or queue, the API server's limit), then with
// the built operator, and prints their ratio. Each round has a namespace (and, for the operator, a process) of its
// own, deleted before the next. With 1000 it then counts the operator's writes while idle across resyncs and after
// a restart, from the API server's audit log (Lease renewals apart); peak RSS and V8 heap of the operator, and API
// requests per KeyService, come from every round. Writes docs/bench/operator.md and docs/bench/operator.png.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as BarChart from './bar-chart.js';
import type * as Cluster from './bench-cluster.js';
import type * as Http from '../operator/src/kube-http.js';

const { writeBarChartPng } = (await import(new URL('./bar-chart.ts', import.meta.url).href)) as typeof BarChart;
const cluster = (await import(new URL('./bench-cluster.ts', import.meta.url).href)) as typeof Cluster;
const { kubectl, auditRequests, freePort, sleep, metricSum } = cluster;

/** BENCH_COUNTS=1,50 for a quick look; the goals speak of the largest. */
const COUNTS = (process.env.BENCH_COUNTS ?? '1,100,300,1000').split(',').map(Number);
const LARGEST = COUNTS.at(-1) ?? 0;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '300');
const RESYNC_SECONDS = 30;
const CONVERGE_TIMEOUT_MS = 900_000;
const OPERATOR_AGENT = 'keyservice-operator';
const BASELINE_AGENT = 'keyservice-bench-baseline';
let poller: Http.KubeHttp;
const GOALS = { ratioAtLargest: 1.5, idleWrites: 0, rssMbAtLargest: 150 };

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

/**
 * Every KeyService has a status for its generation that says its children are applied. Read from the API server's
 * watch cache (resourceVersion 0), which spares etcd; a failed read is only a look that did not see it yet.
 */
async function converged(http: Http.KubeHttp, namespace: string, count: number): Promise<boolean> {
  const path = `/apis/keyservice.io/v1alpha1/namespaces/${namespace}/keyservices`;
  const list = await http.request<{ items: KeyServiceItem[] }>({ method: 'GET', path, query: { resourceVersion: '0' } }).catch(() => ({ items: [] }));
  const done = list.items.filter(
    (ks) =>
      ks.status?.observedGeneration === ks.metadata.generation &&
      ks.status.conditions?.some((c) => c.type === 'Degraded' && c.status === 'False'),
  ).length;
  return done === count;
}

/** Both clients write a status only after every child: checked once, after the clock has stopped. */
function checkChildren(namespace: string, count: number): void {
  const children = kubectl(['get', 'deployments,services,servicemonitors,prometheusrules', '-n', namespace, '-o', 'name']);
  const found = children.trim().split('\n').length;
  if (found !== count * 4) throw new Error(`${namespace}: ${found} children, not ${count * 4}`);
}

/**
 * Applies `count` KeyServices, starts `client` on them and polls until they converge, the same way for the
 * baseline and the operator; `onPoll` runs between polls (the heap sampler). Returns seconds.
 */
async function timeConvergence(namespace: string, count: number, client: () => unknown, onPoll: () => Promise<void>): Promise<number> {
  const started = performance.now();
  kubectl(['apply', '--server-side', '-f', '-'], keyServiceList(namespace, count));
  client();
  while (!(await converged(poller, namespace, count))) {
    if (performance.now() - started > CONVERGE_TIMEOUT_MS) throw new Error(`${count} KeyServices did not converge in ${CONVERGE_TIMEOUT_MS} ms`);
    await onPoll();
    // Each look lists every KeyService: at 1000 a look a second keeps the reads from loading the API server.
    await sleep(Math.max(100, count));
  }
  const seconds = (performance.now() - started) / 1000;
  checkChildren(namespace, count);
  return seconds;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));
}

async function startBaseline(namespace: string, kubeconfig: string): Promise<{ child: ChildProcess; result: Promise<string> }> {
  const child = spawn(process.execPath, ['bench/operator-baseline.ts', namespace], {
    env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => output.startsWith('ready\n') && resolve());
    child.once('exit', (code) => reject(new Error(`the baseline client exited with ${code} before it was ready`)));
  });
  const result = exited(child).then((code) => {
    if (code !== 0) throw new Error(`the baseline client exited with ${code}`);
    return output.slice('ready\n'.length);
  });
  return { child, result };
}

async function baselineRound(namespace: string, count: number, kubeconfig: string, audit: string): Promise<{ seconds: number; ownSeconds: number; writes: number; requests: number }> {
  kubectl(['create', 'namespace', namespace]);
  const baseline = await startBaseline(namespace, kubeconfig);
  const mark = statSync(audit).size;
  const seconds = await timeConvergence(namespace, count, () => baseline.child.stdin?.write('go\n'), () => Promise.resolve());
  const { requests, seconds: ownSeconds } = JSON.parse(await baseline.result) as { requests: number; seconds: number };
  return { seconds, ownSeconds, writes: auditRequests(audit, mark, BASELINE_AGENT).writes, requests };
}

function startOperator(port: number, kubeconfig: string, namespace: string): ChildProcess {
  return spawn(
    process.execPath,
    ['dist/operator/src/main.js', '--metrics-port', String(port), '--leader-elect', '--leader-election-namespace', 'keyservice-system',
      '--watch-namespace', namespace, '--log-level', 'warn', '--resync-seconds', String(RESYNC_SECONDS)],
    { env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** Leading and synced: /readyz alone is ok while a candidate still waits for the Lease. */
async function waitReady(port: number): Promise<void> {
  const leading = () => metricSum(port, /^keyservice_operator_leader /).then((v) => v === 1, () => false);
  const ready = () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
  for (let i = 0; i < 240 && !((await leading()) && (await ready())); i++) await sleep(250);
}

const RECONCILES = /^keyservice_operator_reconcile_total/;
const API_REQUESTS = /^keyservice_operator_api_requests_total/;
const HEAP_USED = /^keyservice_operator_nodejs_heap_size_used_bytes /;

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

async function stop(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  await done;
}

interface OperatorRound {
  seconds: number;
  writes: number;
  leases: number;
  requests: number;
  rssMb: number;
  heapMb: number;
}

/** Deployments rolling out are real changes; the idle count starts once the operator has written nothing for 15 s. */
async function waitQuiet(audit: string): Promise<void> {
  for (let quiet = 0, mark = statSync(audit).size; quiet < 3; ) {
    await sleep(5_000);
    quiet = auditRequests(audit, mark, OPERATOR_AGENT).writes === 0 ? quiet + 1 : 0;
    mark = statSync(audit).size;
  }
}

async function idleAndRestart(operator: ChildProcess, port: number, kubeconfig: string, audit: string): Promise<{ rows: string[]; operator: ChildProcess; idleWrites: number }> {
  const namespace = `operator-${LARGEST}`;
  await waitQuiet(audit);
  const idleMark = statSync(audit).size;
  const idleStart = await metricSum(port, RECONCILES);
  await sleep(IDLE_SECONDS * 1000);
  const idle = auditRequests(audit, idleMark, OPERATOR_AGENT);
  const idleRounds = ((await metricSum(port, RECONCILES)) - idleStart) / LARGEST;
  const rows = [`idle ${IDLE_SECONDS} s with ${LARGEST} KeyServices, --resync-seconds ${RESYNC_SECONDS} (${idleRounds.toFixed(1)} reconciles each): ${idle.writes} writes (goal ${GOALS.idleWrites}; Lease renewals apart: ${idle.leases})`];
  // A restart: every child now comes from the initial lists, whose items carry no kind or apiVersion.
  await stop(operator);
  const restartMark = statSync(audit).size;
  const restarted = performance.now();
  const next = startOperator(port, kubeconfig, namespace);
  await waitReady(port);
  await waitReconciles(port, LARGEST);
  const afterRestart = auditRequests(audit, restartMark, OPERATOR_AGENT);
  rows.push(`restart, first reconcile of all ${LARGEST} (${((performance.now() - restarted) / 1000).toFixed(1)} s): ${afterRestart.writes} writes (Lease: ${afterRestart.leases})`);
  const resyncMark = statSync(audit).size;
  await waitReconciles(port, 3 * LARGEST);
  const resyncs = auditRequests(audit, resyncMark, OPERATOR_AGENT);
  rows.push(`then 2 more resyncs of all ${LARGEST}: ${resyncs.writes} writes (Lease: ${resyncs.leases})`);
  return { rows, operator: next, idleWrites: idle.writes };
}

async function operatorRound(count: number, port: number, kubeconfig: string, audit: string): Promise<{ round: OperatorRound; operator: ChildProcess }> {
  const namespace = `operator-${count}`;
  kubectl(['create', 'namespace', namespace]);
  const operator = startOperator(port, kubeconfig, namespace);
  await waitReady(port);
  const mark = statSync(audit).size;
  const requestsBefore = await metricSum(port, API_REQUESTS);
  let heap = 0;
  const sampleHeap = async () => void (heap = Math.max(heap, await metricSum(port, HEAP_USED).catch(() => 0)));
  const seconds = await timeConvergence(namespace, count, () => undefined, sampleHeap);
  await sampleHeap();
  const { writes, leases } = auditRequests(audit, mark, OPERATOR_AGENT);
  const requests = (await metricSum(port, API_REQUESTS)) - requestsBefore;
  const round = { seconds, writes, leases, requests, rssMb: peakRssMb(operator.pid ?? 0), heapMb: Math.round(heap / 2 ** 20) };
  return { round, operator };
}

interface Row {
  count: number;
  baseline: Awaited<ReturnType<typeof baselineRound>>;
  operator: OperatorRound;
}

function tableOf(rows: Row[]): string {
  const header = '| KeyServices | baseline converge (s) | operator converge (s) | ratio | operator peak RSS (MB) | peak V8 heap used (MB) | writes per KeyService, baseline / operator | API requests per KeyService, baseline / operator |';
  const lines = rows.map(({ count, baseline, operator: o }) =>
    `| ${count} | ${baseline.seconds.toFixed(2)} | ${o.seconds.toFixed(2)} | ${(o.seconds / baseline.seconds).toFixed(2)} | ${o.rssMb} | ${o.heapMb} | ${(baseline.writes / count).toFixed(1)} / ${(o.writes / count).toFixed(1)} | ${(baseline.requests / count).toFixed(1)} / ${(o.requests / count).toFixed(1)} |`,
  );
  return [header, `|${'---|'.repeat(8)}`, ...lines].join('\n');
}

function writeChart(rows: Row[]): void {
  const categories = rows.map((r) => `${r.count} KeyService${r.count === 1 ? '' : 's'}`);
  writeBarChartPng('docs/bench/operator.png', [
    {
      title: 'Converge time: apply → every child applied and status written',
      unit: 'seconds',
      categories,
      log: true,
      series: [
        { name: 'operator', values: rows.map((r) => r.operator.seconds) },
        { name: 'baseline (API server limit)', values: rows.map((r) => r.baseline.seconds) },
      ],
    },
    {
      title: 'Operator memory',
      unit: 'MB',
      categories,
      log: false,
      series: [
        { name: 'peak RSS', values: rows.map((r) => r.operator.rssMb) },
        { name: 'peak V8 heap used', values: rows.map((r) => r.operator.heapMb) },
      ],
    },
  ]);
}

async function main(): Promise<void> {
  const dir = cluster.CLUSTER_DIR;
  execFileSync('bash', ['test/cluster/down.sh', dir], { stdio: 'inherit' });
  execFileSync('bash', ['test/cluster/up.sh', '--kwok-only', dir], { stdio: 'inherit' });
  const env = cluster.clusterEnv();
  poller = await cluster.benchClient();
  const port = await freePort();
  let operator: ChildProcess | undefined;
  try {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    const crds = env.get('PROMETHEUS_OPERATOR_CRDS') ?? '';
    kubectl(['apply', '--server-side', '-f', join(crds, 'monitoring.coreos.com_servicemonitors.yaml'), '-f', join(crds, 'monitoring.coreos.com_prometheusrules.yaml')]);
    kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    kubectl(['create', 'namespace', 'keyservice-system']);
    const kubeconfig = env.get('KUBECONFIG') ?? '';
    const audit = env.get('AUDIT_LOG') ?? '';
    // The API server's first apply of each kind builds that kind's type converter (seconds for the large
    // prometheus-operator schemas): a round that is not counted pays for it, not whichever client comes first.
    await baselineRound('warm-up', 1, kubeconfig, audit);
    kubectl(['delete', 'namespace', 'warm-up', '--timeout=600s']);
    const rows: Row[] = [];
    for (const count of COUNTS) {
      const baseline = await baselineRound(`baseline-${count}`, count, kubeconfig, audit);
      kubectl(['delete', 'namespace', `baseline-${count}`, '--timeout=600s']);
      const round = await operatorRound(count, port, kubeconfig, audit);
      operator = round.operator;
      rows.push({ count, baseline, operator: round.round });
      process.stdout.write(`converge ${count} KeyServices: operator ${round.round.seconds.toFixed(2)} s, baseline ${baseline.seconds.toFixed(2)} s (${baseline.ownSeconds.toFixed(2)} s by its own clock), ratio ${(round.round.seconds / baseline.seconds).toFixed(2)}; peak RSS ${round.round.rssMb} MB\n`);
      if (count === LARGEST) break;
      await stop(operator);
      kubectl(['delete', 'namespace', `operator-${count}`, '--timeout=600s']);
    }
    const after = await idleAndRestart(operator as ChildProcess, port, kubeconfig, audit);
    operator = after.operator;
    const largest = rows.at(-1);
    const ratio = largest ? largest.operator.seconds / largest.baseline.seconds : NaN;
    const goals = [
      `converge ratio operator / baseline at ${LARGEST}: ${ratio.toFixed(2)} (goal <= ${GOALS.ratioAtLargest})`,
      `idle writes: ${after.idleWrites} (goal ${GOALS.idleWrites})`,
      `operator peak RSS at ${LARGEST}: ${largest?.operator.rssMb} MB (goal <= ${GOALS.rssMbAtLargest} MB)`,
    ];
    const table = tableOf(rows);
    process.stdout.write(`\n${table}\n\n${[...after.rows, ...goals].join('\n')}\n`);
    mkdirSync('docs/bench', { recursive: true });
    writeFileSync('docs/bench/operator.md', `# bench:operator\n\n${table}\n\n${[...after.rows, ...goals].map((l) => `- ${l}`).join('\n')}\n`);
    writeChart(rows);
  } finally {
    operator?.kill('SIGTERM');
    execFileSync('bash', ['test/cluster/down.sh', dir], { stdio: 'inherit' });
  }
}

await main();
