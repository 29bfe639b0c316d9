import { jest } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startOperator, type OperatorProcess } from '../../operator/test/cluster-harness.js';
import { clusterEnv, clusterTool, freshNamespace, kubectl, kubectlJson, kubectlResult, ROOT } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';

jest.setTimeout(180_000);

const CHART = join(ROOT, 'helm-chart');
const helm = (...args: string[]) => clusterTool('helm', args, { cwd: ROOT });
const CI_VALUES = readdirSync(join(CHART, 'ci')).filter((file) => file.endsWith('-values.yaml'));

interface Container {
  args: string[];
}
const serverArgs = (namespace: string, name: string) =>
  kubectlJson<{ spec: { template: { spec: { containers: Container[] } } } }>(['get', 'deployment', name, '-n', namespace])
    .spec.template.spec.containers[0]?.args ?? [];

beforeAll(() => {
  // The KeyService CRD and the prometheus-operator CRDs the chart's ServiceMonitor and the operator's children need.
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(CHART, 'crds')]);
  const crds = clusterEnv().prometheusOperatorCrds;
  for (const kind of ['servicemonitors', 'prometheusrules']) {
    kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(crds, `monitoring.coreos.com_${kind}.yaml`)]);
  }
  // The namespace ci/namespaced-values.yaml watches.
  kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: keyservice-watched\n');
  kubectl(['wait', '--for', 'condition=Established', '--timeout', '30s', 'crd/servicemonitors.monitoring.coreos.com',
    'crd/prometheusrules.monitoring.coreos.com', 'crd/keyservices.keyservice.io']);
});

describe('helm-chart/', () => {
  it('passes helm lint with its defaults and with every ci values file', () => {
    for (const file of ['values.yaml', ...CI_VALUES.map((name) => `ci/${name}`)]) {
      const result = helm('lint', CHART, '--strict', '-f', join(CHART, file));
      expect({ file, status: result.status, stderr: result.stderr }).toEqual({ file, status: 0, stderr: '' });
    }
  });

  it('passes its helm-unittest suites', () => {
    const result = clusterTool('helm-unittest', [CHART]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Test Suites:\s+\d+ passed, \d+ total/);
  });

  it.each(CI_VALUES)('renders ci/%s into objects the API server accepts (kubectl apply --dry-run=server)', (file) => {
    const namespace = freshNamespace('dry');
    const rendered = helm('template', 'dry-run', CHART, '--namespace', namespace, '-f', join(CHART, 'ci', file));
    expect(rendered.status).toBe(0);
    const applied = kubectlResult(['apply', '--dry-run=server', '-f', '-'], rendered.stdout);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    expect(applied.stdout).toContain('deployment.apps/dry-run-keyservice-operator created (server dry run)');
  });

  it('refuses server.maxSize=abc with a message naming the value', () => {
    const result = helm('install', 'bad', CHART, '--namespace', 'default', '--dry-run', '--set', 'server.maxSize=abc');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("at '/server/maxSize': got string, want integer");
  });

  it('refuses a misspelt key, naming it', () => {
    const result = helm('template', 'bad', CHART, '--set', 'server.maxsize=10');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("additional properties 'maxsize' not allowed");
  });

  it.each([
    ['server.alerts.errorRateTreshold=0.1', "at '/server/alerts': additional properties 'errorRateTreshold' not allowed"],
    ['server.autoscaling.maxReplica=3', "at '/server/autoscaling': additional properties 'maxReplica' not allowed"],
    ['server.resources.limits.memroy=1Gi', "at '/server/resources/limits': additional properties 'memroy' not allowed"],
    ['server.alerting.slack.chanel=x', "at '/server/alerting/slack': additional properties 'chanel' not allowed"],
  ])('refuses the misspelt nested key --set %s, naming it and where it sits', (value, message) => {
    const result = helm('template', 'bad', CHART, '--set', value);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it.each([
    [['server.metricsPort=1123'], 'server.metricsPort (1123) must differ from server.port (1123)'],
    [['server.autoscaling.minReplicas=6', 'server.autoscaling.maxReplicas=5'],
      'server.autoscaling.minReplicas (6) must be less than or equal to server.autoscaling.maxReplicas (5)'],
    [['server.auth.enabled=true'], 'server.auth.enabled needs operator.secretsAccess=true: the operator keeps the API keys in a Secret'],
  ])('refuses --set %j before anything is installed, as the CRD would half-way through', (values, message) => {
    const result = helm('template', 'bad', CHART, ...values.flatMap((value) => ['--set', value]));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  describe('installed with the seed command, the operator running as a local process', () => {
    let namespace: string;
    let operator: OperatorProcess;
    beforeAll(async () => {
      namespace = freshNamespace('helm');
      const installed = helm('install', 'key-service', CHART, '--namespace', namespace, '--set', 'server.port=1123',
        '--set', 'server.maxSize=2048', '--set', `operator.watchNamespace=${namespace}`);
      expect({ status: installed.status, stderr: installed.stderr }).toEqual({ status: 0, stderr: '' });
      operator = await startOperator(['--watch-namespace', namespace, '--monitoring-poll-seconds', '1'], 'helm-install');
    });
    afterAll(() => operator.stop());

    it('yields a KeyService with port 1123 and maxSize 2048 that the operator reconciles to Ready', () => {
      const spec = kubectlJson<{ spec: { port: number; maxSize: number } }>(['get', 'keyservice/key-service', '-n', namespace]).spec;
      expect([spec.port, spec.maxSize]).toEqual([1123, 2048]);
      kubectl(['wait', 'keyservice/key-service', '--for', 'condition=Ready', '--timeout', '90s', '-n', namespace]);
    });

    it('gets a Deployment, Service, HPA, ServiceMonitor and PrometheusRule from the operator', () => {
      const kinds = 'deployment,service,horizontalpodautoscaler,servicemonitor,prometheusrule';
      const children = 'app.kubernetes.io/name=key-server,app.kubernetes.io/instance=key-service';
      const names = kubectl(['get', kinds, '-n', namespace, '-l', children, '-o', 'name']);
      expect(names.trim().split('\n').sort()).toEqual([
        'deployment.apps/key-service',
        'horizontalpodautoscaler.autoscaling/key-service',
        'prometheusrule.monitoring.coreos.com/key-service',
        'service/key-service',
        'servicemonitor.monitoring.coreos.com/key-service',
      ]);
      expect(serverArgs(namespace, 'key-service').join(' ')).toContain('--max-size=2048');
    });

    it('changes the Deployment on helm upgrade --set server.maxSize=4096', async () => {
      const upgraded = helm('upgrade', 'key-service', CHART, '--namespace', namespace, '--reuse-values', '--set', 'server.maxSize=4096');
      expect({ status: upgraded.status, stderr: upgraded.stderr }).toEqual({ status: 0, stderr: '' });
      const args = await waitFor('the Deployment to carry --max-size=4096', () => {
        const joined = serverArgs(namespace, 'key-service').join(' ');
        return joined.includes('--max-size=4096') ? joined : undefined;
      }, { timeoutMs: 60_000 });
      expect(args).not.toContain('--max-size=2048');
    });

    it('leaves nothing behind on helm uninstall but the CRD, which the README says it keeps', async () => {
      const uninstalled = helm('uninstall', 'key-service', '--namespace', namespace, '--wait');
      expect(uninstalled.status).toBe(0);
      const left = await waitFor('the release and its children to be gone', () => {
        const names = kubectl(['get', 'all,keyservices,servicemonitors,prometheusrules,serviceaccounts,roles,rolebindings',
          '-n', namespace, '-o', 'name']).trim().split('\n').filter((name) => name !== '' && name !== 'serviceaccount/default');
        return names.length === 0 ? names : undefined;
      }, { timeoutMs: 60_000 });
      expect(left).toEqual([]);
      expect(kubectl(['get', 'clusterrole,clusterrolebinding', '-o', 'name']).split('\n')).not.toContain(
        'clusterrole.rbac.authorization.k8s.io/key-service-keyservice-operator',
      );
      expect(kubectl(['get', 'crd/keyservices.keyservice.io', '-o', 'name']).trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io/keyservices.keyservice.io',
      );
    });
  });
});
