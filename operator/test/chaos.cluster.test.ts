import { jest } from '@jest/globals';
import { get } from 'node:http';
import {
  eventually,
  freshNamespace,
  getObject,
  kubectl,
  kubectlResult,
  restartComponent,
  startOperator,
  type OperatorProcess,
} from './cluster-harness.js';

/**
 * The operator under failure, against the local control plane: each scenario ends converged (every KeyService
 * observed at its generation and Ready, its children present), with no hot loop (the writes between convergence and the
 * reconcile of one marker KeyService are those of the marker) and no lost key. Figures go to stdout.
 */
jest.setTimeout(300_000);

const COUNT = 8;
const REQUESTS = /^keyservice_operator_api_requests_total\{/;
const WRITES = /^keyservice_operator_api_requests_total\{method="(PATCH|POST|PUT|DELETE)"/;
const CPU = /^keyservice_operator_process_cpu_seconds_total /;

interface Figures {
  scenario: string;
  recoveryMs: number;
  requests: number;
  writes: number;
  cpuSeconds: number;
}
const figures: Figures[] = [];
afterAll(() => {
  const lines = figures.map((f) => `| ${f.scenario} | ${f.recoveryMs} | ${f.requests} | ${f.writes} | ${f.cpuSeconds.toFixed(2)} |`);
  process.stdout.write(['chaos figures (operator after the fault):', '| scenario | recovery ms | requests | writes | CPU s |', '|---|---|---|---|---|', ...lines, ''].join('\n'));
});

const manifest = (name: string, ns: string, spec: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name, namespace: ns }, spec });

function installCrd(): void {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'crds/keyservice.io_keyservices.yaml']);
  kubectl(['wait', '--for=condition=Established', 'crd/keyservices.keyservice.io', '--timeout=30s']);
}

function applyMany(ns: string, prefix: string): string[] {
  const names = Array.from({ length: COUNT }, (_, i) => `${prefix}-${i}`);
  kubectl(['apply', '-f', '-'], names.map((n) => manifest(n, ns)).join('\n'));
  return names;
}

/**
 * Converged: observed at its generation, its Deployment and Service present, and (unless `ready` is false) Ready, as
 * kwok runs the pods. After an API server outage the fake node's heartbeats lapse and its pods may turn unready for a
 * while: the operator then reports that truly, so Ready is not part of convergence there.
 */
function expectConverged(ns: string, names: string[], ready = true): void {
  for (const name of names) {
    type Observed = { metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } };
    const ks = getObject<Observed>('keyservice', name, ns);
    const readiness = ks?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    expect([name, ks?.status?.observedGeneration, ready ? readiness : 'any']).toEqual([name, ks?.metadata.generation, ready ? 'True' : 'any']);
    expect([name, getObject('deployment', name, ns) !== null, getObject('service', name, ns) !== null]).toEqual([name, true, true]);
  }
}

/**
 * A metric of the operator, read over a fresh connection each time (a kept-alive one may have been closed by the
 * server's idle timeout during a long wait), and failing plainly if the operator has exited.
 */
async function operatorMetric(op: OperatorProcess, line: RegExp): Promise<number> {
  if (op.child.exitCode !== null || op.child.signalCode !== null) throw new Error(`the operator exited (${op.child.exitCode ?? op.child.signalCode})`);
  const text = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port: op.metricsPort, path: '/metrics', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    }).on('error', reject);
  });
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function sample(op: OperatorProcess) {
  return { requests: await operatorMetric(op, REQUESTS), writes: await operatorMetric(op, WRITES), cpu: await operatorMetric(op, CPU) };
}

/**
 * No hot loop: once converged, the writes until a marker KeyService is Ready are the marker's own (Deployment,
 * Service, ServiceMonitor and PrometheusRule when their CRDs are installed, status on creation and on Ready, the
 * Events of those transitions: 10 at most), plus, where pods may still change readiness (`settling` KeyServices), a
 * status write and an Event for each. A hot loop makes hundreds in that window.
 */
async function expectQuiet(op: OperatorProcess, ns: string, settling = 0): Promise<void> {
  const before = await operatorMetric(op, WRITES);
  const marker = `marker-${Date.now().toString(36)}`;
  kubectl(['apply', '-f', '-'], manifest(marker, ns));
  await eventually(() => expectConverged(ns, [marker], settling === 0), 60_000);
  expect(await operatorMetric(op, WRITES) - before).toBeLessThanOrEqual(10 + 2 * settling);
}

async function record(scenario: string, op: OperatorProcess, startedAt: number, start: Awaited<ReturnType<typeof sample>>): Promise<void> {
  const end = await sample(op);
  figures.push({ scenario, recoveryMs: Date.now() - startedAt, requests: end.requests - start.requests, writes: end.writes - start.writes, cpuSeconds: end.cpu - start.cpu });
}

const ZERO = { requests: 0, writes: 0, cpu: 0 };

describe('chaos', () => {
  beforeAll(installCrd);

  it('kill -9 mid-reconcile: a new process converges every KeyService', async () => {
    const ns = freshNamespace('chaos-kill');
    const first = await startOperator(['--watch-namespace', ns], 'chaos-kill-1');
    const names = applyMany(ns, 'ks');
    await eventually(() => expect(getObject('deployment', names[0] ?? '', ns) !== null).toBe(true), 60_000);
    await first.stop('SIGKILL');
    const restartedAt = Date.now();
    const second = await startOperator(['--watch-namespace', ns], 'chaos-kill-2');
    try {
      await eventually(() => expectConverged(ns, names), 120_000);
      await record('kill -9 mid-reconcile', second, restartedAt, ZERO);
      await expectQuiet(second, ns);
    } finally {
      await second.stop();
    }
  });

  it('kill -9 mid-rotation: no key is lost, and the rotation completes', async () => {
    const ns = freshNamespace('chaos-rotate');
    const auth = { enabled: true, rotationInterval: '20s', overlap: '8s', propagation: '4s' };
    const first = await startOperator(['--watch-namespace', ns], 'chaos-rotate-1');
    kubectl(['apply', '-f', '-'], manifest('keys', ns, { auth }));
    const keysNow = () => {
      const secret = getObject<{ metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }>('secret', 'keys', ns);
      const file = Buffer.from(secret?.data?.['api-keys'] ?? '', 'base64').toString().split('\n').filter((l) => l !== '');
      return { file, current: Buffer.from(secret?.data?.current ?? '', 'base64').toString() };
    };
    const initial = await eventually(() => {
      const now = keysNow();
      expect(now.file).toHaveLength(1);
      return now;
    }, 60_000);
    // Mid-rotation: the new key is in the file, the old one still current or just replaced.
    const during = await eventually(() => {
      const now = keysNow();
      expect(now.file).toHaveLength(2);
      return now;
    }, 60_000);
    await first.stop('SIGKILL');
    const restartedAt = Date.now();
    const second = await startOperator(['--watch-namespace', ns], 'chaos-rotate-2');
    try {
      // Every look at the Secret: is the key clients are told to use one the pods accept?
      const usable: boolean[] = [during.file.includes(during.current)];
      const rotated = await eventually(() => {
        const now = keysNow();
        usable.push(now.file.includes(now.current));
        expect(now.file).toHaveLength(1);
        expect(now.file[0]).not.toBe(initial.current);
        return now;
      }, 90_000);
      await record('kill -9 mid-rotation', second, restartedAt, ZERO);
      expect([usable.every(Boolean), rotated.file]).toEqual([true, [rotated.current]]);
    } finally {
      await second.stop();
    }
  });

  it('kube-apiserver stopped for 30 s: the operator resumes and converges what changed meanwhile', async () => {
    const ns = freshNamespace('chaos-api');
    const op = await startOperator(['--watch-namespace', ns], 'chaos-api');
    try {
      const names = applyMany(ns, 'before');
      await eventually(() => expectConverged(ns, names), 120_000);
      const start = await sample(op);
      await restartComponent('kube-apiserver', 30_000);
      const backAt = Date.now();
      await eventually(() => expect(kubectlResult(['get', '--raw', '/readyz']).status).toBe(0), 60_000);
      const after = applyMany(ns, 'after');
      await eventually(() => expectConverged(ns, [...names, ...after], false), 120_000);
      await record('kube-apiserver down 30 s', op, backAt, start);
      await expectQuiet(op, ns, names.length + after.length);
    } finally {
      await op.stop();
    }
  });

  it('CRD deleted while running: no hot loop, and KeyServices are served again once it is back', async () => {
    const ns = freshNamespace('chaos-crd');
    const op = await startOperator(['--watch-namespace', ns], 'chaos-crd');
    try {
      const names = applyMany(ns, 'crd');
      await eventually(() => expectConverged(ns, names), 120_000);
      const start = await sample(op);
      kubectl(['delete', 'crd', 'keyservices.keyservice.io', '--wait=true', '--timeout=60s']);
      installCrd();
      const backAt = Date.now();
      const again = applyMany(ns, 'again');
      await eventually(() => expectConverged(ns, again), 120_000);
      await record('CRD deleted and restored', op, backAt, start);
      await expectQuiet(op, ns);
    } finally {
      await op.stop();
    }
  });

  it('namespace with KeyServices deleted: the operator carries on with the others', async () => {
    const doomed = freshNamespace('chaos-ns');
    const op = await startOperator([], 'chaos-ns');
    const other = freshNamespace('chaos-other');
    try {
      const names = applyMany(doomed, 'gone');
      await eventually(() => expectConverged(doomed, names), 120_000);
      const start = await sample(op);
      kubectl(['delete', 'namespace', doomed, '--wait=true', '--timeout=120s']);
      const goneAt = Date.now();
      const others = applyMany(other, 'kept');
      await eventually(() => expectConverged(other, others), 120_000);
      await record('namespace deleted', op, goneAt, start);
      await expectQuiet(op, other);
    } finally {
      await op.stop();
    }
  });
});
