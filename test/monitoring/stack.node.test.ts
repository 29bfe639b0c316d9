import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { clusterEnv, clusterTool, CLUSTER_DIR, freshNamespace, kubectl, ROOT } from '../cluster/kube-test-env.js';
import { getPath, loadUntil, serviceTarget } from '../node/service-client.js';
import { waitFor } from '../wait-for.js';
import { mailsAbout, slackMessagesAbout, startSlackSink, startSmtpSink } from './notification-sinks.js';

jest.setTimeout(600_000);

const SMTP_PASSWORD = 'smtp-password-of-the-stack-test';
const FOUR_ALERTS = ['KeyServiceDown', 'KeyServiceHighErrorRate', 'KeyServiceHighLatency', 'KeyServiceKeySizeNearLimit'];
const helm = (...args: string[]) => clusterTool('helm', args, { cwd: ROOT });
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** What `npm run monitoring:up` added to the cluster's env file. */
function stackUrls(): { prometheus: string; alertmanager: string } {
  const { prometheusUrl, alertmanagerUrl } = clusterEnv();
  if (prometheusUrl === undefined || alertmanagerUrl === undefined) throw new Error('monitoring:up named no Prometheus or Alertmanager');
  return { prometheus: prometheusUrl, alertmanager: alertmanagerUrl };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

/** alertmanager_notifications_total by integration, from Alertmanager's own metrics. */
async function notificationsSent(alertmanager: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${alertmanager}/metrics`)).text();
  const sent: Record<string, number> = {};
  for (const match of text.matchAll(/^alertmanager_notifications_total\{integration="([a-z]+)"\} (\S+)$/gm)) {
    sent[match[1] ?? ''] = Number(match[2]);
  }
  return sent;
}

interface Target { labels: Record<string, string>; health: string }
interface RuleGroup { name: string; rules: { name: string; type: string }[] }

describe('the alerts a cluster team gets: prometheus-operator, Prometheus and Alertmanager on the real node, configured only from the KeyService', () => {
  let namespace: string;
  let urls: { prometheus: string; alertmanager: string };
  let slack: Awaited<ReturnType<typeof startSlackSink>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let traffic: { stop(): void; done: Promise<unknown> } | undefined;

  const patchSpec = (spec: Record<string, unknown>) =>
    kubectl(['patch', 'keyservice', 'keys', '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec })]);
  const rolledOut = () => kubectl(['rollout', 'status', 'deployment/keys', '-n', namespace, '--timeout', '180s']);
  const slackAbout = (status: string, alert: string) => slackMessagesAbout(slack.messages, status, alert);
  const mailsOf = (status: string, alert: string) => mailsAbout(smtp.mails, status, alert);
  const arrived = <T>(items: T[], before: number) => (items.length > before ? items[items.length - 1] : undefined);

  /** Key requests through the Service without pause, so that the error-rate alert has traffic to judge. */
  function startTraffic(): void {
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const target = serviceTarget(namespace, 'keys');
    const done = loadUntil(stopped, 2, async () => {
      await getPath(target, '/key/32').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return undefined;
    });
    traffic = { stop, done };
  }

  beforeAll(async () => {
    execFileSync('bash', ['tools/monitoring/up.sh', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
    urls = stackUrls();
    // Alertmanager runs in a pod: the sinks listen on the host's address on the real node's bridge, which pods reach.
    const hostAddress = new URL(clusterEnv().apiServerUrl).hostname;
    slack = await startSlackSink(hostAddress);
    smtp = await startSmtpSink(SMTP_PASSWORD, hostAddress);
    namespace = freshNamespace('alerts');
    kubectl(['create', 'secret', 'generic', 'alert-receivers', '-n', namespace,
      `--from-literal=slack-url=${slack.url}`, `--from-literal=smtp-password=${SMTP_PASSWORD}`]);
    const installed = helm('install', 'ops', './helm-chart', '--namespace', namespace, '--set', 'server.enabled=false');
    expect({ status: installed.status, stderr: installed.stderr }).toEqual({ status: 0, stderr: '' });
    kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'keyservice.io/v1alpha1',
      kind: 'KeyService',
      metadata: { name: 'keys', namespace },
      spec: {
        replicas: 1,
        serviceMonitor: { interval: '5s', labels: { release: 'kube-prometheus-stack' } },
        // A 1m window (12 scrapes) lets the drill's pod, gone after the rollout back, stop counting within a minute.
        alerts: { ruleLabels: { release: 'kube-prometheus-stack' }, rateWindow: '1m', downFor: '10s', errorRateFor: '10s' },
        alerting: {
          slack: { channel: '#keyservice-oncall', webhookUrl: { name: 'alert-receivers', key: 'slack-url' } },
          email: {
            to: 'oncall@keyservice.example',
            from: 'alertmanager@keyservice.example',
            smarthost: `${hostAddress}:${smtp.port}`,
            password: { name: 'alert-receivers', key: 'smtp-password' },
            requireTLS: false,
          },
          groupWait: '5s',
          groupInterval: '10s',
          repeatInterval: '1h',
        },
      },
    }));
    kubectl(['wait', '-n', namespace, 'keyservice/keys', '--for', 'condition=Ready', '--timeout', '240s']);
    startTraffic();
  });

  afterAll(async () => {
    traffic?.stop();
    await traffic?.done;
    if (namespace !== undefined) {
      kubectl(['delete', 'keyservice', 'keys', '-n', namespace, '--wait', '--ignore-not-found']);
      helm('uninstall', 'ops', '--namespace', namespace, '--wait');
    }
    await slack?.close();
    await smtp?.close();
  });

  it('shows the key server pod as a target up and lists the four alerts, from the ServiceMonitor and PrometheusRule alone', async () => {
    const since = Date.now();
    const targets = await waitFor('the key server target up in Prometheus', async () => {
      const { data } = await getJson<{ data: { activeTargets: Target[] } }>(`${urls.prometheus}/api/v1/targets`);
      const ours = data.activeTargets.filter((target) => target.labels.namespace === namespace);
      return ours.length > 0 && ours.every((target) => target.health === 'up') ? ours : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1_000 });
    console.log(`Prometheus scraped the key server ${seconds(since)} s after Ready`);
    expect(targets.map((target) => [target.labels.job, target.labels.service])).toEqual([['keys', 'keys']]);
    const alerts = await waitFor('the KeyService rules in Prometheus', async () => {
      const { data } = await getJson<{ data: { groups: RuleGroup[] } }>(`${urls.prometheus}/api/v1/rules`);
      const group = data.groups.find((candidate) => candidate.name === `keyservice.${namespace}.keys`);
      return group?.rules.filter((rule) => rule.type === 'alerting').map((rule) => rule.name);
    }, { timeoutMs: 120_000, intervalMs: 1_000 });
    expect(alerts.sort()).toEqual(FOUR_ALERTS);
  });

  it('delivers KeyServiceHighErrorRate from a drill to Slack and to the mailbox (login checked), and the resolution after it', async () => {
    const since = Date.now();
    patchSpec({ drill: { faultRate: 0.5 } });
    const firing = await waitFor('KeyServiceHighErrorRate in Slack', () => slackAbout('FIRING', 'KeyServiceHighErrorRate')[0],
      { timeoutMs: 240_000, intervalMs: 500 });
    console.log(`drill: KeyServiceHighErrorRate reached Slack ${seconds(since)} s after the spec change`);
    expect(firing.channel).toBe('#keyservice-oncall');
    await waitFor('KeyServiceHighErrorRate by email', () => mailsOf('FIRING', 'KeyServiceHighErrorRate')[0], { timeoutMs: 60_000 });
    expect(smtp.logins).toContain('alertmanager@keyservice.example');

    const recovered = Date.now();
    patchSpec({ drill: { faultRate: 0 } });
    rolledOut();
    await waitFor('KeyServiceHighErrorRate resolved in Slack', () => slackAbout('RESOLVED', 'KeyServiceHighErrorRate')[0],
      { timeoutMs: 240_000, intervalMs: 500 });
    await waitFor('KeyServiceHighErrorRate resolved by email', () => mailsOf('RESOLVED', 'KeyServiceHighErrorRate')[0], { timeoutMs: 60_000 });
    console.log(`drill: resolved in Slack and by email ${seconds(recovered)} s after the drill ended`);
  });

  it('delivers KeyServiceDown to Slack and email when the key server is scaled to zero', async () => {
    const since = Date.now();
    patchSpec({ replicas: 0 });
    await waitFor('KeyServiceDown in Slack', () => slackAbout('FIRING', 'KeyServiceDown')[0], { timeoutMs: 240_000, intervalMs: 500 });
    console.log(`KeyServiceDown reached Slack ${seconds(since)} s after the scale to zero`);
    await waitFor('KeyServiceDown by email', () => mailsOf('FIRING', 'KeyServiceDown')[0], { timeoutMs: 60_000 });
    patchSpec({ replicas: 1 });
    rolledOut();
    await waitFor('KeyServiceDown resolved in Slack', () => slackAbout('RESOLVED', 'KeyServiceDown')[0], { timeoutMs: 240_000, intervalMs: 500 });
  });

  it('drops the email receiver from the live Alertmanager once spec.alerting.email is removed, and the next alert goes to Slack only', async () => {
    const receiver = `${namespace}/keys/keyservice-keys`;
    kubectl(['patch', 'keyservice', 'keys', '-n', namespace, '--type', 'json', '-p', '[{"op": "remove", "path": "/spec/alerting/email"}]']);
    const config = await waitFor('the email receiver gone from Alertmanager\'s configuration', async () => {
      const { config: live } = await getJson<{ config: { original: string } }>(`${urls.alertmanager}/api/v2/status`);
      const ours = live.original.split('\n- name: ').find((block) => block.startsWith(receiver) || block.startsWith(`"${receiver}"`));
      return ours !== undefined && !ours.includes('email_configs') ? ours : undefined;
    }, { timeoutMs: 240_000, intervalMs: 1_000 });
    expect(config).toContain('slack_configs');

    const sentBefore = await notificationsSent(urls.alertmanager);
    const slackBefore = slackAbout('FIRING', 'KeyServiceDown').length;
    const mailsBefore = smtp.mails.length;
    patchSpec({ replicas: 0 });
    await waitFor('a second KeyServiceDown in Slack', () => arrived(slackAbout('FIRING', 'KeyServiceDown'), slackBefore),
      { timeoutMs: 240_000, intervalMs: 500 });
    const sentAfter = await waitFor('Alertmanager to count the Slack notification', async () => {
      const sent = await notificationsSent(urls.alertmanager);
      return (sent.slack ?? 0) > (sentBefore.slack ?? 0) ? sent : undefined;
    });
    expect({ emailNotifications: sentAfter.email, mails: smtp.mails.length })
      .toEqual({ emailNotifications: sentBefore.email, mails: mailsBefore });
  });
});
