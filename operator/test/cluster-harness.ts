import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, clusterEnv, kubectl, kubectlResult } from '../../test/cluster/kube-test-env.js';
import { existsSync, readFileSync, writeFileSync, appendFileSync, openSync } from 'node:fs';
import { freePort } from '../../server/test/server-process.js';
import { join } from 'node:path';

export { freshNamespace, kubectl, kubectlResult } from '../../test/cluster/kube-test-env.js';

export interface ClusterInfo {
  kubeconfig: string;
  dir: string;
  monitoringCrdDir: string;
}

/** The control plane the jest cluster project's global setup started (test/cluster/kube-test-env.ts). */
export function clusterInfo(): ClusterInfo {
  const env = clusterEnv();
  return { kubeconfig: env.kubeconfig, dir: env.dir, monitoringCrdDir: env.prometheusOperatorCrds };
}

export function getObject<T = Record<string, unknown>>(kind: string, name: string, namespace: string): T | null {
  const result = kubectlResult(['get', kind, name, '-n', namespace, '-o', 'json']);
  if (result.status !== 0) {
    if (result.stderr.includes('NotFound')) return null;
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout) as T;
}

/** Polls until `check` returns without throwing; rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export interface OperatorProcess {
  child: ChildProcess;
  metricsPort: number;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const OPERATOR_MAIN = join(ROOT, 'dist/operator/src/main.js');

/**
 * Starts the built operator (npm run build first) against the local control plane, as the admin unless a
 * kubeconfig of another identity (a ServiceAccount's) is given.
 */
export async function startOperator(flags: string[], name = 'operator', kubeconfigOverride?: string): Promise<OperatorProcess> {
  if (!existsSync(OPERATOR_MAIN)) throw new Error(`${OPERATOR_MAIN} is missing: run npm run build first`);
  const { dir } = clusterInfo();
  const kubeconfig = kubeconfigOverride ?? clusterInfo().kubeconfig;
  const metricsPort = await freePort();
  const logFile = join(dir, 'logs', `${name}-${process.pid}-${metricsPort}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [OPERATOR_MAIN, '--metrics-port', String(metricsPort), ...flags], {
    env: { PATH: process.env.PATH, KUBECONFIG: kubeconfig },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    metricsPort,
    logFile,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function operatorMetric(op: OperatorProcess, line: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

interface ComponentRecord {
  name: string;
  pid: number;
}

function components(dir: string): ComponentRecord[] {
  return readFileSync(join(dir, 'pids'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', pid = '0'] = line.split(' ');
      return { name, pid: Number(pid) };
    });
}

/** Stops a control-plane component by the pid up.sh recorded, then starts it again from its recorded command. */
export async function restartComponent(name: string, downMs: number): Promise<void> {
  const { dir } = clusterInfo();
  const record = components(dir).find((c) => c.name === name);
  if (!record) throw new Error(`${name} is not recorded in ${dir}/pids`);
  const running = () => {
    try {
      process.kill(record.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(record.pid, 'SIGTERM');
  // kube-apiserver drains open watches for up to a minute on SIGTERM; past 10 s, stop it the hard way.
  await eventually(() => expect(running()).toBe(false), 10_000).catch(() => process.kill(record.pid, 'SIGKILL'));
  await eventually(() => expect(running()).toBe(false), 10_000);
  await new Promise((resolve) => setTimeout(resolve, downMs));
  const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
  const command = readFileSync(join(dir, 'cmd', name), 'utf8');
  const child = spawn('bash', ['-c', `exec ${command}`], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const others = components(dir).filter((c) => c.name !== name);
  writeFileSync(join(dir, 'pids'), others.map((c) => `${c.name} ${c.pid}\n`).join(''));
  appendFileSync(join(dir, 'pids'), `${name} ${child.pid}\n`);
}

/** Waits until the API server serves these CRDs (kubectl wait errors while a new CRD has no conditions yet). */
async function established(crds: readonly string[]): Promise<void> {
  const jsonpath = '{.status.conditions[?(@.type=="Established")].status}';
  await eventually(() => expect(crds.map((crd) => kubectlResult(['get', 'crd', crd, '-o', `jsonpath=${jsonpath}`]).stdout)).toEqual(crds.map(() => 'True')));
}

/** Installs (or updates) the KeyService CRD from crds/ and waits until the API server serves it. */
export async function installKeyServiceCrd(): Promise<void> {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(ROOT, 'crds/keyservice.io_keyservices.yaml')]);
  await established(['keyservices.keyservice.io']);
}

/** Installs prometheus-operator's CRDs of these plurals (servicemonitors, prometheusrules, alertmanagerconfigs). */
export async function installMonitoringCrds(plurals: readonly string[]): Promise<void> {
  const dir = clusterInfo().monitoringCrdDir;
  kubectl(['apply', '--server-side', '--force-conflicts', ...plurals.flatMap((p) => ['-f', join(dir, `monitoring.coreos.com_${p}.yaml`)])]);
  await established(plurals.map((p) => `${p}.monitoring.coreos.com`));
}

export function applyKeyService(name: string, namespace: string, spec: Record<string, unknown>, extraMetadata: Record<string, unknown> = {}): void {
  const ks = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name, namespace, ...extraMetadata }, spec };
  kubectl(['apply', '-f', '-'], JSON.stringify(ks));
}

interface StatusOnly {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
}

/** `Status/Reason` of one condition of a KeyService, or `absent`. */
export function conditionOf(name: string, namespace: string, type: string): string {
  const c = getObject<StatusOnly>('keyservice', name, namespace)?.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : 'absent';
}

/**
 * A ValidatingAdmissionPolicy and its binding that refuse what `expression` (CEL) rejects, for requests matching
 * `resourceRule` (YAML flow mapping): how a test stands in for an admission webhook. Returns the policy's name.
 */
export function applyDenyPolicy(name: string, resourceRule: string, expression: string, message: string): string {
  kubectl(['apply', '-f', '-'], `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: ${name} }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [${resourceRule}]
  validations:
    - expression: ${JSON.stringify(expression)}
      message: ${message}
      reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: ${name} }
spec: { policyName: ${name}, validationActions: [Deny] }
`);
  return name;
}
