import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startOperator, type OperatorProcess } from '../../operator/test/cluster-harness.js';
import { clusterTool, freshNamespace, kubectl, kubectlResult, ROOT } from '../cluster/kube-test-env.js';
import { serviceAccountKubeconfig } from './service-account-kubeconfig.js';

jest.setTimeout(180_000);

describe('manifests/ (kubectl apply -k)', () => {
  let namespace: string;
  let operator: OperatorProcess;
  beforeAll(async () => {
    // The namespaced overlay's suite installs into keyservice-system too, and removes it when done.
    kubectl(['wait', '--for=delete', 'namespace/keyservice-system', '--timeout=120s']);
    kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(ROOT, 'manifests')]);
    namespace = freshNamespace('sample');
    // The operator runs as the ServiceAccount the base creates, with only the RBAC the base grants it: a missing
    // rule (children, status, Events, the Lease) shows up as a KeyService that never gets Ready.
    operator = await startOperator(
      ['--watch-namespace', namespace, '--leader-elect=true', '--leader-election-namespace', 'keyservice-system'],
      'manifests',
      serviceAccountKubeconfig('keyservice-system', 'keyservice-operator'),
    );
  });
  afterAll(async () => {
    await operator.stop();
    // The CRD stays: other suites share it, and deleting it would delete their KeyServices.
    kubectl(['delete', 'namespace/keyservice-system', 'clusterrolebinding/keyservice-operator', 'clusterrole/keyservice-operator', '--timeout=120s']);
  });

  it('installs the operator, Available, in keyservice-system which enforces the restricted standard', () => {
    kubectl(['wait', 'deployment/keyservice-operator', '-n', 'keyservice-system', '--for', 'condition=Available', '--timeout', '60s']);
    expect(kubectl(['get', 'namespace/keyservice-system', '-o', 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'])).toBe('restricted');
  });

  it('installs the sample KeyService, which the operator, running with only its own RBAC, reconciles to Ready', () => {
    // As the chart's NOTES say: the sample names no namespace, so it lands where kubectl is told.
    kubectl(['apply', '--namespace', namespace, '-f', join(ROOT, 'manifests/samples/keyservice.yaml')]);
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
