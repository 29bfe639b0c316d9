import { jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startOperator, type OperatorProcess } from '../../operator/test/cluster-harness.js';
import { clusterEnv, clusterTool, freshNamespace, kubectl, kubectlResult, ROOT } from '../cluster/kube-test-env.js';

jest.setTimeout(180_000);

/** A kubeconfig for the keyservice-operator ServiceAccount: the cluster's address and CA, and a token of its own. */
function serviceAccountKubeconfig(): string {
  const admin = parse(readFileSync(clusterEnv().kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const token = kubectl(['create', 'token', 'keyservice-operator', '-n', 'keyservice-system', '--duration', '1h']).trim();
  const file = join(clusterEnv().dir, 'keyservice-operator.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: admin.clusters[0]?.cluster }],
    users: [{ name: 'keyservice-operator', user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: 'keyservice-operator' } }],
    'current-context': 'operator',
  };
  writeFileSync(file, stringify(config));
  return file;
}

describe('manifests/ (kubectl apply -k)', () => {
  let namespace: string;
  let operator: OperatorProcess;
  beforeAll(async () => {
    kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(ROOT, 'manifests')]);
    namespace = freshNamespace('sample');
    // The operator runs as the ServiceAccount the base creates, with only the RBAC the base grants it: a missing
    // rule (children, status, Events, the Lease) shows up as a KeyService that never gets Ready.
    operator = await startOperator(
      ['--watch-namespace', namespace, '--leader-elect=true', '--leader-election-namespace', 'keyservice-system'],
      'manifests',
      serviceAccountKubeconfig(),
    );
  });
  afterAll(async () => {
    await operator.stop();
    // The CRD stays: other suites share it, and deleting it would delete their KeyServices.
    kubectl(['delete', 'namespace/keyservice-system', 'clusterrolebinding/keyservice-operator', 'clusterrole/keyservice-operator', '--wait=false']);
  });

  it('installs the operator, Available, in keyservice-system which enforces the restricted standard', () => {
    kubectl(['wait', 'deployment/keyservice-operator', '-n', 'keyservice-system', '--for', 'condition=Available', '--timeout', '60s']);
    expect(kubectl(['get', 'namespace/keyservice-system', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'])).toBe('restricted');
  });

  it('installs the sample KeyService, which the operator, running with only its own RBAC, reconciles to Ready', () => {
    const sample = readFileSync(join(ROOT, 'manifests/samples/keyservice.yaml'), 'utf8').replace('namespace: default', `namespace: ${namespace}`);
    kubectl(['apply', '-f', '-'], sample);
    kubectl(['wait', 'keyservice/keys', '--for', 'condition=Ready', '--timeout', '90s', '-n', namespace]);
    expect(kubectl(['get', 'deployment/keys', '-n', namespace, '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
  });

  it('grants the operator no Secrets (spec.auth needs components/secrets-access) and nothing cluster-scoped beyond its own kinds', () => {
    const canI = (verb: string, resource: string) =>
      kubectlResult(['auth', 'can-i', verb, resource, '--as', 'system:serviceaccount:keyservice-system:keyservice-operator', '-n', namespace]).stdout.trim();
    expect([canI('get', 'secrets'), canI('create', 'pods'), canI('delete', 'nodes'), canI('create', 'clusterroles')]).toEqual(['no', 'no', 'no', 'no']);
  });

  it('grants the operator the same rules as the Helm chart does', () => {
    const manifestRules = (parse(readFileSync(join(ROOT, 'manifests/rbac/cluster-role.yaml'), 'utf8')) as { rules: unknown }).rules;
    const rendered = clusterTool('helm', ['template', 'x', join(ROOT, 'helm-chart'), '--show-only', 'templates/rbac.yaml']);
    const chartRole = rendered.stdout.split('\n---\n').map((doc) => parse(doc) as { kind: string; rules: unknown }).find((doc) => doc.kind === 'ClusterRole');
    expect(chartRole?.rules).toEqual(manifestRules);
  });

  it('is refused nothing by a server-side dry run of the rendered base', () => {
    const rendered = kubectl(['kustomize', join(ROOT, 'manifests')]);
    const result = kubectlResult(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], rendered);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
