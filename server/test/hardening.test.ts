import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { issueServerCertificate, makeAuthority, replaceFile, type Authority } from './certificates.js';
import { waitFor } from '../../test/wait-for.js';
import { rawRequest } from './http-client.js';
import { killAllServerProcesses, startServerProcess, stopServerProcess, type ServerProcess } from './server-process.js';

jest.setTimeout(30_000);
afterAll(killAllServerProcesses);

interface HttpsAnswer {
  status: number;
  text: string;
  issuer: string;
}

/** One request on a fresh TLS connection, trusting only the given authorities. */
function httpsGet(port: number, path: string, trusted: Authority[], headers: Record<string, string> = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const ca = trusted.map((authority) => readFileSync(authority.certFile));
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, ca, headers, agent: false }, (res) => {
      let text = '';
      const issuer = String((res.socket as TLSSocket).getPeerCertificate().issuer.CN);
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, issuer }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits, polling every 50 ms for up to 10 s, until the server's log shows what a step waits for. */
const waitUntil = (condition: () => boolean, what: string) =>
  waitFor(what, () => condition() || undefined, { timeoutMs: 10_000, intervalMs: 50 });

/** Sends requests one after another until `done` says so or the deadline passes; returns every answer. */
async function requestUntil<T>(send: () => Promise<T>, done: (answer: T) => boolean, deadlineMs: number): Promise<T[]> {
  const answers: T[] = [];
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const answer = await send();
    answers.push(answer);
    if (done(answer)) break;
  }
  return answers;
}

describe('HTTPS with --tls-cert-file and --tls-key-file', () => {
  let dir: string;
  let first: Authority;
  let second: Authority;
  let server: ServerProcess;
  const certFile = () => join(dir, 'tls.crt');
  const keyFile = () => join(dir, 'tls.key');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'key-server-tls-'));
    first = makeAuthority(dir, 'first-ca');
    second = makeAuthority(dir, 'second-ca');
    const pair = issueServerCertificate(dir, first);
    writeFileSync(certFile(), pair.cert);
    writeFileSync(keyFile(), pair.key);
    server = await startServerProcess(['--tls-cert-file', certFile(), '--tls-key-file', keyFile(), '--reload-interval', '1']);
  });
  afterAll(async () => {
    await stopServerProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves keys to a client that trusts the authority', async () => {
    const answer = await httpsGet(server.srvPort, '/key/32', [first]);
    expect([answer.status, /^[0-9a-f]{64}$/.test(answer.text), answer.issuer]).toEqual([200, true, 'first-ca']);
  });

  it('fails the handshake for a client that does not trust it', async () => {
    await expect(httpsGet(server.srvPort, '/key/32', [second])).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('refuses plain HTTP on the HTTPS port', async () => {
    const answer = await rawRequest(server.srvPort, '/health').catch((error: NodeJS.ErrnoException) => error.code);
    expect(answer).toBe('ECONNRESET');
  });

  it('keeps metrics on plain HTTP', async () => {
    expect((await rawRequest(server.metricsPort, '/metrics')).status).toBe(200);
  });

  it('picks up replaced certificate files with no failed request', async () => {
    const renewed = issueServerCertificate(dir, second);
    const send = () => httpsGet(server.srvPort, '/key/16', [first, second]);
    const before = await send();
    replaceFile(keyFile(), renewed.key);
    replaceFile(certFile(), renewed.cert);
    const answers = await requestUntil(send, (answer) => answer.issuer === 'second-ca', 10_000);
    expect(before.issuer).toBe('first-ca');
    expect(answers.at(-1)?.issuer).toBe('second-ca');
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
  });
});

describe('API keys with --api-keys-file', () => {
  const OLD_KEY = 'old-key-0123456789abcdef';
  const NEW_KEY = 'new-key-fedcba9876543210';
  let dir: string;
  let keysFile: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'key-server-keys-'));
    keysFile = join(dir, 'api-keys');
    writeFileSync(keysFile, `${OLD_KEY}\n`);
    server = await startServerProcess(['--api-keys-file', keysFile, '--reload-interval', '1']);
  });
  afterAll(async () => {
    await stopServerProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const keyRequest = (key?: string) =>
    rawRequest(server.srvPort, '/key/8', key === undefined ? {} : { headers: { Authorization: `Bearer ${key}` } });

  it('answers 401 without a key and 200 with one, and keeps /health open', async () => {
    expect((await keyRequest()).status).toBe(401);
    expect((await keyRequest(OLD_KEY)).status).toBe(200);
    expect((await rawRequest(server.srvPort, '/health')).status).toBe(200);
  });

  it('rotates under load with no failed request for a client that re-reads the current key', async () => {
    // The rotation protocol the operator follows: add the new key to the accepted set, let every server load it,
    // only then name it current for clients, and drop the old key after the overlap.
    const currentFile = join(dir, 'current-key');
    writeFileSync(currentFile, OLD_KEY);
    const answers: number[] = [];
    let rotating = true;
    const load = (async () => {
      while (rotating) answers.push((await keyRequest(readFileSync(currentFile, 'utf8'))).status);
    })();
    const reloads = () => server.stdout().split('"msg":"API keys reloaded"').length - 1;
    const reloadsBefore = reloads();
    replaceFile(keysFile, `${OLD_KEY}\n${NEW_KEY}\n`);
    await waitUntil(() => reloads() === reloadsBefore + 1, 'the server to load the new key');
    replaceFile(currentFile, NEW_KEY);
    await new Promise((resolve) => setTimeout(resolve, 500));
    replaceFile(keysFile, `${NEW_KEY}\n`);
    await waitUntil(() => reloads() === reloadsBefore + 2, 'the server to drop the old key');
    rotating = false;
    await load;
    expect(answers.length).toBeGreaterThan(50);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    expect((await keyRequest(OLD_KEY)).status).toBe(401);
    expect(server.stdout()).not.toContain(OLD_KEY);
    expect(server.stdout()).not.toContain(NEW_KEY);
  });

  it('keeps the previous keys when the file turns bad, and logs which line', async () => {
    replaceFile(keysFile, 'short\n');
    await waitUntil(() => server.stdout().includes('API keys not reloaded'), 'the server to refuse the bad file');
    expect((await keyRequest(NEW_KEY)).status).toBe(200);
    expect(server.stdout()).toContain('line 1: a key needs at least 16 characters');
  });
});

describe('start-up checks of the hardening flags', () => {
  it('refuses to start, naming --api-keys-file, when it cannot be read', async () => {
    await expect(startServerProcess(['--api-keys-file', '/nonexistent/keys'])).rejects.toThrow(
      'key-server: --api-keys-file: cannot read /nonexistent/keys: ENOENT',
    );
  });

  it('refuses to start when the certificate and key do not match', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-server-tls-bad-'));
    try {
      const authority = makeAuthority(dir, 'ca');
      const pair = issueServerCertificate(dir, authority);
      writeFileSync(join(dir, 'tls.crt'), pair.cert);
      await expect(
        startServerProcess(['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', authority.keyFile]),
      ).rejects.toThrow('key-server: --tls-cert-file/--tls-key-file: not a usable certificate and key pair');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
