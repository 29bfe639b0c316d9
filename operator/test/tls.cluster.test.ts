import { expect, jest } from '@jest/globals';
import { eventually, freshNamespace, getObject, kubectl, startOperator, type OperatorProcess } from './cluster-harness.js';

jest.setTimeout(120_000);

interface Deployment {
  spec: { template: { spec: { volumes?: unknown[]; containers: { args: string[]; readinessProbe: { httpGet: unknown } }[] } } };
}

describe('spec.tls against a real control plane', () => {
  let namespace = '';
  let operator: OperatorProcess;
  beforeAll(async () => {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    namespace = freshNamespace('tls');
    operator = await startOperator(['--watch-namespace', namespace], 'tls');
  });
  afterAll(() => operator.stop());

  it('puts the cert-manager style Secret in the pod template with the TLS flags, probes the plain-HTTP metrics port and reports an https endpoint', async () => {
    const keyService = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'keys', namespace }, spec: { tls: { secretName: 'keys-tls' } } };
    kubectl(['apply', '-f', '-'], JSON.stringify(keyService));
    const pod = await eventually(() => {
      const deployment = getObject<Deployment>('deployment', 'keys', namespace);
      expect(deployment).not.toBeNull();
      return deployment?.spec.template.spec;
    }, 60_000);
    expect(pod?.volumes).toEqual([{ name: 'tls', secret: { secretName: 'keys-tls', defaultMode: 420 } }]);
    expect(pod?.containers[0]?.args).toContain('--tls-cert-file=/etc/keyservice/tls/tls.crt');
    // The API server fills in the default scheme, HTTP: the metrics port is plain HTTP whatever spec.tls says.
    expect(pod?.containers[0]?.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'metrics', scheme: 'HTTP' });
    await eventually(() => {
      const status = getObject<{ status?: { endpoint?: string } }>('keyservice', 'keys', namespace)?.status;
      expect(status?.endpoint).toBe(`https://keys.${namespace}.svc:1123`);
    }, 60_000);
  });
});
