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
          podDisruptionBudget: {},
          networkPolicy: { enabled: false, apiFrom: [], metricsFromNamespace: 'monitoring' },
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
      [
        { podLabels: { team: 'keys', 'app.kubernetes.io/instance': 'other' } },
        'spec.podLabels must not set app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by, app.kubernetes.io/version: the operator sets them, and the first two select the pods',
      ],
      [{ podLabels: { team: 'not a label value' } }, 'spec.podLabels.team: Invalid string: must match pattern /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/'],
      [{ podAnnotations: { 'keyservice.io/config-hash': 'x' } }, 'spec.podAnnotations must not set keyservice.io/config-hash: the operator sets it'],
      [{ nodeSelector: { 'bad key!': 'x' } }, 'spec.nodeSelector.bad key!: Invalid key in record'],
      [{ tolerations: [{ key: 'gpu', operator: 'Exists', value: 'yes' }] }, 'spec.tolerations.0.value: a toleration with operator Exists takes no value'],
      [{ tolerations: [{ effect: 'NoSchedule' }] }, 'spec.tolerations.0.operator: a toleration without a key must have operator Exists (it then tolerates every taint)'],
      [{ tolerations: [{ key: 'gpu', effect: 'Sometimes' }] }, 'spec.tolerations.0.effect: Invalid option: expected one of "NoSchedule"|"PreferNoSchedule"|"NoExecute"'],
      [{ topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] }, 'spec.topologySpreadConstraints.0.maxSkew: Too small: expected number to be >=1'],
      [{ priorityClassName: 'High_Priority' }, 'spec.priorityClassName: Invalid string: must match pattern /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/'],
      [{ imagePullSecrets: [{}] }, 'spec.imagePullSecrets.0.name: Invalid input: expected string, received undefined'],
      [{ podDisruptionBudget: { minAvailable: 1, maxUnavailable: '50%' } }, 'spec.podDisruptionBudget takes minAvailable or maxUnavailable, not both'],
      [{ podDisruptionBudget: { maxUnavailable: '50' } }, 'spec.podDisruptionBudget.maxUnavailable: Invalid string: must match pattern /^[0-9]{1,3}%$/'],
      [{ podDisruptionBudget: { minAvailable: -1 } }, 'spec.podDisruptionBudget.minAvailable: Too small: expected number to be >=0'],
      [{ networkPolicy: { enabled: true, apiFrom: [{}] } }, 'spec.networkPolicy.apiFrom.0: an apiFrom entry needs a namespaceSelector, a podSelector or both'],
      [{ networkPolicy: { metricsFromNamespace: 'Monitoring' } }, 'spec.networkPolicy.metricsFromNamespace: Invalid string: must match pattern /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/'],
    ])('rejects %j naming the field', (spec, problem) => {
      expect(parseSpec(spec)).toEqual({ ok: false, problems: [problem] });
    });
  });
});
