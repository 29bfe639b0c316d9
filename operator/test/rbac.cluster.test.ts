import { jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { clusterTool, kubectlJson } from '../../test/cluster/kube-test-env.js';
import { clusterInfo, eventually, freshNamespace, getObject, kubectl, startOperator } from './cluster-harness.js';

jest.setTimeout(180_000);

const CHART = 'helm-chart';
const helm = (...args: string[]) => clusterTool('helm', args);

/** The admin's kubeconfig, impersonating a ServiceAccount: the operator then has exactly that account's RBAC. */
function impersonating(serviceAccount: string, namespace: string): string {
  const admin = parse(readFileSync(clusterInfo().kubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const entry of admin.users) entry.user.as = `system:serviceaccount:${namespace}:${serviceAccount}`;
  const file = join(clusterInfo().dir, `${serviceAccount}.impersonating.kubeconfig`);
  writeFileSync(file, stringify(admin));
  return file;
}

interface Status {
  conditions?: { type: string; status: string; reason: string }[];
}
const authReady = (name: string, ns: string) => {
  const c = getObject<{ status?: Status }>('keyservice', name, ns)?.status?.conditions?.find((x) => x.type === 'AuthReady');
  return c ? `${c.status}/${c.reason}` : 'absent';
};

describe('the chart RBAC and Secrets', () => {
  const installNs = freshNamespace('rbac-a');
  const release = 'ks-rbac';
  const account = `${release}-keyservice-operator`;
  beforeAll(() => {
    const installed = helm('install', release, CHART, '--namespace', installNs, '--set', 'server.enabled=false');
    if (installed.status !== 0) throw new Error(installed.stderr);
  });
  afterAll(() => helm('uninstall', release, '--namespace', installNs, '--wait'));

  it('refuses a second cluster-wide install, naming the first, and allows a namespaced one', () => {
    const otherNs = freshNamespace('rbac-b');
    const second = helm('install', 'ks-second', CHART, '--namespace', otherNs, '--set', 'server.enabled=false', '--dry-run=server');
    const namespaced = helm('install', 'ks-third', CHART, '--namespace', otherNs, '--set', 'server.enabled=false', '--set', `operator.watchNamespace=${otherNs}`, '--dry-run=server');
    expect([second.status === 0, second.stderr.includes(`a KeyService operator already watches every namespace (ClusterRoleBinding ${account}, release ${release} in namespace ${installNs})`), namespaced.status, namespaced.stderr]).toEqual([false, true, 0, '']);
  });

  it('reports AuthReady=False without the Secrets grant, and serves the keys once operator.secretsAccess=true', async () => {
    const ns = freshNamespace('rbac-auth');
    const operator = await startOperator(['--watch-namespace', ns, '--monitoring-poll-seconds', '1'], 'rbac-auth', impersonating(account, installNs));
    try {
      const spec = { auth: { enabled: true, rotationInterval: '1h', overlap: '10m' } };
      kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'guarded', namespace: ns }, spec }));
      await eventually(() => expect(authReady('guarded', ns)).toBe('False/SecretAccessMissing'), 60_000);
      const secretBefore = getObject('secret', 'guarded', ns);
      const upgraded = helm('upgrade', release, CHART, '--namespace', installNs, '--set', 'server.enabled=false', '--set', 'operator.secretsAccess=true');
      if (upgraded.status !== 0) throw new Error(upgraded.stderr);
      await eventually(() => expect(authReady('guarded', ns)).toBe('True/KeysServed'), 60_000);
      const secret = kubectlJson<{ data: Record<string, string> }>(['get', 'secret', 'guarded', '-n', ns, '-o', 'json']);
      expect([secretBefore, Object.keys(secret.data).sort()]).toEqual([null, ['api-keys', 'current']]);
    } finally {
      await operator.stop();
    }
  });
});
