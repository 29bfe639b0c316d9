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

jest.setTimeout(240_000);

interface Meta {
  metadata: { resourceVersion: string; uid: string; ownerReferences?: { kind: string; name: string }[]; annotations?: Record<string, string> };
}
interface Budget extends Meta {
  spec: { maxUnavailable?: number | string; minAvailable?: number | string; selector: unknown };
}
interface Policy extends Meta {
  spec: { ingress: { from?: { namespaceSelector?: { matchLabels?: Record<string, string> } }[] }[] };
}
interface PodTemplate {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
}

const owner = (o: Meta | null) => o?.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`);
const metricsNamespace = (p: Policy | null) => p?.spec.ingress[1]?.from?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];

const USER_BUDGET = `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: taken }
spec: { minAvailable: 1, selector: { matchLabels: { app: legacy } } }
`;

describe('the PodDisruptionBudget and NetworkPolicy children, and the pod placement fields', () => {
  let ns = '';
  let op: OperatorProcess;
  const spec = {
    replicas: 2,
    networkPolicy: { enabled: true, apiFrom: [{ namespaceSelector: { matchLabels: { team: 'payments' } } }] },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'keys', effect: 'NoSchedule' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
    imagePullSecrets: [{ name: 'registry' }],
    podLabels: { team: 'keys' },
  };

  beforeAll(async () => {
    await installKeyServiceCrd();
    ns = freshNamespace('ks-place');
    kubectl(['apply', '-n', ns, '-f', '-'], USER_BUDGET);
    op = await startOperator(['--watch-namespace', ns], 'placement');
    applyKeyService('keys', ns, spec);
    await eventually(() => expect([owner(getObject('pdb', 'keys', ns)), owner(getObject('networkpolicy', 'keys', ns))]).toEqual([['KeyService/keys'], ['KeyService/keys']]), 60_000);
  });
  afterAll(() => op.stop());

  it('gives two replicas a budget of one pod at a time and the pods their placement, and the policy its peers', () => {
    const budget = getObject<Budget>('pdb', 'keys', ns);
    const policy = getObject<Policy>('networkpolicy', 'keys', ns);
    const template = getObject<PodTemplate>('deployment', 'keys', ns)?.spec.template;
    const placed = Object.fromEntries(['nodeSelector', 'tolerations', 'imagePullSecrets'].map((f) => [f, template?.spec[f]]));
    expect([budget?.spec.maxUnavailable, policy?.spec.ingress[0]?.from, metricsNamespace(policy), template?.metadata.labels.team, placed]).toEqual([
      1,
      [{ namespaceSelector: { matchLabels: { team: 'payments' } } }],
      'monitoring',
      'keys',
      { nodeSelector: spec.nodeSelector, tolerations: spec.tolerations, imagePullSecrets: spec.imagePullSecrets },
    ]);
  });

  it('writes neither child again when nothing changed (the API server keeps them as applied)', async () => {
    const versions = () => ['deployment', 'pdb', 'networkpolicy'].map((kind) => getObject<Meta>(kind, 'keys', ns)?.metadata.resourceVersion);
    const before = versions();
    kubectl(['annotate', 'keyservice', 'keys', '-n', ns, '--overwrite', 'keyservice.io/reconcile-requested-at=idle-check']);
    await eventually(() => expect(getObject<{ status?: { lastHandledReconcileAt?: string } }>('keyservice', 'keys', ns)?.status?.lastHandledReconcileAt).toBe('idle-check'), 60_000);
    expect(versions()).toEqual(before);
  });

  it('recreates a deleted PodDisruptionBudget', async () => {
    const before = getObject<Budget>('pdb', 'keys', ns)?.metadata.uid;
    kubectl(['delete', 'pdb', 'keys', '-n', ns, '--wait=true']);
    await eventually(() => {
      const uid = getObject<Budget>('pdb', 'keys', ns)?.metadata.uid;
      expect([uid !== undefined, uid !== before]).toEqual([true, true]);
    }, 60_000);
  });

  it('repairs a NetworkPolicy edited by hand', async () => {
    kubectl(['patch', 'networkpolicy', 'keys', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/ingress/1/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name","value":"anyone"}]']);
    await eventually(() => expect(metricsNamespace(getObject<Policy>('networkpolicy', 'keys', ns))).toBe('monitoring'), 60_000);
  });

  it('removes both once the KeyService runs one pod without a NetworkPolicy', async () => {
    applyKeyService('keys', ns, { ...spec, replicas: 1, networkPolicy: { enabled: false } });
    await eventually(() => expect([getObject('pdb', 'keys', ns), getObject('networkpolicy', 'keys', ns)]).toEqual([null, null]), 60_000);
  });

  it('leaves a PodDisruptionBudget of the same name that is not its own untouched, and says so', async () => {
    const before = getObject<Budget>('pdb', 'taken', ns);
    applyKeyService('taken', ns, { replicas: 2 });
    await eventually(() => expect(conditionOf('taken', ns, 'Degraded')).toBe('True/ChildNotOwned'), 60_000);
    const after = getObject<Budget>('pdb', 'taken', ns);
    const events = kubectl(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=taken,reason=ChildNotOwned', '-o', 'jsonpath={.items[*].message}']);
    expect([after?.metadata.resourceVersion, after?.metadata.ownerReferences, after?.spec, getObject('deployment', 'taken', ns) !== null, events.includes('PodDisruptionBudget')]).toEqual([
      before?.metadata.resourceVersion,
      undefined,
      before?.spec,
      true,
      true,
    ]);
  });

  it('keeps the Deployment, and says why, when the API server refuses the affinity the spec passes through', async () => {
    const uid = getObject<Meta>('deployment', 'keys', ns)?.metadata.uid;
    const invalid = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
    applyKeyService('keys', ns, { ...spec, affinity: invalid });
    await eventually(() => expect(conditionOf('keys', ns, 'Degraded')).toBe('True/ApplyFailed'), 60_000);
    expect(getObject<Meta>('deployment', 'keys', ns)?.metadata.uid).toBe(uid);
    applyKeyService('keys', ns, spec);
    await eventually(() => expect(conditionOf('keys', ns, 'Degraded')).toBe('False/AsExpected'), 60_000);
  });

  it('is refused by the API server when podLabels would set a selector label, naming the field', () => {
    const ks = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'relabel', namespace: ns }, spec: { podLabels: { 'app.kubernetes.io/instance': 'other' } } };
    const result = kubectlResult(['apply', '-f', '-'], JSON.stringify(ks));
    expect([result.status === 0, result.stderr.includes('spec.podLabels: Invalid value'), result.stderr.includes('spec.podLabels must not set app.kubernetes.io/name')]).toEqual([false, true, true]);
  });
});
