import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { rawRequest } from './http-client.js';
import {
  killAllServerProcesses,
  SERVER_ENTRY,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from './server-process.js';

jest.setTimeout(20_000);
afterAll(killAllServerProcesses);

const runServer = (...flags: string[]) => spawnSync(process.execPath, [SERVER_ENTRY, ...flags], { encoding: 'utf8', timeout: 10_000 });

describe('the built server, as a process', () => {
  describe('with the README flags (--srv-port, --max-size 2048)', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess(['--max-size', '2048']);
    });
    afterAll(() => stopServerProcess(server));

    it('answers /key/32 with 64 hex characters over real HTTP', async () => {
      const res = await rawRequest(server.srvPort, '/key/32');
      expect([res.status, /^[0-9a-f]{64}$/.test(res.text)]).toEqual([200, true]);
    });

    it('answers /health with OK and exposes 20 buckets up to 2048 on the metrics port', async () => {
      expect((await rawRequest(server.srvPort, '/health')).text).toBe('OK');
      const metrics = await rawRequest(server.metricsPort, '/metrics');
      expect(metrics.text).toContain('key_length_bytes_bucket{le="102.4"}');
      expect(metrics.text).toContain('key_length_bytes_bucket{le="2048"}');
      expect(metrics.text.match(/key_length_bytes_bucket\{/g)).toHaveLength(21);
    });

    it('passes promtool check metrics on a real scrape', async () => {
      await rawRequest(server.srvPort, '/key/16');
      await rawRequest(server.srvPort, '/key/99999');
      const scrape = await rawRequest(server.metricsPort, '/metrics');
      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: scrape.text, encoding: 'utf8' });
      expect(promtool.error).toBeUndefined();
      expect({ status: promtool.status, stdout: promtool.stdout, stderr: promtool.stderr }).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
    });

    it('writes JSON log lines with no key material in them', async () => {
      const keys = await Promise.all([1, 2, 3].map(() => rawRequest(server.srvPort, '/key/32')));
      const lines = server.stdout().trim().split('\n');
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      for (const key of keys) expect(server.stdout()).not.toContain(key.text);
    });
  });

  describe('with --encoding raw, the original test suite', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess(['--encoding', 'raw', '--max-size', '1024']);
    });
    afterAll(() => stopServerProcess(server));

    it('answers /key/10 with 10 bytes', async () => {
      const res = await rawRequest(server.srvPort, '/key/10');
      expect([res.status, res.body.length]).toEqual([200, 10]);
    });

    it('answers /key/2000 with 413 containing "exceeds maximum size"', async () => {
      const res = await rawRequest(server.srvPort, '/key/2000');
      expect(res.status).toBe(413);
      expect(res.text).toContain('exceeds maximum size');
    });

    it('answers /health with exactly OK', async () => {
      const res = await rawRequest(server.srvPort, '/health');
      expect([res.status, res.text]).toEqual([200, 'OK']);
    });

    it('names both metrics on the metrics port after traffic', async () => {
      await rawRequest(server.srvPort, '/key/10');
      await rawRequest(server.srvPort, '/key/2000');
      const res = await rawRequest(server.metricsPort, '/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_responses_total');
      expect(res.text).toContain('key_length_bytes');
    });
  });

  describe('on the command line', () => {
    it('exits non-zero at once with one line naming a bad flag, its value and the range', () => {
      const result = runServer('--max-size', '0');
      expect([result.status, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toBe('key-server: --max-size: invalid value "0"; expected an integer in 1..1048576\n');
    });

    it('prints the package version for --version', () => {
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      const result = runServer('--version');
      expect([result.status, result.stdout]).toEqual([0, `${manifest.version}\n`]);
    });

    it('prints every flag for --help', () => {
      const result = runServer('--help');
      expect(result.status).toBe(0);
      for (const flag of ['--host', '--srv-port', '--max-size', '--metrics-port', '--encoding']) expect(result.stdout).toContain(flag);
    });

    it('exits 2 with one line naming the flag, and nothing on stdout, when its port is taken', async () => {
      const first = await startServerProcess();
      try {
        const result = runServer('--host', '127.0.0.1', '--srv-port', String(first.srvPort), '--metrics-port', '0');
        expect(result.status).toBe(2);
        const second = runServer('--host', '127.0.0.1', '--srv-port', String(first.srvPort), '--metrics-port', String(first.srvPort + 1));
        expect([second.status, second.stdout]).toEqual([2, '']);
        expect(second.stderr).toMatch(/^key-server: --(srv|metrics)-port: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\n$/);
      } finally {
        await stopServerProcess(first);
      }
    });
  });
});

describe('shutdown on SIGTERM', () => {
  const LENGTH = 1_048_576;

  /** Opens a request and resolves with its response paused after the first chunk: the answer is mid-transfer. */
  function openPausedResponse(port: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/key/${LENGTH}`, agent: false }, (res) => {
        res.once('data', (chunk: Buffer) => {
          res.pause();
          res.unshift(chunk);
          resolve(res);
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  function readToEnd(res: IncomingMessage): Promise<{ status: number; length: number }> {
    return new Promise((resolve, reject) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => (length += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length }));
      res.on('error', reject);
      res.resume();
    });
  }

  it('finishes every in-flight request, refuses new ones, and exits 0', async () => {
    const server = await startServerProcess(['--max-size', String(LENGTH)]);
    const inFlight = await Promise.all(Array.from({ length: 20 }, () => openPausedResponse(server.srvPort)));
    server.child.kill('SIGTERM');
    const finished = await Promise.all(inFlight.map(readToEnd));
    expect(finished).toEqual(Array.from({ length: 20 }, () => ({ status: 200, length: LENGTH * 2 })));
    expect(await server.exited).toBe(0);
    await expect(rawRequest(server.srvPort, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers /ready with 503 during --shutdown-delay while still serving keys', async () => {
    const server = await startServerProcess(['--shutdown-delay', '2']);
    expect((await rawRequest(server.srvPort, '/ready')).status).toBe(200);
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.stdout?.once('data', resolve));
    expect((await rawRequest(server.srvPort, '/ready')).status).toBe(503);
    expect((await rawRequest(server.srvPort, '/key/8')).status).toBe(200);
    expect(await server.exited).toBe(0);
  });
});
