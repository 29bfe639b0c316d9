import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRequest } from '../http-client.js';
import { killAllServerProcesses, startServerProcess, stopServerProcess, type ServerProcess } from '../server-process.js';
import { exchange, parseResponses, responsesCounted } from './raw-http.js';

jest.setTimeout(30_000);
afterAll(killAllServerProcesses);

const scrape = async (server: ServerProcess) => (await rawRequest(server.metricsPort, '/metrics')).text;

describe('requests Node refuses before the app (finding 7)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(() => stopServerProcess(server));

  const host = 'Host: localhost\r\n';
  it.each([
    ['a NUL in the target', `GET /key/\0 HTTP/1.1\r\n${host}\r\n`, 400, 'bad_request'],
    ['non-ASCII digits in the target', Buffer.from(`GET /key/\u0663\u0662 HTTP/1.1\r\n${host}\r\n`), 400, 'bad_request'],
    ['a bad method token', `G@T /key/8 HTTP/1.1\r\n${host}\r\n`, 400, 'bad_request'],
    ['Content-Length with Transfer-Encoding', `GET /key/8 HTTP/1.1\r\n${host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request'],
    ['20 kB of headers', `GET /key/8 HTTP/1.1\r\n${host}X-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['no Host header', 'GET /key/8 HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'missing_host'],
    ['an Expect other than 100-continue', `GET /key/8 HTTP/1.1\r\n${host}Expect: tea\r\n\r\n`, 417, 'expectation_failed'],
  ])('answers %s with the JSON error shape, the security headers and Connection: close, and counts it', async (_what, request, status, code) => {
    const countedBefore = responsesCounted(await scrape(server), status);
    const [answer, ...more] = parseResponses(await exchange(server.srvPort, request));
    expect(more).toEqual([]);
    expect({ status: answer?.status, code: (JSON.parse(answer?.body.toString() ?? '{}') as { code?: string }).code }).toEqual({ status, code });
    expect(answer?.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'close',
    });
    expect(responsesCounted(await scrape(server), status)).toBe(countedBefore + 1);
  });

  it('serves an absolute-form request target (RFC 9112 §3.2.2)', async () => {
    const request = `GET http://localhost:${server.srvPort}/key/32 HTTP/1.1\r\n${host}Connection: close\r\n\r\n`;
    const [answer] = parseResponses(await exchange(server.srvPort, request));
    expect([answer?.status, /^[0-9a-f]{64}$/.test(answer?.body.toString() ?? '')]).toEqual([200, true]);
  });

  it.each([
    ['/key/ and 15,000 letters', `/key/${'a'.repeat(15_000)}`, 400],
    ['/key/ and 15,000 digits', `/key/${'9'.repeat(15_000)}`, 413],
    ['an unknown path of 15,000 letters', `/${'b'.repeat(15_000)}`, 404],
    ['an unknown query parameter of 15,000 letters', `/key/8?${'c'.repeat(15_000)}=1`, 400],
  ])('echoes only a short prefix of %s', async (_what, path, status) => {
    const answer = await rawRequest(server.srvPort, path);
    expect(answer.status).toBe(status);
    expect(answer.body.length).toBeLessThan(300);
  });

  it.each([
    ['application/octet-stream;q=0', 406, 'application/json; charset=utf-8'],
    ['APPLICATION/OCTET-STREAM', 200, 'application/octet-stream'],
    ['text/plain;q=0.5, application/octet-stream;q=0.9', 200, 'application/octet-stream'],
    ['application/octet-stream;q=0.1, text/plain', 200, 'text/plain; charset=utf-8'],
    ['text/*;q=0.2, application/*', 200, 'application/octet-stream'],
  ])('negotiates Accept: %s by RFC 9110 (q-values, case, wildcards)', async (accept, status, contentType) => {
    const answer = await rawRequest(server.srvPort, '/key/8', { headers: { Accept: accept } });
    expect([answer.status, answer.headers['content-type']]).toEqual([status, contentType]);
  });
});

describe('a slowloris client (finding 7)', () => {
  it('gets a JSON 408 once --idle-timeout passes without its headers finished', async () => {
    const server = await startServerProcess(['--idle-timeout', '1']);
    const [answer] = parseResponses(await exchange(server.srvPort, 'GET /key/8 HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1'));
    expect([answer?.status, (JSON.parse(answer?.body.toString() ?? '{}') as { code?: string }).code, answer?.headers.connection]).toEqual([
      408,
      'request_timeout',
      'close',
    ]);
    expect(responsesCounted(await scrape(server), 408)).toBe(1);
    await stopServerProcess(server);
  });
});

describe('wrong API keys in a burst (finding 5)', () => {
  const KEY = 'burst-valid-key-0123456789';
  let dir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'key-server-burst-'));
    writeFileSync(join(dir, 'api-keys'), `${KEY}\n`);
    server = await startServerProcess(['--api-keys-file', join(dir, 'api-keys'), '--rate-limit', '5']);
  });
  afterAll(async () => {
    await stopServerProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 to the first 10 of 200 wrong keys from one address, then 429 with Retry-After, even to the right key', async () => {
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await rawRequest(server.srvPort, '/key/8', { headers: { 'X-API-Key': `wrong-key-${i}-0123456789` } }));
    const statuses = answers.map((answer) => answer.status);
    expect([statuses.filter((status) => status === 401).length, statuses.filter((status) => status === 429).length]).toEqual([10, 190]);
    expect(statuses.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 401));
    expect(answers.filter((answer) => answer.status === 429 && !/^[1-9][0-9]*$/.test(String(answer.headers['retry-after'])))).toEqual([]);
    const right = await rawRequest(server.srvPort, '/key/8', { headers: { 'X-API-Key': KEY } });
    expect([right.status, (JSON.parse(right.text) as { code: string }).code]).toEqual([429, 'too_many_failed_attempts']);
  });
});
