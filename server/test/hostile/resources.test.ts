import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { waitFor } from '../../../test/wait-for.js';
import { rawRequest, type RawResponse } from '../http-client.js';
import { killAllServerProcesses, startServerProcess, stopServerProcess, waitForOutput, type ServerProcess } from '../server-process.js';
import { openSocket, readUntilClosed, responsesCounted, sampleOf } from './raw-http.js';

jest.setTimeout(60_000);
afterAll(killAllServerProcesses);

const MIB = 1_048_576;

/** Resident memory of a process, and its peak so far, in bytes, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Connections that each send `count` pipelined key requests and then never read a byte of the answers. */
async function clientsThatNeverRead(port: number, clients: number, count: number, length: number): Promise<Socket[]> {
  const sockets = await Promise.all(Array.from({ length: clients }, () => openSocket(port)));
  for (const socket of sockets) {
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(`GET /key/${length} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(count));
  }
  return sockets;
}

const scrape = async (server: ServerProcess) => (await rawRequest(server.metricsPort, '/metrics')).text;

/** Waits until the server has counted `count` answers in http_responses_total: every request handled, one way or another. */
const untilCounted = (server: ServerProcess, count: number) =>
  waitFor(`${count} answers counted`, async () => (responsesCounted(await scrape(server)) >= count ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 100,
  });

/** One GET with a deadline, so a port that no longer answers fails the test instead of hanging it. */
function getWithin(port: number, path: string, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer on port ${port} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

describe('clients that never read (finding 3)', () => {
  it('keeps peak RSS within 200 MB of the start when 100 clients pipeline three 1 MiB keys each', async () => {
    const server = await startServerProcess(['--max-size', String(MIB)]);
    const pid = server.child.pid ?? 0;
    const before = memoryOf(pid);
    const sockets = await clientsThatNeverRead(server.srvPort, 100, 3, MIB);
    await untilCounted(server, 300);
    const after = memoryOf(pid);
    process.stdout.write(`finding 3: RSS ${before.rss} before, ${after.rss} after, peak ${after.peak}\n`);
    const answered = await scrape(server);
    for (const socket of sockets) socket.destroy();
    await stopServerProcess(server);
    expect(after.peak - before.rss).toBeLessThan(200 * MIB);
    expect(responsesCounted(answered, 503)).toBeGreaterThan(0);
  });

  it('closes their connections once --write-timeout passes, and counts them', async () => {
    // 60 MiB of answers per connection: more than loopback's kernel buffers (up to 32 + 4 MiB here) can take in.
    const flags = ['--max-size', String(MIB), '--write-timeout', '1', '--max-queued-bytes', String(256 * MIB)];
    const server = await startServerProcess(flags);
    const sockets = await clientsThatNeverRead(server.srvPort, 2, 30, MIB);
    const cut = await waitFor(
      'every connection cut for its write timeout',
      async () => {
        const count = sampleOf(await scrape(server), 'key_server_connections_cut_total{reason="write_timeout"}');
        return count !== undefined && count >= 2 ? count : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // Reading now drains what the kernel still holds; the connection ends there, short of the answers.
    const received = await Promise.all(sockets.map((socket) => readUntilClosed(socket, 10_000)));
    expect(cut).toBe(2);
    expect(received.map((bytes) => bytes.length < 30 * 2 * MIB)).toEqual([true, true]);
    await stopServerProcess(server);
  });
});

describe('a connection flood', () => {
  it('closes connections over --max-connections at once, and counts and logs them', async () => {
    const server = await startServerProcess(['--max-connections', '10']);
    const sockets = await Promise.all(Array.from({ length: 30 }, () => openSocket(server.srvPort)));
    const closedByServer = sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    for (const socket of sockets) socket.on('error', () => undefined);
    await Promise.all(closedByServer.slice(10));
    await waitForOutput(server, 'connection limit reached');
    expect(sampleOf(await scrape(server), 'key_server_connections_cut_total{reason="connection_limit"}')).toBe(20);
    for (const socket of sockets) socket.destroy();
    await stopServerProcess(server);
  });

  it('keeps /health, /ready and /metrics answering on the metrics port with ulimit -n 256 and 400 idle API connections (finding 9)', async () => {
    const server = await startServerProcess([], {}, { openFiles: 256 });
    const sockets = await Promise.all(Array.from({ length: 400 }, () => openSocket(server.srvPort)));
    for (const socket of sockets) socket.on('error', () => undefined);
    await waitForOutput(server, 'connection limit reached');
    const answers = await Promise.all(['/health', '/ready', '/metrics'].map((path) => getWithin(server.metricsPort, path, 5000)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    for (const socket of sockets) socket.destroy();
    await stopServerProcess(server);
  });
});
