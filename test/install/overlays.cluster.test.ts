import { jest } from '@jest/globals';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startOperator, type OperatorProcess } from '../../operator/test/cluster-harness.js';
import { freshNamespace, kubectl, kubectlResult, ROOT } from '../cluster/kube-test-env.js';
import { serviceAccountKubeconfig } from './service-account-kubeconfig.js';

jest.setTimeout(180_000);

const OVERLAYS = join(ROOT, 'manifests/overlays');
const SAMPLE = join(ROOT, 'manifests/samples/keyservice.yaml');

interface Rendered {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec: { containers: { image: string; args: string[]; env?: { name: string; value?: string }[] }[] } } };
}

const render = (overlay: string) =>
  parseAllDocuments(kubectl(['kustomize', join(OVERLAYS, overlay)])).map((doc) => doc.toJS() as Rendered);

/** `kubectl auth can-i` as a ServiceAccount: 'yes' or 'no'. */
const canI = (serviceAccount: string, args: string[]) =>
  kubectlResult(['auth', 'can-i', ...args, '--as', `system:serviceaccount:${serviceAccount}`]).stdout.trim();

/** Applies an overlay, runs the operator as the overlay's ServiceAccount and returns it, once the sample is Ready. */
async function operatorReconcilesSample(overlay: string, serviceAccount: [string, string], flags: string[], sampleNamespace: string) {
  kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(OVERLAYS, overlay)]);
  const [namespace, name] = serviceAccount;
  const operator = await startOperator(
    [...flags, '--leader-elect=true', '--leader-election-namespace', namespace],
    `overlay-${overlay}`,
    serviceAccountKubeconfig(namespace, name),
  );
  kubectl(['apply', '--namespace', sampleNamespace, '-f', SAMPLE]);
  kubectl(['wait', 'keyservice/keys', '--for', 'condition=Ready', '--timeout', '90s', '-n', sampleNamespace]);
  return operator;
}

describe('manifests/overlays/other-namespace (another namespace and a name prefix)', () => {
  const SA = 'keyservice-team-a:team-a-keyservice-operator';
  let operator: OperatorProcess | undefined;
  let sampleNamespace: string;
  afterAll(async () => {
    await operator?.stop();
    // Not kubectl delete -k: that would delete the CRD, which other suites share.
    kubectl(['delete', 'namespace/keyservice-team-a', 'clusterrolebinding/team-a-keyservice-operator', 'clusterrole/team-a-keyservice-operator', '--timeout=120s']);
  });

  it('binds the renamed ServiceAccount in the new namespace, cluster-wide and for its Lease', () => {
    kubectl(['apply', '--server-side', '--force-conflicts', '-k', join(OVERLAYS, 'other-namespace')]);
    expect([
      canI(SA, ['list', 'keyservices.keyservice.io', '-A']),
      canI(SA, ['patch', 'deployments', '-n', 'default']),
      canI(SA, ['update', 'leases.coordination.k8s.io', '-n', 'keyservice-team-a']),
      canI(SA, ['update', 'leases.coordination.k8s.io', '-n', 'keyservice-system']),
    ]).toEqual(['yes', 'yes', 'yes', 'no']);
  });

  it('sets the key server image the operator hands to KeyServices through images:, as it does the operator image', () => {
    const deployment = render('other-namespace').find((doc) => doc.kind === 'Deployment');
    const container = deployment?.spec?.template?.spec.containers[0];
    expect(container?.image).toBe('registry.keyservice.test/mirror/operator:0.1.0');
    expect(container?.args).toContain('--image=$(KEY_SERVER_IMAGE)');
    expect(container?.env?.find((env) => env.name === 'KEY_SERVER_IMAGE')?.value).toBe('registry.keyservice.test/mirror/key-server:0.1.0');
  });

  it('reconciles the sample to Ready with an operator that has only the overlay\'s RBAC', async () => {
    sampleNamespace = freshNamespace('team-a-sample');
    operator = await operatorReconcilesSample('other-namespace', ['keyservice-team-a', 'team-a-keyservice-operator'], ['--watch-namespace', sampleNamespace], sampleNamespace);
    expect(kubectl(['get', 'deployment/keys', '-n', sampleNamespace, '-o', 'jsonpath={.metadata.ownerReferences[0].kind}'])).toBe('KeyService');
  });
});

describe('manifests/overlays/namespaced (one watched namespace, no cluster-wide binding)', () => {
  const SA = 'keyservice-system:keyservice-operator';
  let operator: OperatorProcess | undefined;
  beforeAll(() => {
    // The default entry's suite installs into keyservice-system too, and removes it when done.
    kubectl(['wait', '--for=delete', 'namespace/keyservice-system', '--timeout=120s']);
    kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: keyservice-watched\n');
  });
  afterAll(async () => {
    await operator?.stop();
    kubectl(['delete', 'namespace/keyservice-system', 'namespace/keyservice-watched', 'clusterrole/keyservice-operator', '--timeout=120s']);
  });

  it('renders no ClusterRoleBinding, a RoleBinding in the watched namespace and the operator watching only it', () => {
    const docs = render('namespaced');
    expect(docs.filter((doc) => doc.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(docs.filter((doc) => doc.kind === 'RoleBinding').map((doc) => `${doc.metadata.namespace}/${doc.metadata.name}`).sort()).toEqual([
      'keyservice-system/keyservice-operator-leader-election',
      'keyservice-watched/keyservice-operator',
    ]);
    expect(docs.find((doc) => doc.kind === 'Deployment')?.spec?.template?.spec.containers[0]?.args).toContain('--watch-namespace=keyservice-watched');
  });

  it('reconciles the sample in the watched namespace to Ready, and is refused everywhere else', async () => {
    operator = await operatorReconcilesSample('namespaced', ['keyservice-system', 'keyservice-operator'], ['--watch-namespace', 'keyservice-watched'], 'keyservice-watched');
    expect([
      canI(SA, ['list', 'keyservices.keyservice.io', '-n', 'keyservice-watched']),
      canI(SA, ['list', 'keyservices.keyservice.io', '-n', 'default']),
      canI(SA, ['list', 'keyservices.keyservice.io', '-A']),
    ]).toEqual(['yes', 'no', 'no']);
  });
});
