import { parseSpec } from '../src/spec.js';

describe('parseSpec', () => {
  describe('when the spec is empty', () => {
    it('fills in every default', () => {
      expect(parseSpec({})).toEqual({
        ok: true,
        spec: {
          maxSize: 1024,
          port: 1123,
          metricsPort: 8000,
          encoding: 'hex',
          image: { pullPolicy: 'IfNotPresent' },
          replicas: 1,
          autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          serviceMonitor: { enabled: true, interval: '30s', labels: {} },
          alerts: {
            enabled: true,
            errorRateThreshold: 0.05,
            minRequestRate: 0.1,
            latencyThresholdSeconds: 0.25,
            rateWindow: '5m',
            downFor: '2m',
            errorRateFor: '5m',
            latencyFor: '10m',
            nearLimitShare: 0.25,
            nearLimitFor: '30m',
            labels: {},
            ruleLabels: {},
            runbookBaseUrl: 'https://github.com/keyservice/keyservice/blob/main/docs/runbooks',
          },
          alerting: { severities: ['critical'] },
          auth: { enabled: false, rotationInterval: '24h', overlap: '1h', propagation: '90s' },
          tls: {},
          dashboard: { enabled: false },
          drill: { faultRate: 0 },
        },
      });
    });
  });

  describe('when a field is out of range or two fields contradict', () => {
    it.each([
      [{ maxSize: 0 }, 'spec.maxSize: Too small: expected number to be >=1'],
      [{ maxSize: 1048577 }, 'spec.maxSize: Too big: expected number to be <=1048576'],
      [{ metricsPort: 1123 }, 'spec.metricsPort must differ from spec.port'],
      [
        { autoscaling: { minReplicas: 4, maxReplicas: 2 } },
        'spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas',
      ],
      [{ encoding: 'base32' }, 'spec.encoding: Invalid option: expected one of "hex"|"base64"|"base64url"|"raw"'],
    ])('rejects %j naming the field', (spec, problem) => {
      expect(parseSpec(spec)).toEqual({ ok: false, problems: [problem] });
    });
  });
});
