import { jest } from '@jest/globals';
import { clusterEnv, freshNamespace, kubectl, kubectlJson } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';
import { inspectPid1, RESTRICTED_PID1, terminatePid1 } from './pid1-inspection.js';

jest.setTimeout(180_000);

const VERSION = '0.1.0';

interface PodStatus {
  phase: string;
  containerStatuses?: { ready: boolean; state: { terminated?: { exitCode: number; reason: string } } }[];
}

/** A pod of `image` with the securityContext the chart and the operator use, but the user left to the image. */
function runPod(namespace: string, name: string, image: string, args: string[], readinessPort?: number): void {
  kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: {
      restartPolicy: 'Never',
      nodeName: clusterEnv().realNode,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'main', image, imagePullPolicy: 'Never', args,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        ...(readinessPort === undefined ? {} : { readinessProbe: { tcpSocket: { port: readinessPort }, periodSeconds: 1 } }),
      }],
    },
  }));
}

const podStatus = (namespace: string, name: string) => kubectlJson<{ status: PodStatus }>(['get', 'pod', name, '-n', namespace]).status;

describe('the key server image run by the real kubelet', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = freshNamespace('image');
    runPod(namespace, 'server', `ghcr.io/keyservice/key-server:${VERSION}`, ['--max-size', '64'], 1123);
    await waitFor('the server pod to be Ready', () => podStatus(namespace, 'server').containerStatuses?.[0]?.ready || undefined,
      { timeoutMs: 60_000 });
  });

  it('runs node as PID 1 as user 65532, with no capability, on a root filesystem that refuses writes', () => {
    expect(inspectPid1(namespace, 'server')).toEqual(RESTRICTED_PID1);
  });

  it('carries the server\'s runtime dependencies and not the operator\'s (no Kubernetes client, no yaml)', () => {
    const present = kubectl(['exec', '-n', namespace, 'server', '--', '/nodejs/bin/node', '-e',
      "const fs = require('fs'); console.log(JSON.stringify(['express', 'pino', 'prom-client', 'zod', '@kubernetes/client-node', 'yaml']" +
      ".filter((name) => fs.existsSync('/app/node_modules/' + name + '/package.json'))))"]);
    expect(JSON.parse(present)).toEqual(['express', 'pino', 'prom-client', 'zod']);
  });

  it('has no shell to exec', () => {
    const result = kubectl(['exec', '-n', namespace, 'server', '--', '/nodejs/bin/node', '-e',
      "console.log(['/bin/sh', '/bin/bash', '/usr/bin/sh', '/busybox'].filter((path) => require('fs').existsSync(path)).length)"]);
    expect(result.trim()).toBe('0');
  });

  it('exits 0 on SIGTERM, handled by node as PID 1', async () => {
    terminatePid1(namespace, 'server');
    const terminated = await waitFor('the server container to terminate',
      () => podStatus(namespace, 'server').containerStatuses?.[0]?.state.terminated, { timeoutMs: 60_000 });
    expect({ exitCode: terminated.exitCode, reason: terminated.reason }).toEqual({ exitCode: 0, reason: 'Completed' });
  });
});
