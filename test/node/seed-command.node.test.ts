import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { clusterEnv, clusterTool, freshNamespace, kubectl, kubectlAsync, kubectlJson, ROOT } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';
import { inspectPid1, RESTRICTED_PID1, terminatePid1 } from './pid1-inspection.js';
import { getPath, loadUntil, serviceAnswering, serviceTarget, type ServiceTarget } from './service-client.js';

jest.setTimeout(300_000);

const helm = (...args: string[]) => clusterTool('helm', args, { cwd: ROOT });

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; serviceAccountName?: string };
  status: {
    phase: string;
    containerStatuses?: { ready: boolean; restartCount: number; lastState?: { terminated?: { exitCode: number } } }[];
  };
}
const SERVER_PODS = 'app.kubernetes.io/instance=key-service,app.kubernetes.io/component=key-server';
const OPERATOR_PODS = 'app.kubernetes.io/instance=key-service,app.kubernetes.io/component=operator';
const podsOf = (namespace: string, selector: string) =>
  kubectlJson<{ items: Pod[] }>(['get', 'pods', '-n', namespace, '-l', selector]).items;

/** The users the API server's audit log records as writing the object itself (not its status or scale). */
function auditedWriters(namespace: string, resource: string, name: string): Set<string> {
  const writers = new Set<string>();
  for (const line of readFileSync(clusterEnv().auditLog, 'utf8').split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as {
      user: { username: string };
      objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
    };
    const ref = event.objectRef;
    if (ref?.resource === resource && ref.namespace === namespace && ref.name === name && ref.subresource === undefined) {
      writers.add(event.user.username);
    }
  }
  return writers;
}

const deploymentGeneration = async (namespace: string) =>
  (JSON.parse(await kubectlAsync(['get', 'deployment', 'key-service', '-n', namespace, '-o', 'json'])) as { metadata: { generation: number } })
    .metadata.generation;

/** What one request saw, or undefined when it got a whole key of `size` bytes in hex. */
async function fetchHexKey(target: ServiceTarget, size: number): Promise<string | undefined> {
  const response = await getPath(target, `/key/${size}`);
  if (response.status === 200 && /^[0-9a-f]+$/.test(response.body) && response.body.length === size * 2) return undefined;
  return `${response.status} (${response.body.length} characters)`;
}

describe('the seed command, helm install key-service ./helm-chart --set server.port=1123 --set server.maxSize=2048, on the real node', () => {
  let namespace: string;
  let target: ServiceTarget;

  beforeAll(async () => {
    namespace = freshNamespace('seed');
    const installed = helm('install', 'key-service', './helm-chart', '--namespace', namespace,
      '--set', 'server.port=1123', '--set', 'server.maxSize=2048');
    expect({ status: installed.status, stderr: installed.stderr }).toEqual({ status: 0, stderr: '' });
    kubectl(['wait', '-n', namespace, 'keyservice/key-service', '--for', 'condition=Ready', '--timeout', '240s']);
    target = serviceTarget(namespace, 'key-service');
    await serviceAnswering(target);
  });

  afterAll(() => {
    helm('uninstall', 'key-service', '--namespace', namespace, '--wait');
  });

  it('runs the operator as a pod on the real node, writing the Deployment under its own ServiceAccount', () => {
    const [operator, ...others] = podsOf(namespace, OPERATOR_PODS);
    expect(others).toEqual([]);
    expect(operator?.spec).toMatchObject({ nodeName: clusterEnv().realNode, serviceAccountName: 'key-service-keyservice-operator' });
    expect(operator?.status.containerStatuses?.[0]?.ready).toBe(true);
    expect(auditedWriters(namespace, 'deployments', 'key-service')).toEqual(
      new Set([`system:serviceaccount:${namespace}:key-service-keyservice-operator`]));
  });

  it('runs the operator image as user 65532 with no capability on a read-only root, exiting 0 on SIGTERM', async () => {
    const [operator] = podsOf(namespace, OPERATOR_PODS);
    const name = operator?.metadata.name ?? '';
    expect(inspectPid1(namespace, name)).toEqual(RESTRICTED_PID1);
    terminatePid1(namespace, name);
    const last = await waitFor('the operator container to be restarted', () =>
      podsOf(namespace, OPERATOR_PODS)[0]?.status.containerStatuses?.[0]?.lastState?.terminated, { timeoutMs: 60_000 });
    expect(last.exitCode).toBe(0);
  });

  it('makes the KeyService Ready because its key server pods on the real node pass their probes', async () => {
    // The HPA raises the Deployment to the chart's minReplicas (2) on its first sync, metrics or not.
    const pods = await waitFor('two key server pods', () => {
      const found = podsOf(namespace, SERVER_PODS);
      return found.length >= 2 && found.every((pod) => pod.status.containerStatuses?.[0]?.ready === true) ? found : undefined;
    }, { timeoutMs: 90_000 });
    for (const pod of pods) {
      expect({ node: pod.spec.nodeName, phase: pod.status.phase, ready: pod.status.containerStatuses?.[0]?.ready })
        .toEqual({ node: clusterEnv().realNode, phase: 'Running', ready: true });
    }
  });

  it('answers a 2048-byte key and a 413 for 2049 bytes through the Service\'s ClusterIP, from the host', async () => {
    const key = await getPath(target, '/key/2048');
    expect({ status: key.status, length: key.body.length, hex: /^[0-9a-f]+$/.test(key.body) }).toEqual({ status: 200, length: 4096, hex: true });
    const tooLong = await getPath(target, '/key/2049');
    expect(tooLong.status).toBe(413);
  });

  it('passes helm test', () => {
    const tested = helm('test', 'key-service', '--namespace', namespace);
    expect({ status: tested.status, stderr: tested.stderr }).toEqual({ status: 0, stderr: '' });
    expect(tested.stdout).toContain('Phase:          Succeeded');
  });

  describe('under load without pause from the host', () => {
    it('fails no request while kubectl patch rolls maxSize 2048 → 4096, and serves /key/4096 once the old pods are gone', async () => {
      const generation = await deploymentGeneration(namespace);
      const rollout = (async () => {
        await kubectlAsync(['patch', 'keyservice', 'key-service', '-n', namespace, '--type', 'merge', '-p', '{"spec":{"maxSize":4096}}']);
        await waitFor('the operator to write the new Deployment', async () =>
          (await deploymentGeneration(namespace)) > generation || undefined, { timeoutMs: 60_000 });
        await kubectlAsync(['rollout', 'status', '-n', namespace, 'deployment/key-service', '--timeout', '180s']);
      })();
      const load = await loadUntil(rollout, 4, () => fetchHexKey(target, 32));
      console.log(`rollout 2048 → 4096: ${load.requests} requests, ${load.failures.length} failed`);
      expect({ failures: load.failures, someRequests: load.requests > 100 }).toEqual({ failures: [], someRequests: true });
      // The rollout is complete while the old pods still drain (--shutdown-delay): they keep answering as before
      // until they exit, which is what lets the Service stop sending them traffic first.
      await waitFor('the old pods to drain and go', () => podsOf(namespace, SERVER_PODS).every((pod) => !pod.metadata.deletionTimestamp) || undefined, {
        timeoutMs: 90_000,
      });
      expect(await fetchHexKey(target, 4096)).toBeUndefined();
    });

    it('fails no request while one replica is deleted with kubectl delete pod', async () => {
      const [victim] = podsOf(namespace, SERVER_PODS);
      const deletion = (async () => {
        await kubectlAsync(['delete', 'pod', '-n', namespace, victim?.metadata.name ?? '', '--wait=true']);
        await kubectlAsync(['rollout', 'status', '-n', namespace, 'deployment/key-service', '--timeout', '180s']);
      })();
      const load = await loadUntil(deletion, 4, () => fetchHexKey(target, 32));
      console.log(`delete pod: ${load.requests} requests, ${load.failures.length} failed`);
      expect({ failures: load.failures, someRequests: load.requests > 100 }).toEqual({ failures: [], someRequests: true });
    });
  });
});
