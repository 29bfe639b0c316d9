// npm run soak:server [-- --duration <seconds>] — a bounded, loopback-only soak of the built key server: keep-alive
// clients drawing keys of mixed sizes and encodings, slow readers, and bad requests, for a duration (default 60 s).
// Prints one JSON report (requests, errors, RSS at start/peak/end, event-loop delay p99) and exits 1 if any request
// failed, the server did not exit 0 on SIGTERM, or its RSS kept growing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { connect, createServer } from 'node:net';

const MAX_SIZE = 65_536;
const SIZES = [16, 32, 1024, 8192, MAX_SIZE];
const ENCODINGS: [string, (length: number) => number][] = [
  ['hex', (n) => 2 * n],
  ['base64', (n) => 4 * Math.ceil(n / 3)],
  ['raw', (n) => n],
];
/** Requests a client may get wrong on purpose, with the status each must get. */
const BAD_REQUESTS: [string, number][] = [
  ['GET /key/0 HTTP/1.1\r\nHost: soak\r\n\r\n', 400],
  [`GET /key/${MAX_SIZE + 1} HTTP/1.1\r\nHost: soak\r\n\r\n`, 413],
  ['GET /nowhere HTTP/1.1\r\nHost: soak\r\n\r\n', 404],
  ['POST /key/8 HTTP/1.1\r\nHost: soak\r\nContent-Length: 0\r\n\r\n', 405],
  ['G@T /key/8 HTTP/1.1\r\nHost: soak\r\n\r\n', 400],
  [`GET /key/${'9'.repeat(5000)} HTTP/1.1\r\nHost: soak\r\n\r\n`, 413],
];
/** No request may take longer; one that does is a failure, and the soak still ends on time. */
const REQUEST_TIMEOUT_MS = 10_000;
const KEY_CLIENTS = 6;
const SLOW_READERS = 2;
const BAD_CLIENTS = 2;

interface Tally {
  requests: number;
  errors: number;
  firstErrors: string[];
}

function parseDuration(argv: string[]): number {
  const index = argv.indexOf('--duration');
  const value = index === -1 ? '60' : (argv[index + 1] ?? '');
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 3600) {
    throw new Error(`--duration: invalid value ${JSON.stringify(value)}; expected an integer in 1..3600 (seconds)`);
  }
  return Number(value);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const HEAP_LIMIT = '--max-old-space-size=64';

async function startServer(srvPort: number, metricsPort: number): Promise<ChildProcess> {
  const entry = new URL('../dist/server/src/main.js', import.meta.url).pathname;
  const args = [entry, '--host', '127.0.0.1', '--srv-port', String(srvPort), '--metrics-port', String(metricsPort)];
  // The heap as small as in a pod, where Node sizes it from the container's memory limit (128Mi by default): on a
  // 24 GB machine V8 takes old space lazily, and RSS climbs for a minute with no leak behind it. A leak under the cap
  // ends in an out-of-memory crash, which the report counts as failed requests and a bad exit code.
  const child = spawn(process.execPath, [HEAP_LIMIT, ...args, '--max-size', String(MAX_SIZE), '--log-level', 'warn'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Ready when the metrics port answers; the log level keeps the start line out of the report.
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fetchText(metricsPort, '/ready').then(() => true, () => false)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the key server did not become ready within 10 s');
}

function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

function fail(tally: Tally, what: string): void {
  tally.errors += 1;
  if (tally.firstErrors.length < 10) tally.firstErrors.push(what);
}

/** A keep-alive client: keys of every size and encoding in turn, each checked for status and length. */
async function keyClient(port: number, until: number, tally: Tally, seed: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = seed; Date.now() < until; i++) {
    const length = SIZES[i % SIZES.length] ?? 16;
    const [encoding, encodedLength] = ENCODINGS[i % ENCODINGS.length] ?? ENCODINGS[0]!;
    tally.requests += 1;
    const outcome = await new Promise<string | undefined>((resolve) => {
      get({ host: '127.0.0.1', port, path: `/key/${length}?encoding=${encoding}`, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () =>
          resolve(res.statusCode === 200 && received === encodedLength(length) ? undefined : `key ${length} ${encoding}: ${res.statusCode}, ${received} bytes`),
        );
      })
        .on('timeout', function onTimeout(this: ReturnType<typeof get>) {
          this.destroy(new Error('timed out'));
        })
        .on('error', (error: NodeJS.ErrnoException) => resolve(`key ${length} ${encoding}: ${error.code ?? error.message}`));
    });
    if (outcome !== undefined) fail(tally, outcome);
  }
  agent.destroy();
}

/** A client that pauses after every chunk it reads of the largest key, and checks the key arrives whole. */
async function slowReader(port: number, until: number, tally: Tally): Promise<void> {
  while (Date.now() < until) {
    tally.requests += 1;
    const outcome = await new Promise<string | undefined>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        socket.pause();
        setTimeout(() => socket.resume(), 5);
      });
      socket.on('end', () => {
        const body = received.subarray(received.indexOf('\r\n\r\n') + 4);
        resolve(received.toString('latin1', 0, 12) === 'HTTP/1.1 200' && body.length === 2 * MAX_SIZE ? undefined : `slow reader: ${body.length} bytes`);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`slow reader: ${error.code ?? error.message}`));
      socket.write(`GET /key/${MAX_SIZE} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`);
    });
    if (outcome !== undefined) fail(tally, outcome);
  }
}

/** A client sending bad requests, each of which must get its own 4xx, never a 5xx or a reset. */
async function badClient(port: number, until: number, tally: Tally): Promise<void> {
  for (let i = 0; Date.now() < until; i++) {
    const [request, status] = BAD_REQUESTS[i % BAD_REQUESTS.length] ?? BAD_REQUESTS[0]!;
    tally.requests += 1;
    const outcome = await new Promise<string | undefined>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')));
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
      let head = '';
      socket.on('data', (chunk: Buffer) => (head += chunk.toString('latin1', 0, 64)));
      socket.on('close', () => resolve(head.startsWith(`HTTP/1.1 ${status} `) ? undefined : `bad request wanted ${status}: ${head.slice(0, 20)}`));
      socket.on('error', () => undefined);
    });
    if (outcome !== undefined) fail(tally, outcome);
  }
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Growth that does not level off: after a warm-up of the first 40% (on a loaded 2-core machine the heap and the
 * socket buffers take seconds to reach their working size), the medians of three successive windows each rise by
 * more than 8 MiB, and by more than 32 MiB in all. RSS that grows and then holds (caches, JIT, buffers warming up)
 * does not count, even when the hold is still creeping up by a megabyte when the run ends.
 */
export function rssKeepsGrowing(samples: number[]): boolean {
  const settled = samples.slice(Math.floor(samples.length * 0.4));
  const third = Math.floor(settled.length / 3);
  if (third < 2) return false;
  const [a, b, c] = [settled.slice(0, third), settled.slice(third, 2 * third), settled.slice(2 * third)].map(median);
  if (a === undefined || b === undefined || c === undefined) return false;
  const step = 8 * 1_048_576;
  return b - a > step && c - b > step && c - a > 32 * 1_048_576;
}

async function soak(seconds: number): Promise<boolean> {
  const [srvPort, metricsPort] = [await freePort(), await freePort()];
  const server = await startServer(srvPort, metricsPort);
  const pid = server.pid ?? 0;
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  const samples = [rssOf(pid)];
  const sampler = setInterval(() => samples.push(rssOf(pid)), 250);
  const until = Date.now() + seconds * 1000;
  const tally: Tally = { requests: 0, errors: 0, firstErrors: [] };
  await Promise.all([
    ...Array.from({ length: KEY_CLIENTS }, (_, i) => keyClient(srvPort, until, tally, i)),
    ...Array.from({ length: SLOW_READERS }, () => slowReader(srvPort, until, tally)),
    ...Array.from({ length: BAD_CLIENTS }, () => badClient(srvPort, until, tally)),
  ]);
  clearInterval(sampler);
  samples.push(rssOf(pid));
  const metrics = await fetchText(metricsPort, '/metrics');
  const p99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(metrics)?.[1]);
  server.kill('SIGTERM');
  const exitCode = await exited;
  const growing = rssKeepsGrowing(samples);
  const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
  const report = {
    durationSeconds: seconds,
    requests: tally.requests,
    errors: tally.errors,
    firstErrors: tally.firstErrors,
    rssMb: { start: mb(samples[0] ?? 0), peak: mb(Math.max(...samples)), end: mb(samples.at(-1) ?? 0) },
    rssKeepsGrowing: growing,
    eventLoopDelayP99Ms: Math.round(p99 * 1000 * 100) / 100,
    serverExitCode: exitCode,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return tally.errors === 0 && !growing && exitCode === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ok = await soak(parseDuration(process.argv.slice(2)));
  process.exitCode = ok ? 0 : 1;
}
