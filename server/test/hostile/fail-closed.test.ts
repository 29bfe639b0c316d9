import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificateValidBetween, replaceFile } from '../certificates.js';
import { rawRequest } from '../http-client.js';
import {
  countInOutput,
  freePort,
  killAllServerProcesses,
  SERVER_ENTRY,
  startServerProcess,
  stopServerProcess,
  waitForOutput,
  type ServerProcess,
} from '../server-process.js';
import { sampleOf } from './raw-http.js';

jest.setTimeout(30_000);
afterAll(killAllServerProcesses);

const KEY = 'fail-closed-key-0123456789';
const OTHER_KEY = 'fail-closed-new-9876543210';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'key-server-fail-closed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A certificate valid from yesterday to next year, and the expired and future ones the tests refuse. */
const NOW_PAIR = () => issueCertificateValidBetween(dir, 'current', stamp(-1), stamp(365));
const stamp = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

function writePair(name: string, pair: { cert: string; key: string }): [string, string] {
  writeFileSync(join(dir, `${name}.crt`), pair.cert);
  writeFileSync(join(dir, `${name}.key`), pair.key);
  return [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
}

describe('start-up refusals (findings 4, 6, 8)', () => {
  async function runToExit(...flags: string[]) {
    const host = flags.includes('--host') ? [] : ['--host', '127.0.0.1'];
    const ports = [...host, '--srv-port', String(await freePort()), '--metrics-port', String(await freePort())];
    const result = spawnSync(process.execPath, [SERVER_ENTRY, ...ports, ...flags], { encoding: 'utf8', timeout: 5000, killSignal: 'SIGKILL' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const cases: [string, () => string[], RegExp][] = [
    ['an empty --api-keys-file', () => ['--api-keys-file='], /^key-server: --api-keys-file: invalid value ""; expected .*\n$/],
    ['empty --tls-cert-file and --tls-key-file', () => ['--tls-cert-file=', '--tls-key-file= '], /^key-server: --tls-cert-file: invalid value "".*\nkey-server: --tls-key-file: invalid value " ".*\n$/],
    ['a missing certificate', () => ['--tls-cert-file', join(dir, 'absent.crt'), '--tls-key-file', join(dir, 'absent.key')], /^key-server: --tls-cert-file: cannot read .*absent\.crt: ENOENT\n$/],
    ['an expired certificate', () => writeFlags('expired', issueCertificateValidBetween(dir, 'expired', '20200101000000Z', '20200102000000Z')), /^key-server: --tls-cert-file: .*expired at 2020-01-02T00:00:00\.000Z\n$/],
    ['a certificate not valid yet', () => writeFlags('future', issueCertificateValidBetween(dir, 'future', stamp(30), stamp(60))), /^key-server: --tls-cert-file: .* is not valid until .*\n$/],
    ['an empty keys file', () => keysFlag('empty-keys', ''), /^key-server: --api-keys-file: .*empty-keys holds no key; at least one is needed\n$/],
    ['a keys file of comments only', () => keysFlag('comment-keys', '# rotated out\n\n'), /^key-server: --api-keys-file: .* holds no key; at least one is needed\n$/],
    ['an unreadable keys file (a directory)', () => ['--api-keys-file', makeDirectory('keys-dir')], /^key-server: --api-keys-file: cannot read .*keys-dir: EISDIR\n$/],
    ['a keys file over 4 MiB', () => keysFlag('huge-keys', `${KEY}\n`.repeat(200_000)), /^key-server: --api-keys-file: .*huge-keys is \d+ bytes; the limit is 4194304\n$/],
    ['a --host that is no address', () => ['--host', '999.1.1.1'], /^key-server: --host: invalid value "999\.1\.1\.1"; .*\n$/],
    ['a --host that does not resolve', () => ['--host', 'no-such-host.invalid'], /^key-server: --host: "no-such-host\.invalid" does not resolve: ENOTFOUND\n$/],
  ];

  it.each(cases)('refuses %s: exit 2, one line per problem on stderr, nothing on stdout', async (_what, flags, line) => {
    const result = await runToExit(...flags());
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(line);
  });

  function writeFlags(name: string, pair: { cert: string; key: string }): string[] {
    const [cert, key] = writePair(name, pair);
    return ['--tls-cert-file', cert, '--tls-key-file', key];
  }
  function keysFlag(name: string, content: string): string[] {
    writeFileSync(join(dir, name), content);
    return ['--api-keys-file', join(dir, name)];
  }
  function makeDirectory(name: string): string {
    mkdirSync(join(dir, name));
    return join(dir, name);
  }
});

describe('reloads that would lock out or never come (finding 6)', () => {
  let keysFile: string;
  let server: ServerProcess;
  beforeAll(async () => {
    keysFile = join(dir, 'reloaded-keys');
    writeFileSync(keysFile, `${KEY}\n`);
    server = await startServerProcess(['--api-keys-file', keysFile, '--reload-interval', '1']);
  });
  afterAll(() => stopServerProcess(server));
  const withKey = async (key: string) => (await rawRequest(server.srvPort, '/key/8', { headers: { 'X-API-Key': key } })).status;
  const failures = async () =>
    sampleOf((await rawRequest(server.metricsPort, '/metrics')).text, 'key_server_reload_failures_total{file="api_keys"}');

  it('keeps the previous keys when the file is truncated to nothing, and counts the refusal', async () => {
    writeFileSync(keysFile, '');
    await waitForOutput(server, 'API keys not reloaded');
    expect([await withKey(KEY), await failures()]).toEqual([200, 1]);
  });

  it('sees a new key written in place with the same size and mtime, which stat cannot see', async () => {
    const reloaded = '"msg":"API keys reloaded"';
    writeFileSync(keysFile, `${KEY}\n`);
    await waitForOutput(server, reloaded, 10_000, countInOutput(server, reloaded) + 1);
    const mtimeNs = statSync(keysFile, { bigint: true }).mtimeNs;
    const fd = openSync(keysFile, 'r+');
    writeSync(fd, `${OTHER_KEY}\n`, 0);
    closeSync(fd);
    // Back to the nanosecond (Node's utimes goes through a double and would round it): stat sees no change at all.
    const seconds = `${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`;
    execFileSync('touch', ['-m', '-d', `@${seconds}`, keysFile]);
    expect(statSync(keysFile, { bigint: true }).mtimeNs).toBe(mtimeNs);
    await waitForOutput(server, reloaded, 10_000, countInOutput(server, reloaded) + 1);
    expect([await withKey(OTHER_KEY), await withKey(KEY)]).toEqual([200, 401]);
  });
});

describe('certificate reloads (finding 6)', () => {
  let server: ServerProcess;
  let cert: string;
  let key: string;
  let current: { cert: string; key: string };
  beforeAll(async () => {
    current = NOW_PAIR();
    [cert, key] = writePair('served', current);
    server = await startServerProcess(['--tls-cert-file', cert, '--tls-key-file', key, '--reload-interval', '1']);
  });
  afterAll(() => stopServerProcess(server));
  const scrape = async () => (await rawRequest(server.metricsPort, '/metrics')).text;

  it('exports tls_certificate_not_after_timestamp_seconds of the served certificate', async () => {
    const notAfter = new X509Certificate(readFileSync(cert)).validToDate.getTime() / 1000;
    expect(sampleOf(await scrape(), 'tls_certificate_not_after_timestamp_seconds')).toBe(notAfter);
  });

  it('refuses an expired replacement, counts it, and goes on serving the previous certificate', async () => {
    const expired = issueCertificateValidBetween(dir, 'expired-reload', '20200101000000Z', '20200102000000Z');
    replaceFile(key, expired.key);
    replaceFile(cert, expired.cert);
    await waitForOutput(server, 'TLS certificate not reloaded');
    const served = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.srvPort, path: '/health', rejectUnauthorized: false, agent: false }, (res) => {
        const peer = (res.socket as TLSSocket).getPeerX509Certificate();
        res.resume();
        res.on('end', () => resolve(peer?.serialNumber ?? ''));
      });
      req.on('error', reject);
      req.end();
    });
    expect(served).toBe(new X509Certificate(current.cert).serialNumber);
    expect(sampleOf(await scrape(), 'key_server_reload_failures_total{file="tls"}')).toBeGreaterThanOrEqual(1);
  });
});
