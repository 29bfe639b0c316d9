// npm run bench:server — loads GET /key/32 with wrk (50 connections) against the key server (metrics on) and
// against a bare node:http baseline in the same run, and prints throughput, latency, peak RSS and their ratio.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const ROUNDS = 2;

interface Result {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function start(args: string[], readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return child;
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);

function runWrk(port: number, seconds: number): Result {
  const wrk = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/key/32`], {
    encoding: 'utf8',
  });
  if (wrk.status !== 0) throw new Error(`wrk failed: ${wrk.stderr || wrk.error?.message}`);
  const out = wrk.stdout;
  const latency = (percent: string) => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    return match ? toMs(match[1] ?? '', match[2] ?? '') : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = (/Socket errors: (.*)/.exec(out)?.[1] ?? '').match(/\d+/g)?.map(Number) ?? [];
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors: non2xx + socketErrors.reduce((a, b) => a + b, 0),
  };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

async function measure(name: string, args: (port: number) => string[], readyText: string) {
  const port = await freePort();
  const child = await start(args(port), readyText);
  runWrk(port, 2);
  const rounds = Array.from({ length: ROUNDS }, () => runWrk(port, SECONDS));
  const rss = peakRssMb(child.pid ?? 0);
  child.kill('SIGTERM');
  const mean = (pick: (r: Result) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  return {
    name,
    requestsPerSecond: Math.round(mean((r) => r.requestsPerSecond)),
    p50Ms: Number(mean((r) => r.p50Ms).toFixed(2)),
    p99Ms: Number(mean((r) => r.p99Ms).toFixed(2)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    peakRssMb: Number(rss.toFixed(1)),
  };
}

const metricsPort = await freePort();
const keyServer = await measure(
  'key-server (metrics on)',
  (port) => ['dist/server/src/main.js', '--host', '127.0.0.1', '--srv-port', String(port), '--metrics-port', String(metricsPort)],
  '"msg":"serving keys on',
);
const bare = await measure('bare node:http baseline', (port) => ['bench/bare-key-server.ts', String(port)], 'listening');
console.table([keyServer, bare]);
const ratio = keyServer.requestsPerSecond / bare.requestsPerSecond;
console.log(`throughput ratio key-server / bare node:http: ${ratio.toFixed(2)} (goal >= 0.8)`);
console.log(`key-server p99: ${keyServer.p99Ms} ms (goal <= 5 ms)`);
