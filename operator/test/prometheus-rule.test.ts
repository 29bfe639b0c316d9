import { buildPrometheusRule, buildRuleGroups } from '../src/desired/prometheus-rule.js';
import { OPTIONS, keyService } from './fixtures.js';

const SELECTOR = 'job="demo",namespace="team-a"';
const TOTAL = `sum(rate(http_responses_total{${SELECTOR}}[5m]))`;

describe('buildRuleGroups', () => {
  const ks = keyService({
    alerts: { errorRateThreshold: 0.02, latencyThresholdSeconds: 0.5, labels: { team: 'platform' }, runbookBaseUrl: 'https://runbooks.example/ks/' },
  });
  const [group] = buildRuleGroups(ks);
  const rule = (name: string) => group?.rules.find((r) => r.alert === name);

  it('names one group after the KeyService with the four alerts', () => {
    expect([group?.name, group?.rules.map((r) => r.alert)]).toEqual([
      'keyservice.team-a.demo',
      ['KeyServiceDown', 'KeyServiceHighErrorRate', 'KeyServiceHighLatency', 'KeyServiceKeySizeNearLimit'],
    ]);
  });

  it('fires KeyServiceDown when no target of the Service job is up, also when the series vanished', () => {
    expect(rule('KeyServiceDown')).toEqual({
      alert: 'KeyServiceDown',
      expr: `absent(up{${SELECTOR}} == 1)`,
      for: '2m',
      labels: { team: 'platform', severity: 'critical', namespace: 'team-a', job: 'demo', keyservice: 'demo' },
      annotations: {
        summary: 'Key server team-a/demo is down',
        description: 'No pod of KeyService team-a/demo has answered a scrape for 2m.',
        runbook_url: 'https://runbooks.example/ks/KeyServiceDown.md',
      },
    });
  });

  it('judges the error rate and the latency over spec.alerts.rateWindow', () => {
    const [short] = buildRuleGroups(keyService({ alerts: { rateWindow: '1m' } }));
    const exprs = ['KeyServiceHighErrorRate', 'KeyServiceHighLatency'].map((name) => short?.rules.find((r) => r.alert === name)?.expr ?? '');
    expect(exprs.map((expr) => [expr.includes('[1m]'), expr.includes('[5m]')])).toEqual([[true, false], [true, false]]);
  });

  it('guards the error ratio with a minimum request rate', () => {
    expect(rule('KeyServiceHighErrorRate')?.expr).toBe(
      `(sum(rate(http_responses_total{${SELECTOR},status_code=~"5.."}[5m])) / ${TOTAL}) > 0.02 and ${TOTAL} > 0.1`,
    );
    expect(rule('KeyServiceHighErrorRate')?.annotations.description).toBe(
      'More than 2% of the responses of KeyService team-a/demo are 5xx ({{ $value | humanizePercentage }} over 5m).',
    );
  });

  it('compares the key route p99 with a threshold on a histogram bucket bound', () => {
    expect(rule('KeyServiceHighLatency')?.expr).toBe(
      `histogram_quantile(0.99, sum by (le) (rate(request_latency_seconds_bucket{${SELECTOR},endpoint="/key/{length}"}[5m]))) > 0.5`,
    );
  });

  it('counts requests in the top size bucket and 413s against all key requests, over 30m', () => {
    const sizeSelector = `${SELECTOR}`;
    const valid = `sum(rate(key_length_bytes_count{${sizeSelector}}[30m]))`;
    const top = `(${valid} - sum(rate(key_length_bytes_bucket{${sizeSelector},le="972.8"}[30m])))`;
    const tooLarge = `(sum(rate(http_responses_total{${sizeSelector},status_code="413"}[30m])) or vector(0))`;
    expect(rule('KeyServiceKeySizeNearLimit')).toMatchObject({
      expr: `(${top} + ${tooLarge}) / (${valid} + ${tooLarge}) > 0.25 and (${valid} + ${tooLarge}) > 0.1`,
      for: '30m',
      labels: { severity: 'warning' },
    });
  });

  it('gives every alert a severity, summary, description and runbook_url', () => {
    expect(
      group?.rules.map((r) => [r.labels.severity, Object.keys(r.annotations).sort(), r.annotations.runbook_url]),
    ).toEqual([
      ['critical', ['description', 'runbook_url', 'summary'], 'https://runbooks.example/ks/KeyServiceDown.md'],
      ['critical', ['description', 'runbook_url', 'summary'], 'https://runbooks.example/ks/KeyServiceHighErrorRate.md'],
      ['warning', ['description', 'runbook_url', 'summary'], 'https://runbooks.example/ks/KeyServiceHighLatency.md'],
      ['warning', ['description', 'runbook_url', 'summary'], 'https://runbooks.example/ks/KeyServiceKeySizeNearLimit.md'],
    ]);
  });
});

describe('buildPrometheusRule', () => {
  it('wraps the rule groups in a PrometheusRule owned by the KeyService', () => {
    const ks = keyService();
    const rule = buildPrometheusRule(ks, OPTIONS) as { kind: string; metadata: { ownerReferences: unknown[] }; spec: unknown };
    expect([rule.kind, rule.metadata.ownerReferences.length, rule.spec]).toEqual([
      'PrometheusRule',
      1,
      { groups: buildRuleGroups(ks) },
    ]);
  });

  it('carries alerts.ruleLabels on the object (for a Prometheus ruleSelector) and alerts.labels only on the alerts', () => {
    const ks = keyService({ alerts: { ruleLabels: { release: 'kube-prometheus-stack' }, labels: { team: 'platform' } } });
    const rule = buildPrometheusRule(ks, OPTIONS) as { metadata: { labels: Record<string, string> } };
    expect([rule.metadata.labels.release, rule.metadata.labels.team]).toEqual(['kube-prometheus-stack', undefined]);
    expect(buildRuleGroups(ks)[0]?.rules.map((alert) => [alert.labels.team, alert.labels.release])).toEqual(
      Array.from({ length: 4 }, () => ['platform', undefined]),
    );
  });

  it('is null when alerts are disabled', () => {
    expect(buildPrometheusRule(keyService({ alerts: { enabled: false } }), OPTIONS)).toBeNull();
  });
});
