import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterEnv, freshNamespace, kubectl, kubectlJson, ROOT } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';

interface Pod {
  spec: { nodeName?: string };
  status: { phase: string };
}

/** A pod that only sleeps in the pause image every node has; `kwok` asks for the fake node. */
function podSpec(namespace: string, name: string, kwok: boolean): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65535, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'pause', image: 'localhost/keyservice/pause:1', imagePullPolicy: 'Never',
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      }],
      ...(kwok ? {
        nodeSelector: { type: 'kwok' },
        tolerations: [{ key: 'keyservice.io/kwok', operator: 'Exists', effect: 'NoSchedule' }],
      } : {}),
    },
  });
}

describe('the two nodes', () => {
  it('puts a pod that asks for nothing on the real node, and one that tolerates the kwok taint and selects type=kwok on kwok', async () => {
    const namespace = freshNamespace('nodes');
    kubectl(['apply', '-f', '-'], podSpec(namespace, 'plain', false));
    kubectl(['apply', '-f', '-'], podSpec(namespace, 'scale', true));
    const placed = await waitFor('both pods Running', () => {
      const pods = ['plain', 'scale'].map((name) => kubectlJson<Pod>(['get', 'pod', name, '-n', namespace]));
      return pods.every((pod) => pod.status.phase === 'Running') ? pods.map((pod) => pod.spec.nodeName) : undefined;
    }, { timeoutMs: 60_000 });
    expect(placed).toEqual([clusterEnv().realNode, 'kwok-node-0']);
  });

  it('refuses a second real node on this machine, naming the cluster that holds it, and leaves nothing behind', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'keyservice-second-')), 'cluster');
    try {
      const result = spawnSync('bash', ['test/cluster/up.sh', dir], { cwd: ROOT, encoding: 'utf8' });
      expect({ status: result.status, taken: result.stderr.includes(`the real node is taken: another cluster on this machine runs it (${clusterEnv().dir})`) })
        .toEqual({ status: 1, taken: true });
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
