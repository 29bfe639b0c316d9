import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../wait-for.js';
import { clusterTool, freshNamespace, kubectl, kubectlJson, kubectlResult } from './kube-test-env.js';

jest.setTimeout(90_000);

const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.keyservice.io
spec:
  group: test.keyservice.io
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, minimum: 1 }
`;

describe('the local control plane', () => {
  it('reports the Kubernetes version it was built as, to the matching kubectl', () => {
    const version = JSON.parse(kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect([version.clientVersion.gitVersion, version.serverVersion.gitVersion]).toEqual(['v1.37.2', 'v1.37.2']);
  });

  it('applies a CRD and an object of it, reads it back, prunes a field outside the schema, and validates', async () => {
    kubectl(['apply', '-f', '-'], WIDGET_CRD);
    kubectl(['wait', 'crd/widgets.test.keyservice.io', '--for', 'condition=Established', '--timeout', '30s']);
    const namespace = freshNamespace('crd');
    const widget = `apiVersion: test.keyservice.io/v1\nkind: Widget\nmetadata: { name: w, namespace: ${namespace} }\nspec: { size: 3, colour: red }\n`;
    // kubectl validates strictly by default and would refuse the unknown field; let it through to see pruning.
    const applied = await waitFor('the Widget kind to be served', () =>
      kubectlResult(['apply', '--validate=false', '-f', '-'], widget).status === 0 || undefined,
    );
    expect(applied).toBe(true);
    const stored = kubectlJson<{ spec: Record<string, unknown> }>(['get', 'widget/w', '-n', namespace]);
    expect(stored.spec).toEqual({ size: 3 });
    const invalid = kubectlResult(['apply', '-f', '-'], widget.replace('size: 3, colour: red', 'size: 0'));
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toContain('spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1');
  });

  it('runs a Deployment to Available, its pod Running on a kwok node', async () => {
    const namespace = freshNamespace('deploy');
    kubectl(['create', 'deployment', 'web', '--image', 'example.invalid/web:1', '--replicas', '2', '-n', namespace]);
    kubectl(['wait', 'deployment/web', '--for', 'condition=Available', '--timeout', '60s', '-n', namespace]);
    const runningPods = () => {
      const pods = kubectlJson<{ items: { status: { phase: string }; spec: { nodeName: string } }[] }>([
        'get', 'pods', '-n', namespace, '-l', 'app=web',
      ]);
      return pods.items.length === 2 && pods.items.every((pod) => pod.status.phase === 'Running') ? pods.items : undefined;
    };
    const placed = await waitFor('both pods Running', runningPods);
    expect(placed.map((pod) => [pod.status.phase, pod.spec.nodeName])).toEqual([
      ['Running', 'kwok-node-0'],
      ['Running', 'kwok-node-0'],
    ]);
  });

  it('garbage-collects an object whose owner is deleted', async () => {
    const namespace = freshNamespace('gc');
    kubectl(['create', 'configmap', 'owner', '-n', namespace]);
    const uid = kubectl(['get', 'configmap/owner', '-n', namespace, '-o', 'jsonpath={.metadata.uid}']);
    kubectl(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: dependent', `  namespace: ${namespace}`,
      '  ownerReferences:', '    - { apiVersion: v1, kind: ConfigMap, name: owner, uid: ' + uid + ' }',
    ].join('\n'));
    kubectl(['delete', 'configmap/owner', '-n', namespace, '--wait=true']);
    const gone = await waitFor('the dependent to be collected', () =>
      kubectlResult(['get', 'configmap/dependent', '-n', namespace]).stderr.includes('NotFound') || undefined,
    );
    expect(gone).toBe(true);
  });

  it('rejects a privileged pod in a namespace that enforces the restricted Pod Security Standard', () => {
    const namespace = freshNamespace('psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const pod = [
      'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: privileged', `  namespace: ${namespace}`, 'spec:',
      '  containers:', '    - name: c', '      image: example.invalid/c:1', '      securityContext: { privileged: true }',
    ].join('\n');
    const result = kubectlResult(['apply', '-f', '-'], pod);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest": privileged');
  });
});

describe('helm, built from its module', () => {
  it('reports its version offline', () => {
    const result = clusterTool('helm', ['version', '--short']);
    expect([result.status, result.stdout.trim()]).toEqual([0, 'v3.22.0']);
  });

  it('renders a trivial chart offline, assuming this cluster\'s Kubernetes version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: trivial\nversion: 0.1.0\n');
      writeFileSync(
        join(dir, 'templates', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
      );
      const result = clusterTool('helm', ['template', 'demo', dir]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('name: demo');
      expect(result.stdout).toContain('kube: "v1.37.0"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
