import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueServerCertificate, makeAuthority, replaceFile } from '../certificates.js';
import { rawRequest } from '../http-client.js';
import { killAllServerProcesses, startServerProcess, stopServerProcess, waitForOutput, type ServerProcess } from '../server-process.js';
import { openSocket, parseResponses, readUntilClosed } from './raw-http.js';

jest.setTimeout(60_000);
afterAll(killAllServerProcesses);

const MIB = 1_048_576;
const PIPELINED = 5;

/**
 * Sends `count` pipelined GET /key/1048576 (five by default) on one connection and reads only the first chunk of the
 * answers: a client too slow to read, holding answers the server is still writing. Resolves with that first chunk.
 */
async function slowReaderWithPipelinedAnswers(port: number, count = PIPELINED): Promise<{ socket: Socket; first: Buffer }> {
  const socket = await openSocket(port);
  const first = new Promise<Buffer>((resolve) =>
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk);
    }),
  );
  socket.write(`GET /key/${MIB} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(count));
  return { socket, first: await first };
}

const fullAnswer = { status: 200, contentLength: String(2 * MIB), bodyLength: 2 * MIB };

describe('SIGTERM with answers still being written (finding 1)', () => {
  it('writes every pipelined answer to its end before the process exits 0', async () => {
    const server = await startServerProcess(['--max-size', String(MIB)]);
    const { socket, first } = await slowReaderWithPipelinedAnswers(server.srvPort);
    server.child.kill('SIGTERM');
    await waitForOutput(server, 'shutdown begun');
    const rest = await readUntilClosed(socket, 30_000);
    const answers = parseResponses(Buffer.concat([first, rest])).map((answer) => ({
      status: answer.status,
      contentLength: answer.headers['content-length'],
      bodyLength: answer.body.length,
    }));
    expect(answers).toEqual(Array.from({ length: PIPELINED }, () => fullAnswer));
    expect(await server.exited).toBe(0);
  });
});

interface LoopResult {
  answers: number;
  endedWithClose: boolean;
  error?: string;
}

/** A keep-alive client asking for /key/32 again and again until an answer says `Connection: close`; counts into `result`. */
async function loopUntilTold(port: number, result: LoopResult): Promise<LoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    while (!result.endedWithClose) {
      const connection = await new Promise<string | undefined>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/key/32', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
          res.on('error', reject);
        }).on('error', reject);
      });
      result.answers += 1;
      result.endedWithClose = connection === 'close';
    }
  } catch (error) {
    result.error = (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    agent.destroy();
  }
  return result;
}

/** Resolves once a new connection to the port is refused: the listener has closed. Bounded. */
async function untilRefused(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await openSocket(port).then(
      (socket) => {
        socket.destroy();
        return false;
      },
      (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
    );
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`port ${port} still accepted connections after ${timeoutMs} ms`);
}

/**
 * Resolves once every client has had `perClient` answers, checking on each answer's turn of the event loop; bounded.
 * Every client then holds an established keep-alive connection: a connection still in the kernel's accept queue when
 * the listener closes is reset by the kernel, which no server can prevent, so it is not what this test is about.
 */
async function untilEveryClientAnswered(results: readonly LoopResult[], perClient: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (results.some((result) => result.answers < perClient)) {
    if (Date.now() > deadline) throw new Error(`not every client had ${perClient} answers within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SIGTERM with keep-alive clients looping (finding 2)', () => {
  it('tells each of 50 clients Connection: close and resets none, with the default --shutdown-delay 0', async () => {
    const server = await startServerProcess();
    const results = Array.from({ length: 50 }, (): LoopResult => ({ answers: 0, endedWithClose: false }));
    const clients = results.map((result) => loopUntilTold(server.srvPort, result));
    await untilEveryClientAnswered(results, 3);
    server.child.kill('SIGTERM');
    await Promise.all(clients);
    expect(results.filter((result) => result.error !== undefined || !result.endedWithClose)).toEqual([]);
    expect(await server.exited).toBe(0);
  });

  it('writes to their end the answers on a connection opened during --shutdown-delay when the listener closes', async () => {
    const server = await startServerProcess(['--shutdown-delay', '1', '--max-size', String(MIB)]);
    // An answer first: by then the server has its signal handlers, whichever version of it this is.
    expect((await rawRequest(server.srvPort, '/health')).status).toBe(200);
    server.child.kill('SIGTERM');
    await waitForOutput(server, 'shutdown begun');
    // One request: during the drain an answer closes its connection, so a pipelined second would go unanswered.
    const { socket, first } = await slowReaderWithPipelinedAnswers(server.srvPort, 1);
    await untilRefused(server.srvPort);
    const rest = await readUntilClosed(socket, 30_000);
    const answers = parseResponses(Buffer.concat([first, rest]));
    expect(answers.map((answer) => [answer.status, answer.body.length, answer.headers.connection])).toEqual([[200, 2 * MIB, 'close']]);
    expect(await server.exited).toBe(0);
  });
});

describe('more signals (finding 8)', () => {
  it('ignores a second SIGTERM during the drain: every answer is still written to its end, exit 0', async () => {
    const server = await startServerProcess(['--max-size', String(MIB)]);
    const { socket, first } = await slowReaderWithPipelinedAnswers(server.srvPort);
    server.child.kill('SIGTERM');
    await waitForOutput(server, 'shutdown begun');
    server.child.kill('SIGTERM');
    await waitForOutput(server, 'signal ignored');
    const rest = await readUntilClosed(socket, 30_000);
    expect(parseResponses(Buffer.concat([first, rest])).map((answer) => answer.body.length)).toEqual(
      Array.from({ length: PIPELINED }, () => 2 * MIB),
    );
    expect(await server.exited).toBe(0);
  });

  describe('SIGHUP', () => {
    const OLD_KEY = 'sighup-old-key-0123456789';
    const NEW_KEY = 'sighup-new-key-9876543210';
    let dir: string;
    let server: ServerProcess;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'key-server-sighup-'));
      writeFileSync(join(dir, 'api-keys'), `${OLD_KEY}\n`);
      // An hour between checks: only the signal can make this reload happen within the test.
      server = await startServerProcess(['--api-keys-file', join(dir, 'api-keys'), '--reload-interval', '3600']);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reloads the certificate at once and keeps serving', async () => {
      const first = makeAuthority(dir, 'first-ca');
      const second = makeAuthority(dir, 'second-ca');
      const [cert, key] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
      const pair = issueServerCertificate(dir, first);
      writeFileSync(cert, pair.cert);
      writeFileSync(key, pair.key);
      const https = await startServerProcess(['--tls-cert-file', cert, '--tls-key-file', key, '--reload-interval', '3600']);
      const issuer = () =>
        new Promise<string>((resolve, reject) => {
          const ca = [first, second].map((authority) => readFileSync(authority.certFile));
          const req = httpsGet({ host: '127.0.0.1', servername: 'localhost', port: https.srvPort, path: '/health', ca, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(String((res.socket as TLSSocket).getPeerCertificate().issuer.CN)));
          });
          req.on('error', reject);
        });
      expect(await issuer()).toBe('first-ca');
      const renewed = issueServerCertificate(dir, second);
      replaceFile(key, renewed.key);
      replaceFile(cert, renewed.cert);
      https.child.kill('SIGHUP');
      await waitForOutput(https, 'TLS certificate reloaded');
      expect(await issuer()).toBe('second-ca');
      expect(https.child.exitCode).toBeNull();
      await stopServerProcess(https);
    });

    it('reloads the API keys file at once and keeps serving', async () => {
      replaceFile(join(dir, 'api-keys'), `${NEW_KEY}\n`);
      server.child.kill('SIGHUP');
      await waitForOutput(server, 'API keys reloaded');
      const withKey = (key: string) => rawRequest(server.srvPort, '/key/8', { headers: { 'X-API-Key': key } });
      expect([(await withKey(NEW_KEY)).status, (await withKey(OLD_KEY)).status]).toEqual([200, 401]);
      expect(server.child.exitCode).toBeNull();
    });
  });
});
