// What bench:operator and its baseline need of the local control plane: its kubectl, and the API server's audit log.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Connection from '../operator/src/kube-connection.js';
import type * as Http from '../operator/src/kube-http.js';
import type * as FreePort from './free-port.js';

export const { freePort } = (await import(new URL('./free-port.ts', import.meta.url).href)) as typeof FreePort;

export const CLUSTER_DIR = join(process.cwd(), '.cluster-bench');

export function clusterEnv(): Map<string, string> {
  return new Map(
    readFileSync(join(CLUSTER_DIR, 'env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

export function kubectl(args: string[], input?: string): string {
  const env = clusterEnv();
  const result = spawnSync(join(env.get('CLUSTER_BIN') ?? '', 'kubectl'), ['--kubeconfig', env.get('KUBECONFIG') ?? '', ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A client of the cluster's API server for the bench's own reads, through the operator's built HTTP layer: polling
 * with kubectl would cost a process and some 200 ms a look, which at small counts is most of what is measured.
 */
export async function benchClient(): Promise<Http.KubeHttp> {
  const built = <T>(path: string) => import(new URL(`../dist/operator/src/${path}`, import.meta.url).href) as Promise<T>;
  const { loadConnection } = await built<typeof Connection>('kube-connection.js');
  const { createKubeHttp } = await built<typeof Http>('kube-http.js');
  const kubeconfig = clusterEnv().get('KUBECONFIG') ?? '';
  return createKubeHttp(await loadConnection({ KUBECONFIG: kubeconfig }), { userAgent: 'keyservice-bench-poll' });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sum of the samples whose line matches `pattern` on a Prometheus text endpoint. */
export async function metricSum(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * The writes of one client (by User-Agent prefix) in the audit log since byte offset `mark`, as {writes, leases}:
 * the same reading as test/cluster/audit-log.ts (plain node cannot import that .ts file by its .js name). The
 * audit policy of up.sh records writes only.
 */
export function auditRequests(path: string, mark: number, userAgent: string): { writes: number; leases: number } {
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
    .filter((e) => e.stage === 'ResponseComplete' && (e.userAgent ?? '').startsWith(userAgent) && WRITE_VERBS.includes(e.verb));
  const leases = events.filter((e) => e.objectRef?.resource === 'leases').length;
  return { writes: events.length - leases, leases };
}
