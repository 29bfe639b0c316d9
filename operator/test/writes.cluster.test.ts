import { expect, jest } from '@jest/globals';
import { auditLogPath, auditMark, writesSince } from '../../test/cluster/audit-log.js';
import {
  applyKeyService,
  clusterInfo,
  conditionOf,
  eventually,
  freshNamespace,
  getObject,
  installKeyServiceCrd,
  installMonitoringCrds,
  kubectl,
  operatorMetric,
  startOperator,
  type OperatorProcess,
} from './cluster-harness.js';

jest.setTimeout(300_000);

const SUCCESSES = /^keyservice_operator_reconcile_total\{result="success"\}/;

const FULL = {
  // minReplicas 2: a PodDisruptionBudget too.
  autoscaling: { enabled: true, minReplicas: 2 },
  podDisruptionBudget: { minAvailable: '50%' },
  // Empty selector parts, which the API server drops, must not read as drift.
  networkPolicy: { enabled: true, apiFrom: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: {} } }, { podSelector: { matchExpressions: [{ key: 'client', operator: 'Exists', values: [] }] } }] },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'keys', effect: 'NoSchedule' }],
  affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'full' } } } }] } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
  imagePullSecrets: [{ name: 'registry' }],
  podLabels: { team: 'keys' },
  podAnnotations: { 'example.com/owner': 'platform' },
  auth: { enabled: true },
  dashboard: { enabled: true },
  tls: { secretName: 'keys-tls' },
  serviceMonitor: { labels: { release: 'prom' } },
  alerts: { labels: { team: 'platform' } },
  alerting: {
    slack: { channel: '#keys', webhookUrl: { name: 'alerting', key: 'slack-url' } },
    email: { to: 'oncall@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587' },
  },
};
const NAMES = ['plain', 'full'];

interface Labelled {
  metadata: { labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

describe('writes of the operator, counted from the API server\'s audit log', () => {
  let ns = '';
  let op: OperatorProcess | undefined;
  const log = () => auditLogPath(clusterInfo().dir);
  const operatorWrites = (mark: number) => writesSince(log(), mark, { userAgent: 'keyservice-operator', namespace: ns });

  /** Waits until the operator has reconciled every KeyService `rounds` more times: proof that reconciles ran. */
  async function reconciled(operator: OperatorProcess, rounds: number): Promise<void> {
    const start = await eventually(() => operatorMetric(operator, SUCCESSES));
    await eventually(async () => expect(await operatorMetric(operator, SUCCESSES)).toBeGreaterThanOrEqual(start + rounds * NAMES.length), 60_000);
  }

  beforeAll(async () => {
    await installKeyServiceCrd();
    await installMonitoringCrds(['servicemonitors', 'prometheusrules', 'alertmanagerconfigs']);
    ns = freshNamespace('ks-writes');
    applyKeyService('plain', ns, {});
    applyKeyService('full', ns, FULL);
    op = await startOperator(['--watch-namespace', ns, '--resync-seconds', '10', '--monitoring-poll-seconds', '1'], 'writes-1');
    await eventually(() => expect(NAMES.map((n) => conditionOf(n, ns, 'Ready'))).toEqual(['True/Available', 'True/Available']), 120_000);
  });
  afterAll(async () => op?.stop());

  it('makes none across resyncs and a metadata-only change of an unchanged KeyService', async () => {
    if (!op) throw new Error('no operator');
    await reconciled(op, 1);
    const mark = auditMark(log());
    kubectl(['annotate', 'keyservice', 'plain', '-n', ns, 'touched=1']);
    await reconciled(op, 3);
    expect(operatorWrites(mark)).toEqual([]);
  });

  it('makes none after a restart, when every child comes from the initial list', async () => {
    await op?.stop();
    const mark = auditMark(log());
    op = await startOperator(['--watch-namespace', ns, '--resync-seconds', '10', '--monitoring-poll-seconds', '1'], 'writes-2');
    await reconciled(op, 3);
    expect(operatorWrites(mark)).toEqual([]);
  });

  describe('when a field is removed from the KeyService', () => {
    it('removes the ServiceMonitor label', async () => {
      kubectl(['patch', 'keyservice', 'full', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/serviceMonitor/labels"}]']);
      await eventually(() => expect(getObject<Labelled>('servicemonitor', 'full', ns)?.metadata.labels?.release).toBeUndefined());
    });

    it('removes the alert label from every rule of the PrometheusRule', async () => {
      kubectl(['patch', 'keyservice', 'full', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/alerts/labels"}]']);
      await eventually(() => {
        const text = JSON.stringify(getObject<Labelled>('prometheusrule', 'full', ns)?.spec);
        expect([text.includes('"severity"'), text.includes('"team"')]).toEqual([true, false]);
      });
    });

    it('removes the email receiver from the AlertmanagerConfig while Slack stays', async () => {
      kubectl(['patch', 'keyservice', 'full', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/alerting/email"}]']);
      await eventually(() => {
        const receivers = getObject<Labelled>('alertmanagerconfig', 'full', ns)?.spec.receivers as Record<string, unknown>[];
        expect(receivers.map((r) => Object.keys(r).filter((k) => k.endsWith('Configs')).sort())).toEqual([['slackConfigs']]);
      });
    });

    it('removes the TLS volume from the Deployment', async () => {
      kubectl(['patch', 'keyservice', 'full', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/tls/secretName"}]']);
      await eventually(() => expect(JSON.stringify(getObject<Labelled>('deployment', 'full', ns)?.spec)).not.toContain('keys-tls'));
    });
  });
});
