import { join } from 'node:path';
import { kubectl, kubectlResult, ROOT } from '../cluster/kube-test-env.js';

describe('crds/', () => {
  it('installs with kubectl apply -f crds/ (the kustomization beside the CRD is not read as an object)', () => {
    const result = kubectlResult(['apply', '--server-side', '--force-conflicts', '-f', join(ROOT, 'crds')]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/keyservices.keyservice.io serverside-applied');
  });

  it('is still included by directory in the kustomize base', () => {
    const built = kubectl(['kustomize', join(ROOT, 'manifests')]);
    expect(built).toContain('name: keyservices.keyservice.io');
  });
});
