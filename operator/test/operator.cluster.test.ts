import { jest } from '@jest/globals';
import { join } from 'node:path';
import {
  clusterInfo,
  eventually,
  freshNamespace,
  getObject,
  kubectl,
  kubectlResult,
  operatorMetric,
  restartComponent,
  startOperator,
  type OperatorProcess,
} from './cluster-harness.js';

jest.setTimeout(180_000);

interface Condition {
  type: string;
  status: string;
  reason: string;
}
interface KeyServiceObject {
  metadata: { generation: number; uid: string };
  status?: { observedGeneration?: number; conditions?: Condition[]; replicas?: number; readyReplicas?: number };
}
interface DeploymentObject {
  metadata: { ownerReferences?: { kind: string; name: string; controller: boolean }[] };
  spec: { replicas: number; template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[] }[] } } };
}

const MONITORING_CRDS = ['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com'];

function keyService(name: string, namespace: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name, namespace }, spec });
}

function condition(name: string, namespace: string, type: string): string {
  const ks = getObject<KeyServiceObject>('keyservice', name, namespace);
  const c = ks?.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : 'absent';
}

function expectCondition(name: string, namespace: string, type: string, expected: string): void {
  expect(condition(name, namespace, type)).toBe(expected);
}

function installKeyServiceCrd(): void {
  kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
  kubectl(['wait', '--for=condition=Established', 'crd/keyservices.keyservice.io', '--timeout=30s']);
}

describe('the operator against a real control plane', () => {
  let ns = '';
  let op: OperatorProcess;

  beforeAll(async () => {
    installKeyServiceCrd();
    kubectl(['delete', 'crd', '--ignore-not-found', ...MONITORING_CRDS]);
    ns = freshNamespace('ks-op');
    op = await startOperator(['--watch-namespace', ns, '--monitoring-poll-seconds', '1'], 'operator');
  });

  afterAll(async () => {
    await op.stop();
  });

  it('applies a sample into a Deployment and a Service and reports Ready once kwok runs the pods', async () => {
    // 0.1 CPU is stored as 100m: writes.cluster.test.ts counts, from the audit log, that no write follows.
    kubectl(['apply', '-f', '-'], keyService('keys', ns, { maxSize: 2048, replicas: 2, resources: { requests: { cpu: '0.1' } } }));
    await eventually(() => expectCondition('keys', ns, 'Ready', 'True/Available'), 60_000);
    const deployment = getObject<DeploymentObject>('deployment', 'keys', ns);
    expect([
      deployment?.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.controller}`),
      deployment?.spec.replicas,
      getObject('service', 'keys', ns) !== null,
      getObject<KeyServiceObject>('keyservice', 'keys', ns)?.status?.readyReplicas,
    ]).toEqual([['KeyService/keys/true'], 2, true, 2]);
  });

  it('says MonitoringReady=False while the monitoring CRDs are absent, and stays Ready', () => {
    expect([condition('keys', ns, 'MonitoringReady'), condition('keys', ns, 'Ready')]).toEqual([
      'False/MonitoringCRDsMissing',
      'True/Available',
    ]);
  });

  it('creates the ServiceMonitor and PrometheusRule once the monitoring CRDs are installed, without a restart', async () => {
    const dir = clusterInfo().monitoringCrdDir;
    kubectl([
      'apply',
      '--server-side',
      '-f',
      join(dir, 'monitoring.coreos.com_servicemonitors.yaml'),
      '-f',
      join(dir, 'monitoring.coreos.com_prometheusrules.yaml'),
    ]);
    await eventually(() => expectCondition('keys', ns, 'MonitoringReady', 'True/MonitoringApplied'), 60_000);
    expect([getObject('servicemonitor', 'keys', ns) !== null, getObject('prometheusrule', 'keys', ns) !== null]).toEqual([true, true]);
  });

  it('rolls the Deployment when maxSize changes', async () => {
    const before = getObject<DeploymentObject>('deployment', 'keys', ns)?.spec.template.metadata.annotations['keyservice.io/config-hash'];
    kubectl(['patch', 'keyservice', 'keys', '-n', ns, '--type', 'merge', '-p', '{"spec":{"maxSize":4096}}']);
    await eventually(() => {
      const d = getObject<DeploymentObject>('deployment', 'keys', ns);
      expect(d?.spec.template.spec.containers[0]?.args).toContain('--max-size=4096');
    });
    const after = getObject<DeploymentObject>('deployment', 'keys', ns)?.spec.template.metadata.annotations['keyservice.io/config-hash'];
    await eventually(() => {
      const ks = getObject<KeyServiceObject>('keyservice', 'keys', ns);
      expect([ks?.status?.observedGeneration, condition('keys', ns, 'Ready')]).toEqual([ks?.metadata.generation, 'True/Available']);
    }, 60_000);
    expect(after === before).toBe(false);
  });

  it.each([
    [{ maxSize: 0 }, 'spec.maxSize: Invalid value: 0: spec.maxSize in body should be greater than or equal to 1'],
    [
      { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } },
      'spec.autoscaling.minReplicas: Invalid value: spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas',
    ],
    [{ port: 8000 }, 'spec.metricsPort: Invalid value: spec.metricsPort must differ from spec.port'],
  ])('has the API server reject %j with a message naming the field', (spec, message) => {
    const result = kubectlResult(['apply', '-f', '-'], keyService('invalid', ns, spec));
    expect([result.status, result.stderr.includes(message) ? message : result.stderr]).toEqual([1, message]);
  });

  it('restores a deleted Service and an edited Deployment', async () => {
    kubectl(['delete', 'service', 'keys', '-n', ns]);
    kubectl(['set', 'image', 'deployment/keys', '-n', ns, 'key-server=example.org/evil:1']);
    await eventually(() => {
      const image = kubectl(['get', 'deployment', 'keys', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
      expect([getObject('service', 'keys', ns) !== null, image]).toEqual([true, 'ghcr.io/keyservice/key-server:0.1.0']);
    });
  });

  it('keeps the replicas when autoscaling is switched on, creates the HPA, and leaves replicas the HPA sets alone', async () => {
    kubectl(['patch', 'keyservice', 'keys', '-n', ns, '--type', 'merge', '-p', '{"spec":{"autoscaling":{"enabled":true,"minReplicas":1,"maxReplicas":5}}}']);
    await eventually(() => expect(getObject('hpa', 'keys', ns) !== null).toBe(true));
    expect(getObject<DeploymentObject>('deployment', 'keys', ns)?.spec.replicas).toBe(2);
    // What the HPA controller does when it scales: a write to the scale subresource.
    kubectl(['scale', 'deployment/keys', '-n', ns, '--replicas=3']);
    kubectl(['patch', 'keyservice', 'keys', '-n', ns, '--type', 'merge', '-p', '{"spec":{"maxSize":8192}}']);
    await eventually(() => {
      const d = getObject<DeploymentObject>('deployment', 'keys', ns);
      expect(d?.spec.template.spec.containers[0]?.args).toContain('--max-size=8192');
    });
    // Status for the new generation is written after every child was applied: the reconcile is over.
    await eventually(() => {
      const ks = getObject<KeyServiceObject>('keyservice', 'keys', ns);
      expect(ks?.status?.observedGeneration).toBe(ks?.metadata.generation);
    });
    expect(getObject<DeploymentObject>('deployment', 'keys', ns)?.spec.replicas).toBe(3);
  });

  it('recovers after kube-apiserver stops and starts again', async () => {
    await restartComponent('kube-apiserver', 3_000);
    await eventually(() => expect(kubectl(['get', '--raw', '/readyz'])).toBe('ok'), 90_000, 500);
    kubectl(['apply', '-f', '-'], keyService('after-restart', ns, {}));
    await eventually(() => expectCondition('after-restart', ns, 'Ready', 'True/Available'), 90_000);
    expect(op.child.exitCode).toBeNull();
  });

  it('lets the garbage collector remove every child once the KeyService is deleted', async () => {
    kubectl(['delete', 'keyservice', 'keys', '-n', ns, '--wait=true']);
    await eventually(
      () =>
        expect(['deployment', 'service', 'hpa', 'servicemonitor', 'prometheusrule'].map((kind) => getObject(kind, 'keys', ns))).toEqual([
          null,
          null,
          null,
          null,
          null,
        ]),
      60_000,
    );
  });
});

describe('leader election between two operator processes', () => {
  it('lets one act, and the other take over once the killed leader\'s lease expires', async () => {
    installKeyServiceCrd();
    const ns = freshNamespace('ks-le');
    const flags = ['--watch-namespace', ns, '--leader-elect', '--leader-election-namespace', ns];
    const a = await startOperator([...flags, '--identity', 'candidate-a'], 'leader-a');
    await eventually(() => expect(kubectl(['get', 'lease', 'keyservice-operator', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}'])).toBe('candidate-a'));
    const b = await startOperator([...flags, '--identity', 'candidate-b'], 'leader-b');
    try {
      kubectl(['apply', '-f', '-'], keyService('led', ns, {}));
      await eventually(() => expect(getObject('deployment', 'led', ns) !== null).toBe(true));
      const leaderGauges = async () => [await operatorMetric(a, /^keyservice_operator_leader /), await operatorMetric(b, /^keyservice_operator_leader /)];
      expect(await eventually(leaderGauges)).toEqual([1, 0]);

      await a.stop('SIGKILL');
      const killedAt = Date.now();
      await eventually(
        () => expect(kubectl(['get', 'lease', 'keyservice-operator', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}'])).toBe('candidate-b'),
        30_000,
      );
      process.stdout.write(`leader failover: ${Date.now() - killedAt} ms after SIGKILL\n`);
      kubectl(['apply', '-f', '-'], keyService('after-failover', ns, {}));
      await eventually(() => expect(getObject('deployment', 'after-failover', ns) !== null).toBe(true));
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
