import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawRequest } from '../../server/test/http-client.js';
import { freePort, killAllServerProcesses, startServerProcess, stopServerProcess, type ServerProcess } from '../../server/test/server-process.js';
import { alertmanagerConfigForTest, startAlertmanager } from './alertmanager-process.js';
import { mailsAbout, slackMessagesAbout, startSlackSink, startSmtpSink, type ReceivedMail } from './notification-sinks.js';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.js';
import { waitFor as waitForProbe } from '../wait-for.js';

jest.setTimeout(120_000);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SMTP_PASSWORD = 'smtp-password-for-the-drill';

/** Notifications take a few scrape, evaluation and group intervals to arrive: poll every 200 ms, for 45 s. */
const waitFor = <T>(what: string, find: () => T | undefined, timeoutMs = 45_000) =>
  waitForProbe(what, find, { timeoutMs, intervalMs: 200 });

describe('alerts reach people: Prometheus → Alertmanager → Slack and email (all real programs)', () => {
  let dir: string;
  let slack: Awaited<ReturnType<typeof startSlackSink>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;
  let prometheus: PrometheusProcess;
  let server: ServerProcess;
  let ports: { srvPort: number; metricsPort: number };
  let traffic = true;
  let load: Promise<void>;

  const slackMessage = (status: string, alert: string) => slackMessagesAbout(slack.messages, status, alert)[0];
  const mail = (status: string, alert: string) => mailsAbout(smtp.mails, status, alert)[0];
  // Alertmanager's mail is quoted-printable: undo the soft line breaks and =XX escapes before reading it.
  const mailText = (m: ReceivedMail) =>
    m.data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alerting-'));
    slack = await startSlackSink();
    smtp = await startSmtpSink(SMTP_PASSWORD);
    writeFileSync(join(dir, 'slack-url'), slack.url);
    writeFileSync(join(dir, 'smtp-password'), SMTP_PASSWORD);
    const config = alertmanagerConfigForTest({
      slackUrlFile: join(dir, 'slack-url'),
      smtpPort: smtp.port,
      smtpPasswordFile: join(dir, 'smtp-password'),
    });
    alertmanager = await startAlertmanager(dir, config);
    // The rules exactly as the operator renders them for a KeyService, with short `for` durations from its spec.
    const rules = execFileSync(process.execPath, ['dist/operator/src/main.js', 'render', '-f', 'monitoring/tests/drill-keyservice.yaml', '--rules'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'rules.yaml'), rules);
    ports = { srvPort: await freePort(), metricsPort: await freePort() };
    server = await startServerProcess(['--max-size', '2048'], ports);
    prometheus = await startPrometheus(
      [{ job: 'key-service', address: `127.0.0.1:${ports.metricsPort}`, labels: { namespace: 'keys' } }],
      { ruleFiles: [join(dir, 'rules.yaml')], alertmanagers: [alertmanager.url.replace('http://', '')] },
    );
    // Steady traffic, about 20 requests a second, for the whole test; a refused connection while the server is
    // down is expected and ignored.
    load = (async () => {
      while (traffic) {
        await rawRequest(ports.srvPort, '/key/32').catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  });

  afterAll(async () => {
    traffic = false;
    await load;
    await prometheus?.stop();
    await alertmanager?.stop();
    await slack?.close();
    await smtp?.close();
    killAllServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends nothing while the server is healthy', async () => {
    // Long enough for every `for` of the drill's rules (3s) to have passed several times over.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const firing = await prometheus.query('ALERTS');
    expect(firing.data?.result).toEqual([]);
    expect([slack.messages, smtp.mails]).toEqual([[], []]);
  });

  it('pages Slack and email with KeyServiceDown, its summary and runbook, when the server stops', async () => {
    await stopServerProcess(server);
    const message = await waitFor('KeyServiceDown in Slack', () => slackMessage('FIRING', 'KeyServiceDown'));
    expect(message.channel).toBe('#keyservice-oncall');
    expect(message.attachments[0]?.text).toContain('Key server keys/key-service is down');
    expect(message.attachments[0]?.text).toContain('Runbook: https://runbooks.example/keyservice/KeyServiceDown.md');
    const email = await waitFor('KeyServiceDown by email', () => mail('FIRING', 'KeyServiceDown'));
    expect(email.to).toEqual(['keyservice-oncall@keyservice.example']);
    expect(email.data).toContain('Subject: [FIRING] KeyServiceDown (keys/key-service)');
    expect(mailText(email)).toContain('Key server keys/key-service is down');
    expect(mailText(email)).toContain('https://runbooks.example/keyservice/KeyServiceDown.md');
    expect(smtp.logins).toContain('alertmanager@keyservice.example');
  });

  it('sends the resolved notification to both once the server is back', async () => {
    server = await startServerProcess(['--max-size', '2048'], ports);
    const message = await waitFor('KeyServiceDown resolved in Slack', () => slackMessage('RESOLVED', 'KeyServiceDown'));
    expect(message.attachments[0]?.text).toContain('Key server keys/key-service is down');
    await waitFor('KeyServiceDown resolved by email', () => mail('RESOLVED', 'KeyServiceDown'));
  });

  it('pages KeyServiceHighErrorRate when a drill makes half the key requests fail (--fault-rate 0.5)', async () => {
    await stopServerProcess(server);
    server = await startServerProcess(['--max-size', '2048', '--fault-rate', '0.5'], ports);
    const message = await waitFor('KeyServiceHighErrorRate in Slack', () => slackMessage('FIRING', 'KeyServiceHighErrorRate'), 60_000);
    expect(message.attachments[0]?.text).toContain('Key server keys/key-service answers many 5xx');
    expect(message.attachments[0]?.text).toContain('Runbook: https://runbooks.example/keyservice/KeyServiceHighErrorRate.md');
    const email = await waitFor('KeyServiceHighErrorRate by email', () => mail('FIRING', 'KeyServiceHighErrorRate'));
    expect(email.to).toEqual(['keyservice-oncall@keyservice.example']);
    expect(mailText(email)).toContain('https://runbooks.example/keyservice/KeyServiceHighErrorRate.md');
  });
});
