import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startOperator, type OperatorProcess } from '../../operator/test/cluster-harness.js';
import { clusterTool, freshNamespace, kubectl, kubectlResult, ROOT } from '../cluster/kube-test-env.js';

jest.setTimeout(180_000);

describe('manifests/ (kubectl apply -k)', () => {
  let namespace: string;
  let operator: OperatorProcess;
  beforeAll(async () => {
    kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(ROOT, 'manifests')]);
    namespace = freshNamespace('sample');
    operator = await startOperator(['--watch-namespace', namespace], 'manifests');
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

  it('installs the sample KeyService, which the operator reconciles to Ready', () => {
    const sample = readFileSync(join(ROOT, 'manifests/samples/keyservice.yaml'), 'utf8').replace('namespace: default', `namespace: ${namespace}`);
    kubectl(['apply', '-f', '-'], sample);
    kubectl(['wait', 'keyservice/keys', '--for', 'condition=Ready', '--timeout', '90s', '-n', namespace]);
    expect(kubectl(['get', 'deployment/keys', '-n', namespace, '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
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
