import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** The key route's latency: health and readiness probes are cheap and would hide a slow key path. */
const KEY_ENDPOINT = '/key/{length}';
/** Key sizes drift slowly: judge them over a longer window than errors. */
const SIZE_WINDOW = '30m';

/**
 * Alerting rules as a plain Prometheus rule groups list: the PrometheusRule wraps them, and `render` prints them so
 * promtool can test them. Under a ServiceMonitor the scrape job is the Service's name, which is the KeyService's.
 */
export function buildRuleGroups(ks: KeyService): RuleGroup[] {
  const { name, namespace } = ks.metadata;
  const alerts = ks.spec.alerts;
  const { rateWindow } = alerts;
  const selector = `job="${name}",namespace="${namespace}"`;
  const total = `sum(rate(http_responses_total{${selector}}[${rateWindow}]))`;
  const errors = `sum(rate(http_responses_total{${selector},status_code=~"5.."}[${rateWindow}]))`;
  const latencyBuckets = `sum by (le) (rate(request_latency_seconds_bucket{${selector},endpoint="${KEY_ENDPOINT}"}[${rateWindow}]))`;
  const labels = (severity: string) => ({ ...alerts.labels, severity, namespace, job: name, keyservice: name });
  const runbook = (alert: string) => `${alerts.runbookBaseUrl.replace(/\/+$/, '')}/${alert}.md`;
  const percent = (share: number) => `${Number((share * 100).toFixed(4))}%`;
  return [
    {
      name: `keyservice.${namespace}.${name}`,
      rules: [
        {
          alert: 'KeyServiceDown',
          // absent() also catches the target vanishing altogether, which `up == 0` alone misses.
          expr: `absent(up{${selector}} == 1)`,
          for: alerts.downFor,
          labels: labels('critical'),
          annotations: {
            summary: `Key server ${namespace}/${name} is down`,
            description: `No pod of KeyService ${namespace}/${name} has answered a scrape for ${alerts.downFor}.`,
            runbook_url: runbook('KeyServiceDown'),
          },
        },
        {
          alert: 'KeyServiceHighErrorRate',
          // The traffic guard keeps a near-idle server (where one error is a large share) and 0/0 = NaN quiet.
          expr: `(${errors} / ${total}) > ${alerts.errorRateThreshold} and ${total} > ${alerts.minRequestRate}`,
          for: alerts.errorRateFor,
          labels: labels('critical'),
          annotations: {
            summary: `Key server ${namespace}/${name} answers many 5xx`,
            description: `More than ${percent(alerts.errorRateThreshold)} of the responses of KeyService ${namespace}/${name} are 5xx ({{ $value | humanizePercentage }} over ${rateWindow}).`,
            runbook_url: runbook('KeyServiceHighErrorRate'),
          },
        },
        {
          alert: 'KeyServiceHighLatency',
          expr: `histogram_quantile(0.99, ${latencyBuckets}) > ${alerts.latencyThresholdSeconds}`,
          for: alerts.latencyFor,
          labels: labels('warning'),
          annotations: {
            summary: `Key server ${namespace}/${name} is slow`,
            description: `The p99 latency of GET /key on KeyService ${namespace}/${name} is {{ $value | humanizeDuration }}, above ${alerts.latencyThresholdSeconds}s.`,
            runbook_url: runbook('KeyServiceHighLatency'),
          },
        },
        keySizeNearLimitRule(ks, selector, labels('warning'), runbook('KeyServiceKeySizeNearLimit')),
      ],
    },
  ];
}

/**
 * Clients crowding maxSize: requests in the top bucket of key_length_bytes (above 19/20 of maxSize) plus requests
 * refused with 413, as a share of all key requests that got that far. A ticket for the cluster team to raise maxSize.
 */
function keySizeNearLimitRule(ks: KeyService, selector: string, labels: Record<string, string>, runbookUrl: string): AlertRule {
  const { name, namespace } = ks.metadata;
  const { alerts, maxSize } = ks.spec;
  // The bucket bound exactly as the server's histogram writes it (maxSize * 19 / 20, printed by JavaScript).
  const belowTopBucket = String((maxSize * 19) / 20);
  const rate = (series: string) => `sum(rate(${series}[${SIZE_WINDOW}]))`;
  const valid = rate(`key_length_bytes_count{${selector}}`);
  const nearLimit = `(${valid} - ${rate(`key_length_bytes_bucket{${selector},le="${belowTopBucket}"}`)})`;
  const tooLarge = `(${rate(`http_responses_total{${selector},status_code="413"}`)} or vector(0))`;
  const attempts = `(${valid} + ${tooLarge})`;
  return {
    alert: 'KeyServiceKeySizeNearLimit',
    expr: `(${nearLimit} + ${tooLarge}) / ${attempts} > ${alerts.nearLimitShare} and ${attempts} > ${alerts.minRequestRate}`,
    for: alerts.nearLimitFor,
    labels,
    annotations: {
      summary: `Clients of key server ${namespace}/${name} ask for keys near its maxSize`,
      description: `{{ $value | humanizePercentage }} of the key requests to KeyService ${namespace}/${name} over ${SIZE_WINDOW} asked for more than ${belowTopBucket} bytes or were refused as larger than maxSize ${maxSize}; consider raising spec.maxSize.`,
      runbook_url: runbookUrl,
    },
  };
}

/** The PrometheusRule, or null when spec.alerts.enabled is false. */
export function buildPrometheusRule(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  if (!ks.spec.alerts.enabled) return null;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: childMetadataForKeyService(ks, options, ks.spec.alerts.ruleLabels),
    spec: { groups: buildRuleGroups(ks) },
  };
}
