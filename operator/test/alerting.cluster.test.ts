import { expect, jest } from '@jest/globals';
import { join } from 'node:path';
import { clusterInfo, eventually, freshNamespace, getObject, kubectl, kubectlResult, startOperator, type OperatorProcess } from './cluster-harness.js';

jest.setTimeout(120_000);

const ALERTMANAGER_CONFIG_CRD = 'alertmanagerconfigs.monitoring.coreos.com';

interface Status {
  status?: { conditions?: { type: string; status: string; reason: string }[] };
}

const alertingCondition = (namespace: string) => {
  const c = getObject<Status>('keyservice', 'keys', namespace)?.status?.conditions?.find((x) => x.type === 'AlertingReady');
  return c ? `${c.status}/${c.reason}` : 'absent';
};

const keyService = (namespace: string, alerting: unknown) =>
  JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'keys', namespace }, spec: { alerting } });

const SLACK_AND_EMAIL = {
  slack: { channel: '#keys-oncall', webhookUrl: { name: 'alerting', key: 'slack-url' } },
  email: { to: 'oncall@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', password: { name: 'alerting', key: 'smtp-password' } },
};

describe('spec.alerting against a real control plane', () => {
  let namespace = '';
  let operator: OperatorProcess;

  beforeAll(async () => {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    kubectl(['wait', '--for=condition=Established', 'crd/keyservices.keyservice.io', '--timeout=30s']);
    kubectl(['delete', 'crd', '--ignore-not-found', ALERTMANAGER_CONFIG_CRD]);
    namespace = freshNamespace('alerting');
    operator = await startOperator(['--watch-namespace', namespace, '--monitoring-poll-seconds', '1'], 'alerting');
  });
  afterAll(() => operator.stop());

  it('refuses a bad receiver at the API server, naming the field', () => {
    const bad = kubectlResult(['apply', '-f', '-'], keyService(namespace, { email: { ...SLACK_AND_EMAIL.email, to: 'not-an-address' } }));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('spec.alerting.email.to');
  });

  it('says AlertingReady=False while the AlertmanagerConfig CRD is absent', async () => {
    kubectl(['apply', '-f', '-'], keyService(namespace, SLACK_AND_EMAIL));
    await eventually(() => expect(alertingCondition(namespace)).toBe('False/AlertmanagerConfigCRDMissing'), 60_000);
  });

  it('creates the AlertmanagerConfig once the CRD is installed, without a restart, and the API server accepts it', async () => {
    kubectl(['apply', '--server-side', '-f', join(clusterInfo().monitoringCrdDir, `monitoring.coreos.com_${ALERTMANAGER_CONFIG_CRD.split('.')[0]}.yaml`)]);
    await eventually(() => expect(alertingCondition(namespace)).toBe('True/AlertingApplied'), 60_000);
    const config = getObject<{ spec: { route: { matchers: unknown[] }; receivers: { slackConfigs: { apiURL: unknown }[] }[] } }>(
      'alertmanagerconfig',
      'keys',
      namespace,
    );
    expect(config?.spec.route.matchers).toEqual([
      { name: 'keyservice', value: 'keys', matchType: '=' },
      { name: 'severity', value: 'critical', matchType: '=~' },
    ]);
    expect(config?.spec.receivers[0]?.slackConfigs[0]?.apiURL).toEqual({ name: 'alerting', key: 'slack-url' });
  });

  it('removes the AlertmanagerConfig when spec.alerting names no receiver any more', async () => {
    kubectl(['apply', '-f', '-'], keyService(namespace, {}));
    await eventually(() => expect(getObject('alertmanagerconfig', 'keys', namespace)).toBeNull(), 60_000);
    expect(alertingCondition(namespace)).toBe('False/AlertingNotConfigured');
  });
});

describe('spec.dashboard against a real control plane', () => {
  let namespace = '';
  let operator: OperatorProcess;

  beforeAll(async () => {
    namespace = freshNamespace('dashboard');
    operator = await startOperator(['--watch-namespace', namespace], 'dashboard');
  });
  afterAll(() => operator.stop());

  it('ships the Grafana dashboard in a ConfigMap labelled for the sidecar, and takes it away when turned off', async () => {
    const withDashboard = (enabled: boolean) =>
      JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'keys', namespace }, spec: { dashboard: { enabled } } });
    kubectl(['apply', '-f', '-'], withDashboard(true));
    const configMap = await eventually(() => {
      const found = getObject<{ metadata: { labels: Record<string, string> }; data: Record<string, string> }>('configmap', 'keys', namespace);
      expect(found).not.toBeNull();
      return found;
    }, 60_000);
    expect(configMap?.metadata.labels.grafana_dashboard).toBe('1');
    expect((JSON.parse(configMap?.data['keyservice.json'] ?? '{}') as { uid?: string }).uid).toBe('keyservice');
    kubectl(['apply', '-f', '-'], withDashboard(false));
    await eventually(() => expect(getObject('configmap', 'keys', namespace)).toBeNull(), 60_000);
  });
});
