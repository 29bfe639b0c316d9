import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { clusterEnv, kubectl } from '../cluster/kube-test-env.js';

/** A kubeconfig for a ServiceAccount: the cluster's address and CA, and a token of its own (as its pod would have). */
export function serviceAccountKubeconfig(namespace: string, name: string): string {
  const admin = parse(readFileSync(clusterEnv().kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const token = kubectl(['create', 'token', name, '-n', namespace, '--duration', '1h']).trim();
  const file = join(clusterEnv().dir, `${namespace}-${name}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: admin.clusters[0]?.cluster }],
    users: [{ name, user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: name } }],
    'current-context': 'operator',
  };
  writeFileSync(file, stringify(config));
  return file;
}
