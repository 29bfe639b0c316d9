import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The cluster the jest global setup of this project started, apart from .cluster, which `npm run cluster:up` uses:
 * .cluster-jest (kwok only) for the `cluster` project, .cluster-node (with the real node) for the `node` project,
 * whose setup file names it.
 */
export const CLUSTER_DIR = process.env.KEYSERVICE_CLUSTER_DIR ?? `${ROOT}.cluster-jest`;

export interface ClusterEnv {
  kubeconfig: string;
  bin: string;
  prometheusOperatorCrds: string;
  apiServerUrl: string;
  dir: string;
  auditLog: string;
  /** The real node's name; undefined in a kwok-only cluster. */
  realNode: string | undefined;
  /** The monitoring stack's Prometheus and Alertmanager, once `npm run monitoring:up` has installed it. */
  prometheusUrl: string | undefined;
  alertmanagerUrl: string | undefined;
}

/** What up.sh wrote to its env file: the kubeconfig, the tools' directory, the prometheus-operator CRDs. */
export function clusterEnv(): ClusterEnv {
  const values = new Map(
    readFileSync(`${CLUSTER_DIR}/env`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const get = (name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`${CLUSTER_DIR}/env has no ${name}`);
    return value;
  };
  return {
    kubeconfig: get('KUBECONFIG'),
    bin: get('CLUSTER_BIN'),
    prometheusOperatorCrds: get('PROMETHEUS_OPERATOR_CRDS'),
    apiServerUrl: get('KUBE_APISERVER_URL'),
    dir: get('CLUSTER_DIR'),
    auditLog: get('AUDIT_LOG'),
    realNode: values.get('REAL_NODE'),
    prometheusUrl: values.get('PROMETHEUS_URL'),
    alertmanagerUrl: values.get('ALERTMANAGER_URL'),
  };
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the cluster's own kubectl (the machine's may not speak this server's version); never throws. */
export function kubectlResult(args: readonly string[], input?: string): CommandResult {
  const env = clusterEnv();
  const result = spawnSync(`${env.bin}/kubectl`, ['--kubeconfig', env.kubeconfig, ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs kubectl and returns its stdout; a non-zero exit throws with kubectl's own message. */
export function kubectl(args: readonly string[], input?: string): string {
  const result = kubectlResult(args, input);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** kubectl without blocking the event loop, for tests that keep traffic flowing meanwhile; a non-zero exit rejects. */
export function kubectlAsync(args: readonly string[]): Promise<string> {
  const env = clusterEnv();
  return new Promise((resolve, reject) => {
    execFile(`${env.bin}/kubectl`, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr}`, { cause: error }));
    });
  });
}

export function kubectlJson<T = Record<string, unknown>>(args: readonly string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
}

/** Runs one of the cluster's tools (helm, helm-unittest) with the cluster's kubeconfig. */
export function clusterTool(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): CommandResult {
  const env = clusterEnv();
  const result = spawnSync(`${env.bin}/${name}`, args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A new namespace with a unique name, so each test starts from fresh state. */
export function freshNamespace(prefix: string, labels: Record<string, string> = {}): string {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const labelLines = Object.entries(labels).map(([key, value]) => `    ${key}: "${value}"`);
  kubectl(['apply', '-f', '-'], ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${name}`, '  labels:', ...labelLines, `    test: "true"`].join('\n'));
  return name;
}
