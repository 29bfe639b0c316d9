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
} from './cluster-harness.js';

jest.setTimeout(180_000);

interface Condition {
  type: string;
  status: string;
  lastTransitionTime: string;
}
interface KeyServiceObject {
  status?: { conditions?: Condition[]; replicas?: number; readyReplicas?: number };
}

const ks = (name: string, namespace: string, spec: unknown) =>
  JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name, namespace }, spec });

describe('the CRD refuses what the operator could only refuse later', () => {
  let ns = '';
  beforeAll(async () => {
    await installKeyServiceCrd();
    ns = freshNamespace('ks-crd');
  });

  it.each([
    ['a name with a dot', 'my.keys', {}, 'metadata.name must be at most 63 characters'],
    ['a name of 64 characters', `k${'x'.repeat(63)}`, {}, 'metadata.name must be at most 63 characters'],
    ['auth.overlap of 2d with rotationInterval 24h', 'keys', { auth: { overlap: '2d', rotationInterval: '24h' } }, 'spec.auth.overlap must be shorter than spec.auth.rotationInterval'],
    ['auth.overlap of 1h30m with rotationInterval 90m', 'keys', { auth: { overlap: '1h30m', rotationInterval: '90m' } }, 'spec.auth.overlap must be shorter'],
    ['a ServiceMonitor label key "bad key!"', 'keys', { serviceMonitor: { labels: { 'bad key!': 'x' } } }, 'spec.serviceMonitor.labels: Invalid value'],
    ['an alert label key of 64 characters', 'keys', { alerts: { labels: { [`a${'b'.repeat(63)}`]: 'x' } } }, 'spec.alerts.labels: Invalid value'],
  ])('refuses %s, naming the field', (_what, name, spec, message) => {
    const result = kubectlResult(['apply', '-f', '-'], ks(name, ns, spec));
    expect([result.status, result.stderr.includes(message) ? message : result.stderr]).toEqual([1, message]);
  });

  it('accepts an overlap of 89m59s under a rotation of 1h30m, and a prefixed label key', () => {
    const spec = { auth: { overlap: '89m59s', rotationInterval: '1h30m' }, serviceMonitor: { labels: { 'example.com/release': 'prom' } } };
    expect(kubectlResult(['apply', '--dry-run=server', '-f', '-'], ks('keys', ns, spec)).stderr).toBe('');
  });
});

describe('status while the operator runs', () => {
  let ns = '';
  let op: OperatorProcess;
  const readyAndProgressing = (name: string) =>
    (getObject<KeyServiceObject>('keyservice', name, ns)?.status?.conditions ?? [])
      .filter((c) => c.type === 'Ready' || c.type === 'Progressing')
      .map((c) => `${c.type}=${c.status} since ${c.lastTransitionTime}`);

  beforeAll(async () => {
    await installKeyServiceCrd();
    ns = freshNamespace('ks-status');
    op = await startOperator(['--watch-namespace', ns], 'status-truth');
  });
  afterAll(() => op.stop());

  it('keeps Ready and does not call a scale a rollout', async () => {
    applyKeyService('keys', ns, {});
    await eventually(() => expect([conditionOf('keys', ns, 'Ready'), conditionOf('keys', ns, 'Progressing')]).toEqual(['True/Available', 'False/RolloutComplete']), 60_000);
    const before = readyAndProgressing('keys');
    kubectl(['scale', 'keyservice/keys', '-n', ns, '--replicas', '3']);
    await eventually(() => {
      const status = getObject<KeyServiceObject>('keyservice', 'keys', ns)?.status;
      expect([status?.replicas, status?.readyReplicas]).toEqual([3, 3]);
    }, 60_000);
    // Unchanged lastTransitionTime: neither condition flipped at any point of the scale.
    expect(readyAndProgressing('keys')).toEqual(before);
    expect(kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=PodsNotReady', '-o', 'name'])).toBe('');
  });

  it('raises the count of one Event when the same failure comes back, instead of adding Events', async () => {
    kubectl(['create', 'configmap', 'agg', '-n', ns]);
    applyKeyService('agg', ns, { dashboard: { enabled: true } });
    await eventually(() => expect(conditionOf('agg', ns, 'Degraded')).toBe('True/ChildNotOwned'), 60_000);
    applyKeyService('agg', ns, { dashboard: { enabled: false } });
    await eventually(() => expect(conditionOf('agg', ns, 'Degraded')).toBe('False/AsExpected'), 60_000);
    applyKeyService('agg', ns, { dashboard: { enabled: true } });
    await eventually(() => expect(conditionOf('agg', ns, 'Degraded')).toBe('True/ChildNotOwned'), 60_000);
    await eventually(() =>
      expect(kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=ChildNotOwned', '-o', 'jsonpath={.items[*].count}'])).toBe('2'),
    );
  });
});
