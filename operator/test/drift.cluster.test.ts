import { expect, jest } from '@jest/globals';
import {
  applyKeyService,
  conditionOf,
  eventually,
  freshNamespace,
  getObject,
  installKeyServiceCrd,
  kubectl,
  kubectlResult,
  startOperator,
  type OperatorProcess,
  applyDenyPolicy,
} from './cluster-harness.js';

jest.setTimeout(180_000);

interface Port {
  name: string;
  port?: number;
  containerPort?: number;
}
interface ServiceObject {
  spec: { ports: Port[] };
}
interface DeploymentObject {
  spec: { template: { spec: { containers: { ports: Port[] }[] } } };
}

const servicePorts = (ns: string) => getObject<ServiceObject>('service', 'keys', ns)?.spec.ports.map((p) => `${p.name}:${p.port}`);
const containerPorts = (ns: string) =>
  getObject<DeploymentObject>('deployment', 'keys', ns)?.spec.template.spec.containers[0]?.ports.map((p) => `${p.name}:${p.containerPort}`);

/** Refuses (422, as a validating webhook would) every Service named `blocked` in one namespace. */
const denyServicesNamedBlocked = (ns: string) =>
  applyDenyPolicy(
    `deny-blocked-${ns}`,
    '{ apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [services] }',
    `object.metadata.name != 'blocked' || object.metadata.namespace != '${ns}'`,
    'Services named blocked are refused here',
  );

describe('drift and failures of single children', () => {
  let ns = '';
  let op: OperatorProcess;

  beforeAll(async () => {
    await installKeyServiceCrd();
    ns = freshNamespace('ks-drift');
    op = await startOperator(['--watch-namespace', ns], 'drift');
    applyKeyService('keys', ns, {});
    await eventually(() => expect([servicePorts(ns), containerPorts(ns)]).toEqual([['http:1123', 'metrics:8000'], ['http:1123', 'metrics:8000']]), 60_000);
  });
  afterAll(() => op.stop());

  it('repairs a Service whose port was changed by hand, although the API server refuses to patch it back', async () => {
    kubectl(['patch', 'service', 'keys', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":9999}]']);
    await eventually(() => expect(servicePorts(ns)).toEqual(['http:1123', 'metrics:8000']), 60_000);
  });

  it('repairs a Deployment whose containerPort was changed by hand', async () => {
    const path = '/spec/template/spec/containers/0/ports/0/containerPort';
    kubectl(['patch', 'deployment', 'keys', '-n', ns, '--type', 'json', '-p', `[{"op":"replace","path":"${path}","value":9999}]`]);
    await eventually(() => expect(containerPorts(ns)).toEqual(['http:1123', 'metrics:8000']), 60_000);
  });

  it('applies the children after one the API server refuses, shows the failure, and retries it with backoff until it passes', async () => {
    const policy = denyServicesNamedBlocked(ns);
    await eventually(() => {
      const probe = kubectlResult(['create', 'service', 'clusterip', 'blocked', '-n', ns, '--tcp=80', '--dry-run=server']);
      expect(probe.stderr).toContain('Services named blocked are refused here');
    });
    applyKeyService('blocked', ns, { autoscaling: { enabled: true } });
    await eventually(() => expect(conditionOf('blocked', ns, 'Degraded')).toBe('True/ApplyFailed'), 60_000);
    expect([getObject('service', 'blocked', ns), getObject('hpa', 'blocked', ns) !== null]).toEqual([null, true]);
    kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', policy]);
    // No change to the KeyService: only the operator's own retry can bring the Service.
    await eventually(() => expect([getObject('service', 'blocked', ns) !== null, conditionOf('blocked', ns, 'Degraded')]).toEqual([true, 'False/AsExpected']), 90_000);
  });
});
