import { z } from 'zod';
import { DURATION_UNITS_MS, durationMsCel } from './cel-rules.js';
import { labels } from './label-schema.js';
import { podPlacementShape } from './pod-policy-schema.js';
import type { KeyServiceStatus } from './status-schema.js';

/** The one definition of the KeyService resource: the CRD in crds/ is generated from these schemas. */
export const GROUP = 'keyservice.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'KeyService';
export const PLURAL = 'keyservices';
export const SINGULAR = 'keyservice';
export const SHORT_NAMES = ['ks'];
export const CATEGORIES = ['keyservice'];

/**
 * A KeyService's name becomes the name of every child, the Service's included, and a label value: a DNS-1035 label
 * (lowercase letters, digits and dashes, starting with a letter) of at most 63 characters.
 */
export const NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const NAME_MAX = 63;
export const NAME_MESSAGE = `metadata.name must be at most ${NAME_MAX} characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit: the Service takes this name`;

/** The problem with a KeyService name, or null when its children can carry it. */
export function nameProblem(name: string): string | null {
  return name.length <= NAME_MAX && NAME_PATTERN.test(name) ? null : `${NAME_MESSAGE} (got "${name}")`;
}

export const MAX_KEY_SIZE_LIMIT = 1_048_576;
export const ENCODINGS = ['hex', 'base64', 'base64url', 'raw'] as const;
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/**
 * Bucket bounds of the server's request_latency_seconds histogram below its top one: histogram_quantile can only
 * report a p99 above a threshold that is one of these (and never above the top bucket).
 */
export const LATENCY_THRESHOLDS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const DURATION = /^(0|([0-9]+(ms|s|m|h|d|w|y))+)$/;

/** Milliseconds in a Prometheus-style duration such as 1h30m (checked against DURATION first). */
export function durationMs(value: string): number {
  return [...value.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS_MS[unit ?? ''] ?? 0), 0);
}

const port = (what: string) => z.int().min(1).max(65535).describe(`${what} (1..65535)`);
const quantity = (what: string) =>
  z.string().regex(QUANTITY).describe(`${what}, a Kubernetes quantity such as 100m, 1 or 64Mi`);
const duration = (what: string) =>
  z.string().regex(DURATION).max(32).describe(`${what}, a Prometheus duration such as 30s, 5m or 1h`);

export const imageSchema = z
  .object({
    repository: z.string().min(1).optional().describe('Image repository; the operator flag --image sets the default'),
    tag: z.string().min(1).optional().describe('Image tag; the operator flag --image sets the default'),
    pullPolicy: z.enum(PULL_POLICIES).default('IfNotPresent').describe('When the kubelet pulls the image'),
  })
  .describe('Container image of the key server');

export const autoscalingSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run a HorizontalPodAutoscaler; spec.replicas is then ignored'),
    minReplicas: z.int().min(1).max(1000).default(1).describe('Fewest pods the autoscaler keeps (1..1000)'),
    maxReplicas: z.int().min(1).max(1000).default(5).describe('Most pods the autoscaler runs (1..1000)'),
    targetCPUUtilizationPercentage: z
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe('Average CPU use, in percent of the request, the autoscaler aims for (1..100)'),
  })
  .refine((a) => a.minReplicas <= a.maxReplicas, {
    message: 'spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas',
    path: ['minReplicas'],
  })
  // The has() guards: the API server checks the rule against the bare `default: {}` too, before nested defaults.
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
        message: 'spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas',
        fieldPath: '.minReplicas',
      },
    ],
  })
  .describe('Horizontal autoscaling on CPU');

const resourceListSchema = (cpu: string, memory: string, what: string) =>
  z
    .object({ cpu: quantity(`CPU ${what}`).default(cpu), memory: quantity(`Memory ${what}`).default(memory) })
    .prefault({})
    .describe(`${what[0]?.toUpperCase() ?? ''}${what.slice(1)} of the key server container`);

export const resourcesSchema = z
  .object({
    requests: resourceListSchema('100m', '64Mi', 'requests'),
    limits: resourceListSchema('200m', '128Mi', 'limits'),
  })
  .describe('Compute resources of the key server container');

export const serviceMonitorSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Create a ServiceMonitor where prometheus-operator is installed'),
    interval: duration('Scrape interval').default('30s'),
    labels: labels('Extra labels on the ServiceMonitor, such as release: <prometheus release> for its selector'),
  })
  .describe('Prometheus scraping through prometheus-operator');

export const alertsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Create a PrometheusRule where prometheus-operator is installed'),
    errorRateThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Share of 5xx responses (0..1) above which KeyServiceHighErrorRate fires'),
    minRequestRate: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(0.1)
      .describe('Requests per second below which the error-rate alert stays quiet (too little traffic to judge)'),
    latencyThresholdSeconds: z
      .literal(LATENCY_THRESHOLDS_SECONDS)
      .default(0.25)
      .describe('p99 latency, in seconds, above which KeyServiceHighLatency fires; a bucket bound of the histogram'),
    rateWindow: duration(
      'The window the error-rate and latency alerts judge over, at least four scrape intervals; a pod gone (a rollout) still counts in it until it has passed',
    ).default('5m'),
    downFor: duration('How long the server must be down before KeyServiceDown fires').default('2m'),
    errorRateFor: duration('How long the error rate must stay high before the alert fires').default('5m'),
    latencyFor: duration('How long the p99 latency must stay high before the alert fires').default('10m'),
    nearLimitShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .describe('Share (0..1) of key requests in the top size bucket or refused as too large (413) above which KeyServiceKeySizeNearLimit fires'),
    nearLimitFor: duration('How long requests must crowd the size limit before KeyServiceKeySizeNearLimit fires').default('30m'),
    labels: labels('Extra labels on every alert, such as team: platform for Alertmanager routing'),
    ruleLabels: labels(
      'Extra labels on the PrometheusRule object itself, such as release: <kube-prometheus-stack release>, which its Prometheus selects rules by',
    ),
    runbookBaseUrl: z
      .url()
      .default('https://github.com/keyservice/keyservice/blob/main/docs/runbooks')
      .describe('Base URL of the runbooks; each alert links <base>/<AlertName>.md'),
  })
  .describe('Prometheus alerting rules through prometheus-operator');

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const secretKeyRef = (what: string) =>
  z
    .object({
      name: z.string().regex(SECRET_NAME).max(253).describe('Name of a Secret in the KeyService\'s namespace'),
      key: z.string().regex(SECRET_KEY).max(253).describe('Key of that Secret'),
    })
    .describe(what);
const EMAIL = /^[^@\s]+@[^@\s]+$/;
export const ALERT_SEVERITIES = ['critical', 'warning'] as const;

export const alertingSchema = z
  .object({
    slack: z
      .object({
        channel: z.string().regex(/^[#@]?[^\s]{1,80}$/).describe('Channel to post to, such as #keyservice-oncall'),
        webhookUrl: secretKeyRef('Secret key holding the Slack incoming-webhook URL'),
      })
      .optional()
      .describe('Post this KeyService\'s alerts to Slack'),
    email: z
      .object({
        to: z.string().regex(EMAIL).describe('Address the alerts go to'),
        from: z.string().regex(EMAIL).describe('Sender address'),
        smarthost: z.string().regex(/^[^\s:]+:[0-9]{1,5}$/).describe('SMTP server as host:port'),
        username: z.string().min(1).optional().describe('SMTP login; default: the sender address'),
        password: secretKeyRef('Secret key holding the SMTP password').optional(),
        requireTLS: z.boolean().default(true).describe('Refuse to send over a connection without STARTTLS'),
      })
      .optional()
      .describe('Mail this KeyService\'s alerts'),
    severities: z
      .array(z.enum(ALERT_SEVERITIES))
      .min(1)
      .default(['critical'])
      .describe('Severities routed to these receivers: critical pages, warning tickets'),
    groupWait: duration('How long Alertmanager waits to batch the first notification of a new alert group; default: the root route\'s').optional(),
    groupInterval: duration('How long Alertmanager waits before notifying of changes to a group, resolutions included; default: the root route\'s').optional(),
    repeatInterval: duration('How long Alertmanager waits before repeating a notification still firing; default: the root route\'s').optional(),
  })
  .describe('Where Alertmanager sends this KeyService\'s alerts, through an AlertmanagerConfig (prometheus-operator)');

export const keyServiceSpecSchema = z
  .object({
    maxSize: z
      .int()
      .min(1)
      .max(MAX_KEY_SIZE_LIMIT)
      .default(1024)
      .describe(`Largest key, in bytes, that GET /key/<length> hands out (1..${MAX_KEY_SIZE_LIMIT})`),
    port: port('Port of the key API').default(1123),
    metricsPort: port('Port of the Prometheus metrics endpoint; must differ from port').default(8000),
    encoding: z.enum(ENCODINGS).default('hex').describe('Encoding of keys when the request names none'),
    image: imageSchema.prefault({}),
    replicas: z.int().min(0).max(1000).default(1).describe('Pods to run while autoscaling is off (0..1000)'),
    autoscaling: autoscalingSchema.prefault({}),
    resources: resourcesSchema.prefault({}),
    serviceMonitor: serviceMonitorSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    alerting: alertingSchema.prefault({}),
    auth: z
      .object({
        enabled: z.boolean().default(false).describe('Require an API key on /key; the operator keeps and rotates the keys in a Secret named after the KeyService'),
        rotationInterval: duration('How often a new API key is added').default('24h'),
        overlap: duration('How long the previous key stays valid once the new one is current').default('1h'),
        propagation: duration(
          'How long a new key waits before it is announced as current: the kubelet\'s Secret sync plus the server\'s reload',
        ).default('90s'),
      })
      .refine((auth) => durationMs(auth.overlap) < durationMs(auth.rotationInterval), {
        message: 'spec.auth.overlap must be shorter than spec.auth.rotationInterval',
        path: ['overlap'],
      })
      .refine((auth) => durationMs(auth.overlap) >= 2 * durationMs(auth.propagation), {
        message: 'spec.auth.overlap must be at least twice spec.auth.propagation',
        path: ['overlap'],
      })
      // The API server enforces the same bounds; the has() guards let the bare `default: {}` through.
      .meta({
        'x-kubernetes-validations': [
          {
            rule: `!has(self.overlap) || !has(self.rotationInterval) || ${durationMsCel('self.overlap')} < ${durationMsCel('self.rotationInterval')}`,
            message: 'spec.auth.overlap must be shorter than spec.auth.rotationInterval',
            fieldPath: '.overlap',
          },
          {
            rule: `!has(self.overlap) || !has(self.propagation) || ${durationMsCel('self.overlap')} >= 2 * ${durationMsCel('self.propagation')}`,
            message: 'spec.auth.overlap must be at least twice spec.auth.propagation',
            fieldPath: '.overlap',
          },
        ],
      })
      .prefault({})
      .describe('API keys for the key API, rotated by the operator'),
    tls: z
      .object({
        secretName: z
          .string()
          .regex(SECRET_NAME)
          .max(253)
          .optional()
          .describe('A kubernetes.io/tls Secret (tls.crt, tls.key), as cert-manager writes it; the server re-reads it when renewed'),
      })
      .prefault({})
      .describe('HTTPS for the key API (metrics stay plain HTTP)'),
    dashboard: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe('Ship the Grafana dashboard as a ConfigMap labelled grafana_dashboard: "1", for Grafana\'s dashboard sidecar'),
      })
      .prefault({})
      .describe('The KeyService Grafana dashboard'),
    drill: z
      .object({
        faultRate: z
          .number()
          .min(0)
          .max(1)
          .default(0)
          .describe('For alerting drills only: the share (0..1) of valid key requests the pods answer 500 on purpose (--fault-rate); 0 is off'),
      })
      .prefault({})
      .describe('An alerting drill: make the key server fail on purpose, to see the alerts reach people'),
    ...podPlacementShape,
  })
  .refine((s) => s.metricsPort !== s.port, {
    message: 'spec.metricsPort must differ from spec.port',
    path: ['metricsPort'],
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '!has(self.metricsPort) || !has(self.port) || self.metricsPort != self.port',
        message: 'spec.metricsPort must differ from spec.port', fieldPath: '.metricsPort' },
    ],
  })
  .describe('Desired state of a key server');

export type KeyServiceSpec = z.output<typeof keyServiceSpecSchema>;
export { CONDITION_STATUSES, conditionSchema, keyServiceStatusSchema, type Condition, type KeyServiceStatus } from './status-schema.js';

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  deletionTimestamp?: string;
}

/** A KeyService whose spec has been parsed: every default filled in, every bound checked. */
export interface KeyService {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: KeyServiceSpec;
  status?: KeyServiceStatus;
}

export type SpecParse = { ok: true; spec: KeyServiceSpec } | { ok: false; problems: string[] };

/** Parses a spec as read from the API server or a file; each problem names its field (spec.x.y: message). */
export function parseSpec(raw: unknown): SpecParse {
  const result = keyServiceSpecSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, spec: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = ['spec', ...issue.path.map(String)].join('.');
      return issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    }),
  };
}
