import { buildAlertmanagerConfig } from '../src/desired/alertmanager-config.js';
import { buildChildren } from '../src/desired/children.js';
import { buildDashboardConfigMap } from '../src/desired/dashboard.js';
import { canonicalJson, configHash } from '../src/desired/config-hash.js';
import { buildDeployment } from '../src/desired/deployment.js';
import { buildHorizontalPodAutoscaler } from '../src/desired/hpa.js';
import { labelsForKeyService } from '../src/desired/labels.js';
import { buildNetworkPolicy } from '../src/desired/network-policy.js';
import { buildPodDisruptionBudget } from '../src/desired/pod-disruption-budget.js';
import { OPERATOR_POD_LABELS } from '../src/pod-policy-schema.js';
import { buildServiceMonitor } from '../src/desired/service-monitor.js';
import { buildService, endpointForKeyService } from '../src/desired/service.js';
import { OPTIONS, keyService } from './fixtures.js';

const LABELS = {
  'app.kubernetes.io/name': 'key-server',
  'app.kubernetes.io/instance': 'demo',
  'app.kubernetes.io/component': 'key-server',
  'app.kubernetes.io/part-of': 'keyservice',
  'app.kubernetes.io/managed-by': 'keyservice-operator',
  'app.kubernetes.io/version': '0.1.0',
};
const SELECTOR = { 'app.kubernetes.io/name': 'key-server', 'app.kubernetes.io/instance': 'demo' };
const OWNER = {
  apiVersion: 'keyservice.io/v1alpha1',
  kind: 'KeyService',
  name: 'demo',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};
const METADATA = { name: 'demo', namespace: 'team-a', labels: LABELS, ownerReferences: [OWNER] };
const DEFAULT_KUBE_SCORE_EXCEPTIONS = {
  'kube-score/ignore': 'container-ephemeral-storage-request-and-limit,container-image-pull-policy,pod-networkpolicy,deployment-has-poddisruptionbudget',
  'keyservice.io/kube-score-reasons': [
    'container-ephemeral-storage-request-and-limit=the root filesystem is read-only and the server writes no file: only its log counts',
    'container-image-pull-policy=spec.image.pullPolicy is IfNotPresent: meant for immutable version tags',
    'pod-networkpolicy=spec.networkPolicy.enabled is false: turn it on once apiFrom lists every client',
    'deployment-has-poddisruptionbudget=at most one pod, which no budget keeps up through a node drain',
  ].join('; '),
};
const RESTRICTED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('buildDeployment', () => {
  describe('for a KeyService with the defaults', () => {
    it('runs the server with the spec as flags, probes and a restricted pod', () => {
      const deployment = buildDeployment(keyService({ maxSize: 2048, encoding: 'base64' }), OPTIONS);
      const podSpec = {
        terminationGracePeriodSeconds: 30,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'key-server',
            image: 'ghcr.io/keyservice/key-server:0.1.0',
            imagePullPolicy: 'IfNotPresent',
            args: [
              '--host=0.0.0.0',
              '--srv-port=1123',
              '--max-size=2048',
              '--metrics-port=8000',
              '--encoding=base64',
              '--shutdown-delay=5',
              '--shutdown-timeout=20',
            ],
            ports: [
              { name: 'http', containerPort: 1123, protocol: 'TCP' },
              { name: 'metrics', containerPort: 8000, protocol: 'TCP' },
            ],
            livenessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: '/ready', port: 'metrics' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
            securityContext: RESTRICTED,
          },
        ],
      };
      expect(deployment).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { ...METADATA, annotations: DEFAULT_KUBE_SCORE_EXCEPTIONS },
        spec: {
          replicas: 1,
          selector: { matchLabels: SELECTOR },
          template: {
            metadata: { labels: LABELS, annotations: { 'keyservice.io/config-hash': configHash(podSpec) } },
            spec: podSpec,
          },
        },
      });
    });
  });

  describe('for a rolling update (finding 2 of issue 11)', () => {
    const podSpec = buildDeployment(keyService(), OPTIONS).spec.template.spec as {
      terminationGracePeriodSeconds: number;
      containers: { args: string[] }[];
    };
    const flag = (name: string) => Number(podSpec.containers[0]?.args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1]);

    it('has the server answer /ready 503 for a while before its listener closes', () => {
      expect(flag('shutdown-delay')).toBeGreaterThan(0);
    });

    it('gives the kubelet a grace period longer than the delay and the drain together', () => {
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(flag('shutdown-delay') + flag('shutdown-timeout'));
    });
  });

  describe('when autoscaling is on', () => {
    it('leaves replicas out so that the HPA owns them', () => {
      const deployment = buildDeployment(keyService({ replicas: 3, autoscaling: { enabled: true } }), OPTIONS);
      expect('replicas' in deployment.spec).toBe(false);
    });
  });

  describe('when the image is set in the spec', () => {
    it('uses it over the operator default and labels the version', () => {
      const deployment = buildDeployment(
        keyService({ image: { repository: 'registry.local/ks', tag: '1.2.3', pullPolicy: 'Always' } }),
        OPTIONS,
      );
      const container = (deployment.spec.template.spec as { containers: Record<string, unknown>[] }).containers[0];
      expect([container?.image, container?.imagePullPolicy, deployment.metadata.labels['app.kubernetes.io/version']]).toEqual([
        'registry.local/ks:1.2.3',
        'Always',
        '1.2.3',
      ]);
    });
  });

  describe('the config hash', () => {
    it('is the same for the same spec and changes with maxSize', () => {
      const hash = (spec: unknown) =>
        buildDeployment(keyService(spec), OPTIONS).spec.template.metadata.annotations['keyservice.io/config-hash'];
      expect([hash({}) === hash({}), hash({}) === hash({ maxSize: 4096 }), hash({}) === hash({ replicas: 4 })]).toEqual([
        true,
        false,
        true,
      ]);
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and skips undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});

describe('buildService', () => {
  it('exposes the key API and the metrics port by name', () => {
    expect(buildService(keyService({ port: 8080, metricsPort: 9090 }), OPTIONS)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: METADATA,
      spec: {
        type: 'ClusterIP',
        selector: SELECTOR,
        ports: [
          { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
        ],
      },
    });
  });

  it('gives the endpoint as the in-cluster URL', () => {
    expect(endpointForKeyService(keyService({ port: 8080, metricsPort: 9090 }))).toBe('http://demo.team-a.svc:8080');
  });
});

describe('buildHorizontalPodAutoscaler', () => {
  it('targets the Deployment on CPU when autoscaling is on', () => {
    const ks = keyService({ autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 7, targetCPUUtilizationPercentage: 65 } });
    expect(buildHorizontalPodAutoscaler(ks, OPTIONS)).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: METADATA,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' },
        minReplicas: 2,
        maxReplicas: 7,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } }],
      },
    });
  });

  it('is null when autoscaling is off', () => {
    expect(buildHorizontalPodAutoscaler(keyService(), OPTIONS)).toBeNull();
  });
});

describe('buildServiceMonitor', () => {
  it('scrapes the metrics port at the interval, with the extra labels', () => {
    const ks = keyService({ serviceMonitor: { interval: '15s', labels: { release: 'kps' } } });
    expect(buildServiceMonitor(ks, OPTIONS)).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { ...METADATA, labels: { release: 'kps', ...LABELS } },
      spec: {
        selector: { matchLabels: SELECTOR },
        namespaceSelector: { matchNames: ['team-a'] },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
      },
    });
  });

  it('is null when disabled', () => {
    expect(buildServiceMonitor(keyService({ serviceMonitor: { enabled: false } }), OPTIONS)).toBeNull();
  });
});

describe('buildChildren', () => {
  it('lists the ten kinds in apply order, null where a feature is off (the API keys Secret is built by reconcile)', () => {
    const children = buildChildren(keyService({ alerts: { enabled: false } }), OPTIONS);
    expect(children.map((c) => [c.type.kind, c.object === null])).toEqual([
      ['Deployment', false],
      ['Service', false],
      ['PodDisruptionBudget', true],
      ['NetworkPolicy', true],
      ['HorizontalPodAutoscaler', true],
      ['ServiceMonitor', false],
      ['PrometheusRule', true],
      ['AlertmanagerConfig', true],
      ['ConfigMap', true],
      ['Secret', true],
    ]);
  });
});

describe('buildAlertmanagerConfig', () => {
  it('is null while spec.alerting names no receiver', () => {
    expect(buildAlertmanagerConfig(keyService(), OPTIONS)).toBeNull();
  });

  it("routes this KeyService's alerts of the chosen severities to Slack and email, by Secret reference", () => {
    const ks = keyService({
      alerting: {
        slack: { channel: '#keys-oncall', webhookUrl: { name: 'slack', key: 'url' } },
        email: { to: 'oncall@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', password: { name: 'smtp', key: 'password' } },
        severities: ['critical', 'warning'],
      },
    });
    const config = buildAlertmanagerConfig(ks, OPTIONS) as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
    expect([config.apiVersion, config.kind, config.metadata.name]).toEqual(['monitoring.coreos.com/v1alpha1', 'AlertmanagerConfig', 'demo']);
    expect(config.spec.route).toEqual({
      receiver: 'keyservice-demo',
      groupBy: ['alertname', 'keyservice'],
      matchers: [
        { name: 'keyservice', value: 'demo', matchType: '=' },
        { name: 'severity', value: 'critical|warning', matchType: '=~' },
      ],
    });
    const [receiver] = config.spec.receivers as { slackConfigs: Record<string, unknown>[]; emailConfigs: Record<string, unknown>[] }[];
    expect(receiver?.slackConfigs[0]).toMatchObject({ apiURL: { name: 'slack', key: 'url' }, channel: '#keys-oncall', sendResolved: true });
    expect(receiver?.emailConfigs[0]).toMatchObject({
      to: 'oncall@example.com',
      from: 'am@example.com',
      smarthost: 'smtp.example.com:587',
      requireTLS: true,
      sendResolved: true,
      authUsername: 'am@example.com',
      authPassword: { name: 'smtp', key: 'password' },
    });
  });

  it('sends email without login when no password Secret is named', () => {
    const ks = keyService({ alerting: { email: { to: 'a@example.com', from: 'b@example.com', smarthost: 'mail:25', requireTLS: false } } });
    const config = buildAlertmanagerConfig(ks, OPTIONS) as { spec: { receivers: { emailConfigs: Record<string, unknown>[]; slackConfigs?: unknown }[] } };
    expect(config.spec.receivers[0]?.slackConfigs).toBeUndefined();
    expect(Object.keys(config.spec.receivers[0]?.emailConfigs[0] ?? {}).sort()).toEqual(['from', 'headers', 'requireTLS', 'sendResolved', 'smarthost', 'to']);
  });

  it("sets the route's group and repeat intervals only where spec.alerting names them", () => {
    const slack = { channel: '#keys', webhookUrl: { name: 'slack', key: 'url' } };
    const timed = buildAlertmanagerConfig(keyService({ alerting: { slack, groupWait: '5s', groupInterval: '10s', repeatInterval: '1h' } }), OPTIONS);
    const inherited = buildAlertmanagerConfig(keyService({ alerting: { slack } }), OPTIONS);
    const route = (config: Record<string, unknown> | null) => (config as { spec: { route: Record<string, unknown> } }).spec.route;
    expect(route(timed)).toMatchObject({ groupWait: '5s', groupInterval: '10s', repeatInterval: '1h' });
    expect(Object.keys(route(inherited)).sort()).toEqual(['groupBy', 'matchers', 'receiver']);
  });
});

describe('buildDeployment with spec.drill', () => {
  const args = (drill?: { faultRate: number }) =>
    (buildDeployment(keyService(drill === undefined ? {} : { drill }), OPTIONS).spec.template.spec as { containers: { args: string[] }[] })
      .containers[0]?.args ?? [];

  it('passes --fault-rate while a drill runs', () => {
    expect(args({ faultRate: 0.5 })).toContain('--fault-rate=0.5');
  });

  it('keeps the pod template of a KeyService without a drill, or with its fault rate back at 0', () => {
    expect(args({ faultRate: 0 })).toEqual(args());
    expect(args().some((arg) => arg.startsWith('--fault-rate'))).toBe(false);
  });
});

describe('buildDashboardConfigMap', () => {
  it('is null unless spec.dashboard.enabled', () => {
    expect(buildDashboardConfigMap(keyService(), OPTIONS)).toBeNull();
  });

  it('ships the dashboard under the label Grafana\'s sidecar loads, owned by the KeyService', () => {
    const configMap = buildDashboardConfigMap(keyService({ dashboard: { enabled: true } }), OPTIONS) as {
      metadata: { name: string; labels: Record<string, string>; ownerReferences: { kind: string }[] };
      data: Record<string, string>;
    };
    expect([configMap.metadata.name, configMap.metadata.labels.grafana_dashboard, configMap.metadata.ownerReferences[0]?.kind]).toEqual([
      'demo',
      '1',
      'KeyService',
    ]);
    expect(configMap.data).toEqual({ 'keyservice.json': '{"uid":"keyservice"}' });
  });
});

describe('buildDeployment with spec.tls', () => {
  const ks = keyService({ tls: { secretName: 'keys-tls' } });
  const deployment = buildDeployment(ks, OPTIONS);
  const podSpec = deployment.spec.template.spec as {
    volumes: unknown[];
    containers: { args: string[]; volumeMounts: unknown[]; livenessProbe: { httpGet: unknown }; readinessProbe: { httpGet: unknown } }[];
  };
  const container = podSpec.containers[0];

  it('mounts the TLS Secret read-only and points the server at its files', () => {
    expect(podSpec.volumes).toEqual([{ name: 'tls', secret: { secretName: 'keys-tls' } }]);
    expect(container?.volumeMounts).toEqual([{ name: 'tls', mountPath: '/etc/keyservice/tls', readOnly: true }]);
    expect(container?.args.slice(-2)).toEqual(['--tls-cert-file=/etc/keyservice/tls/tls.crt', '--tls-key-file=/etc/keyservice/tls/tls.key']);
  });

  it('probes the plain-HTTP metrics port, not the HTTPS API port, and reports an https endpoint', () => {
    expect([container?.livenessProbe.httpGet, container?.readinessProbe.httpGet]).toEqual([
      { path: '/health', port: 'metrics' },
      { path: '/ready', port: 'metrics' },
    ]);
    expect(endpointForKeyService(ks)).toBe('https://demo.team-a.svc:1123');
  });

  it('changes nothing without spec.tls', () => {
    const plain = buildDeployment(keyService(), OPTIONS).spec.template.spec as { volumes?: unknown; containers: { args: string[] }[] };
    expect([plain.volumes, plain.containers[0]?.args.some((arg) => arg.startsWith('--tls'))]).toEqual([undefined, false]);
  });
});

describe('buildDeployment with the pod placement fields', () => {
  const podSpecOf = (spec: unknown) => buildDeployment(keyService(spec), OPTIONS).spec.template.spec as Record<string, unknown>;
  const PLACEMENT = {
    nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'keys' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'keys', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'demo' } } } },
        ],
      },
    },
    priorityClassName: 'business-critical',
    imagePullSecrets: [{ name: 'registry-credentials' }],
  };

  it('passes each one through to the pod spec under its PodSpec name, as written', () => {
    const podSpec = podSpecOf(PLACEMENT);
    expect(Object.fromEntries(Object.keys(PLACEMENT).map((field) => [field, podSpec[field]]))).toEqual(PLACEMENT);
  });

  it('spreads over the key server pods when a topology spread constraint names no labelSelector, and keeps one that does', () => {
    const own = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 };
    const theirs = { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } };
    expect(podSpecOf({ topologySpreadConstraints: [own, theirs] }).topologySpreadConstraints).toEqual([
      { ...own, labelSelector: { matchLabels: SELECTOR } },
      theirs,
    ]);
  });

  it('adds spec.podLabels and spec.podAnnotations to the pod template beside the operator\'s own', () => {
    const template = buildDeployment(keyService({ podLabels: { team: 'keys' }, podAnnotations: { 'example.com/owner': 'platform team' } }), OPTIONS).spec.template;
    expect(template.metadata.labels).toEqual({ team: 'keys', ...LABELS });
    expect(Object.keys(template.metadata.annotations).sort()).toEqual(['example.com/owner', 'keyservice.io/config-hash']);
  });

  it('refuses podLabels that would change what the selector or the operator\'s labels say (the list is the operator\'s labels)', () => {
    expect([...OPERATOR_POD_LABELS].sort()).toEqual(Object.keys(labelsForKeyService(keyService(), OPTIONS)).sort());
  });

  it('keeps the pod template, and so the pods, of a KeyService that sets none of them or sets them empty', () => {
    const template = (spec: unknown) => buildDeployment(keyService(spec), OPTIONS).spec.template;
    const empty = { nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [], imagePullSecrets: [], podLabels: {}, podAnnotations: {} };
    // The hash of the pod spec the operator built before these fields existed: the same pods after an upgrade.
    expect(template({}).metadata.annotations).toEqual({ 'keyservice.io/config-hash': 'b21fba5197dac945' });
    expect([template(empty), template({ networkPolicy: { enabled: true }, replicas: 1, podDisruptionBudget: { enabled: true } })]).toEqual([template({}), template({})]);
  });
});

describe('buildPodDisruptionBudget', () => {
  const budget = (spec: unknown) => buildPodDisruptionBudget(keyService(spec), OPTIONS) as { spec: Record<string, unknown> } | null;

  it('lets a drain take one key server pod at a time while two or more run', () => {
    expect(buildPodDisruptionBudget(keyService({ replicas: 2 }), OPTIONS)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: METADATA,
      spec: { selector: { matchLabels: SELECTOR }, maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
  });

  it.each([
    ['one replica', { replicas: 1 }, false],
    ['two replicas', { replicas: 2 }, true],
    ['autoscaling from one pod, though replicas is 3', { replicas: 3, autoscaling: { enabled: true, minReplicas: 1 } }, false],
    ['autoscaling from two pods', { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 } }, true],
    ['enabled on one replica', { replicas: 1, podDisruptionBudget: { enabled: true } }, true],
    ['disabled on three replicas', { replicas: 3, podDisruptionBudget: { enabled: false } }, false],
  ])('exists with %s: %s', (_case, spec, exists) => {
    expect(budget(spec) !== null).toBe(exists);
  });

  it('takes minAvailable or maxUnavailable, as a count or a percentage, instead of the default', () => {
    expect([budget({ replicas: 4, podDisruptionBudget: { minAvailable: '50%' } })?.spec, budget({ replicas: 4, podDisruptionBudget: { maxUnavailable: 2 } })?.spec]).toEqual([
      { selector: { matchLabels: SELECTOR }, minAvailable: '50%', unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      { selector: { matchLabels: SELECTOR }, maxUnavailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    ]);
  });
});

describe('buildNetworkPolicy', () => {
  it('is null unless spec.networkPolicy.enabled', () => {
    expect(buildNetworkPolicy(keyService({ replicas: 3 }), OPTIONS)).toBeNull();
  });

  it('admits the key API from anywhere and the metrics port from the monitoring namespace, and no egress', () => {
    expect(buildNetworkPolicy(keyService({ port: 8443, metricsPort: 9090, networkPolicy: { enabled: true } }), OPTIONS)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: METADATA,
      spec: {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { ports: [{ protocol: 'TCP', port: 8443 }] },
          { ports: [{ protocol: 'TCP', port: 9090 }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
        ],
      },
    });
  });

  it('admits the key API from the apiFrom peers only, leaving out the empty parts the API server would drop', () => {
    const apiFrom = [
      { namespaceSelector: { matchLabels: { team: 'payments' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['api', 'worker'] }] } },
      { podSelector: { matchLabels: {}, matchExpressions: [{ key: 'keys-client', operator: 'Exists', values: [] }] } },
      { namespaceSelector: {} },
    ];
    const policy = buildNetworkPolicy(keyService({ networkPolicy: { enabled: true, apiFrom, metricsFromNamespace: 'observability' } }), OPTIONS) as {
      spec: { ingress: { from?: unknown[] }[] };
    };
    expect(policy.spec.ingress.map((rule) => rule.from)).toEqual([
      [
        apiFrom[0],
        { podSelector: { matchExpressions: [{ key: 'keys-client', operator: 'Exists' }] } },
        { namespaceSelector: {} },
      ],
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
    ]);
  });
});

describe('the kube-score exceptions on the Deployment', () => {
  const annotations = (spec: unknown) => buildDeployment(keyService(spec), OPTIONS).metadata.annotations;

  it('name, with its reason, each check the defaults do not pass', () => {
    expect(annotations({})).toEqual(DEFAULT_KUBE_SCORE_EXCEPTIONS);
  });

  it('go as the spec turns on what each check asks for, and say why the budget is off when it is turned off', () => {
    const all = { replicas: 2, image: { pullPolicy: 'Always' }, networkPolicy: { enabled: true } };
    expect([annotations(all), annotations({ ...all, podDisruptionBudget: { enabled: false } })?.['kube-score/ignore']]).toEqual([
      {
        'kube-score/ignore': 'container-ephemeral-storage-request-and-limit',
        'keyservice.io/kube-score-reasons': 'container-ephemeral-storage-request-and-limit=the root filesystem is read-only and the server writes no file: only its log counts',
      },
      'container-ephemeral-storage-request-and-limit,deployment-has-poddisruptionbudget',
    ]);
  });
});
