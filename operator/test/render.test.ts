import { parse, parseAllDocuments } from 'yaml';
import { parseOperatorCommand } from '../src/config.js';
import { renderKeyServices } from '../src/render.js';
import { OPTIONS } from './fixtures.js';

const SAMPLE = `apiVersion: keyservice.io/v1alpha1
kind: KeyService
metadata:
  name: keys
  namespace: security
spec:
  maxSize: 2048
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ignored
`;

const KEYS = { now: new Date('2026-01-01T00:00:00Z'), mint: (now: Date) => ({ name: 'key-1', value: 'first-key-value', createdAt: now.toISOString() }) };

describe('renderKeyServices', () => {
  it('prints every enabled child of every KeyService, without owner references', () => {
    const result = renderKeyServices(SAMPLE, OPTIONS, KEYS);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS() as { kind: string; metadata: Record<string, unknown> });
    expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace, 'ownerReferences' in d.metadata])).toEqual([
      ['Deployment', 'keys', 'security', false],
      ['Service', 'keys', 'security', false],
      ['ServiceMonitor', 'keys', 'security', false],
      ['PrometheusRule', 'keys', 'security', false],
    ]);
  });

  it('prints the PodDisruptionBudget and NetworkPolicy of a KeyService that has them', () => {
    const result = renderKeyServices(SAMPLE.replace('maxSize: 2048', 'replicas: 2\n  networkPolicy: { enabled: true }'), OPTIONS, KEYS);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS() as { kind: string; metadata: Record<string, unknown> });
    expect(docs.map((d) => [d.kind, d.metadata.name, 'ownerReferences' in d.metadata])).toEqual([
      ['Deployment', 'keys', false],
      ['Service', 'keys', false],
      ['PodDisruptionBudget', 'keys', false],
      ['NetworkPolicy', 'keys', false],
      ['ServiceMonitor', 'keys', false],
      ['PrometheusRule', 'keys', false],
    ]);
  });

  it('prints a plain Prometheus rules file with --rules', () => {
    const result = renderKeyServices(SAMPLE, OPTIONS, KEYS, true);
    const rules = parse(result.ok ? result.yaml : '') as { groups: { name: string; rules: { alert: string }[] }[] };
    expect(rules.groups.map((g) => [g.name, g.rules.map((r) => r.alert)])).toEqual([
      ['keyservice.security.keys', ['KeyServiceDown', 'KeyServiceHighErrorRate', 'KeyServiceHighLatency', 'KeyServiceKeySizeNearLimit']],
    ]);
  });

  it('reports an invalid spec naming the KeyService and the field', () => {
    expect(renderKeyServices(SAMPLE.replace('maxSize: 2048', 'maxSize: 0'), OPTIONS, KEYS)).toEqual({
      ok: false,
      problems: ['keys: spec.maxSize: Too small: expected number to be >=1'],
    });
  });

  it('prints the API keys Secret that a KeyService with spec.auth mounts, named as the Deployment mounts it', () => {
    const result = renderKeyServices(SAMPLE.replace('maxSize: 2048', 'auth: { enabled: true }'), OPTIONS, KEYS);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> });
    const mounted = JSON.stringify(docs.find((d) => d.kind === 'Deployment')).includes('"secretName":"keys"');
    const secret = docs.find((d) => d.kind === 'Secret');
    expect([mounted, secret?.metadata.name, Buffer.from(secret?.data?.current ?? '', 'base64').toString()]).toEqual([true, 'keys', 'first-key-value']);
  });

  it('refuses a name the Service could not carry', () => {
    expect(renderKeyServices(SAMPLE.replace('name: keys', 'name: my.keys'), OPTIONS, KEYS)).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('document 1: metadata.name must be at most 63 characters')],
    });
  });

  it('says so when the file holds no KeyService', () => {
    expect(renderKeyServices('kind: ConfigMap\n', OPTIONS, KEYS)).toEqual({ ok: false, problems: ['no KeyService (keyservice.io/v1alpha1) found'] });
  });
});

describe('parseOperatorCommand', () => {
  it('fills in the defaults', () => {
    expect(parseOperatorCommand(['--identity', 'op-1'], { POD_NAMESPACE: 'ops' })).toEqual({
      kind: 'run',
      config: {
        watchNamespace: null,
        image: { repository: 'ghcr.io/keyservice/key-server', tag: '0.1.0' },
        metricsPort: 8080,
        leaderElect: false,
        leaderElectionNamespace: 'ops',
        leaderElectionId: 'keyservice-operator',
        identity: 'op-1',
        resyncSeconds: 300,
        monitoringPollSeconds: 30,
        workers: 4,
        requestTimeoutMs: 30_000,
        logLevel: 'info',
      },
    });
  });

  it('reads --watch-namespace, --image with a registry port, and a bare --leader-elect', () => {
    const command = parseOperatorCommand(['--watch-namespace=team-a', '--image', 'localhost:5000/ks:dev', '--leader-elect'], {});
    const config = command.kind === 'run' ? command.config : null;
    expect([config?.watchNamespace, config?.image, config?.leaderElect]).toEqual(['team-a', { repository: 'localhost:5000/ks', tag: 'dev' }, true]);
  });

  it('reports every bad flag, naming it', () => {
    expect(parseOperatorCommand(['--metrics-port', '0', '--image', 'no-tag', '--bogus'], {})).toEqual({
      kind: 'invalid',
      problems: [
        'unknown argument "--bogus"; run with --help to see the flags',
        '--metrics-port: Too small: expected number to be >=1 (got "0")',
        '--image: expected repository:tag, e.g. ghcr.io/keyservice/key-server:0.1.0 (got "no-tag")',
      ],
    });
  });

  it('parses render -f FILE --rules', () => {
    expect(parseOperatorCommand(['render', '-f', 'ks.yaml', '--rules'], {})).toEqual({
      kind: 'render',
      file: 'ks.yaml',
      image: { repository: 'ghcr.io/keyservice/key-server', tag: '0.1.0' },
      rulesOnly: true,
    });
  });
});
