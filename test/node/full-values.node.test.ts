import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterEnv, clusterTool, freshNamespace, kubectl, kubectlAsync, kubectlJson, ROOT } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';
import { getPath, loadUntil, serviceAnswering, serviceTarget, type ServiceTarget } from './service-client.js';

jest.setTimeout(300_000);

const helm = (...args: string[]) => clusterTool('helm', args, { cwd: ROOT });
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const base64 = (file: string) => readFileSync(file).toString('base64');

/** A CA and a serving certificate for the Service's names, stored as cert-manager stores one: tls.crt, tls.key, ca.crt. */
function makeTlsSecret(namespace: string, service: string, secretName: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyservice-tls-'));
  openssl('req', '-x509', ...EC_KEY, '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.crt`, '-days', '1', '-subj', '/CN=keyservice-e2e-ca');
  const names = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  writeFileSync(`${dir}/tls.ext`, `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl('req', ...EC_KEY, '-keyout', `${dir}/tls.key`, '-out', `${dir}/tls.csr`, '-subj', `/CN=${service}.${namespace}.svc`);
  openssl('x509', '-req', '-in', `${dir}/tls.csr`, '-CA', `${dir}/ca.crt`, '-CAkey', `${dir}/ca.key`, '-CAcreateserial',
    '-out', `${dir}/tls.crt`, '-days', '1', '-extfile', `${dir}/tls.ext`);
  kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { name: secretName, namespace },
    data: { 'tls.crt': base64(`${dir}/tls.crt`), 'tls.key': base64(`${dir}/tls.key`), 'ca.crt': base64(`${dir}/ca.crt`) },
  }));
  return readFileSync(`${dir}/ca.crt`, 'utf8');
}

interface ApiKeysSecret { data: { current: string } }
const currentApiKey = async (namespace: string) =>
  Buffer.from((JSON.parse(await kubectlAsync(['get', 'secret', 'keys', '-n', namespace, '-o', 'json'])) as ApiKeysSecret).data.current, 'base64').toString('utf8');
const currentKeyName = (namespace: string) =>
  kubectlJson<{ status: { apiKeys?: { currentKey: string } } }>(['get', 'keyservice', 'keys', '-n', namespace]).status.apiKeys?.currentKey;

describe('the chart with its fullest ci values (TLS, auth, base64url) on the real node', () => {
  let namespace: string;
  let target: ServiceTarget;

  beforeAll(async () => {
    namespace = freshNamespace('full');
    const crds = clusterEnv().prometheusOperatorCrds;
    for (const kind of ['servicemonitors', 'prometheusrules']) {
      kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(crds, `monitoring.coreos.com_${kind}.yaml`)]);
    }
    const ca = makeTlsSecret(namespace, 'keys', 'keys-tls');
    const installed = helm('install', 'full', './helm-chart', '--namespace', namespace, '-f', 'helm-chart/ci/full-values.yaml');
    expect({ status: installed.status, stderr: installed.stderr }).toEqual({ status: 0, stderr: '' });
    kubectl(['wait', '-n', namespace, 'keyservice/keys', '--for', 'condition=Ready', '--timeout', '240s']);
    target = serviceTarget(namespace, 'keys', { ca, servername: `keys.${namespace}.svc` });
    await serviceAnswering(target);
  });

  afterAll(() => {
    helm('uninstall', 'full', '--namespace', namespace, '--wait');
  });

  it('becomes Ready by HTTPS probes, and serves a base64url key over HTTPS to a client that trusts the CA', async () => {
    const key = await getPath(target, '/key/32', { authorization: `Bearer ${await currentApiKey(namespace)}` });
    expect({ status: key.status, bytes: Buffer.from(key.body, 'base64url').length, exact: Buffer.from(key.body, 'base64url').toString('base64url') === key.body })
      .toEqual({ status: 200, bytes: 32, exact: true });
  });

  it('answers 401 without an API key', async () => {
    expect((await getPath(target, '/key/32')).status).toBe(401);
  });

  it('passes helm test', () => {
    const tested = helm('test', 'full', '--namespace', namespace);
    expect({ status: tested.status, stderr: tested.stderr }).toEqual({ status: 0, stderr: '' });
    expect(tested.stdout).toContain('Phase:          Succeeded');
  });

  it('gives no 401 to a client that reads `current` from the Secret while the API key rotates', async () => {
    const before = currentKeyName(namespace);
    let apiKey = await currentApiKey(namespace);
    const rotated = waitFor('the current API key to change, and 5 s more of traffic', async () => {
      apiKey = await currentApiKey(namespace);
      const now = currentKeyName(namespace);
      if (now === undefined || now === before) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return now;
    }, { timeoutMs: 150_000, intervalMs: 1_000 });
    const load = await loadUntil(rotated, 2, async () => {
      const response = await getPath(target, '/key/32', { authorization: `Bearer ${apiKey}` });
      return response.status === 200 ? undefined : `${response.status} ${response.body}`;
    });
    console.log(`API key rotation: ${load.requests} requests, ${load.failures.length} failed`);
    expect({ failures: load.failures, someRequests: load.requests > 100 }).toEqual({ failures: [], someRequests: true });
  });
});
