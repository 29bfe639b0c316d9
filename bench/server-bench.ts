// npm run bench:server — loads GET /key/32 with wrk (50 connections) against the key server (metrics on) and
// against a bare node:http baseline in the same run, and prints throughput, latency, peak RSS and their ratio.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const ROUNDS = 3;

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

interface Contender {
  name: string;
  port: number;
  child: ChildProcess;
  rounds: Result[];
}

async function startContender(name: string, args: (port: number) => string[], readyText: string): Promise<Contender> {
  const port = await freePort();
  return { name, port, child: await start(args(port), readyText), rounds: [] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function summary(contender: Contender) {
  const pick = (field: keyof Result) => median(contender.rounds.map((round) => round[field]));
  return {
    name: contender.name,
    requestsPerSecond: Math.round(pick('requestsPerSecond')),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    errors: contender.rounds.reduce((sum, round) => sum + round.errors, 0),
    peakRssMb: Number(peakRssMb(contender.child.pid ?? 0).toFixed(1)),
  };
}

const metricsPort = await freePort();
const contenders = [
  await startContender(
    'key-server (metrics on)',
    (port) => ['dist/server/src/main.js', '--host', '127.0.0.1', '--srv-port', String(port), '--metrics-port', String(metricsPort)],
    '"msg":"serving keys on',
  ),
  await startContender('bare node:http baseline', (port) => ['bench/bare-key-server.ts', String(port)], 'listening'),
];
for (const contender of contenders) runWrk(contender.port, 2);
// Rounds alternate between the two, so a change in the machine's load falls on both alike; medians are reported.
for (let round = 0; round < ROUNDS; round++) {
  for (const contender of contenders) contender.rounds.push(runWrk(contender.port, SECONDS));
}
const [keyServer, bare] = contenders.map(summary);
for (const contender of contenders) contender.child.kill('SIGTERM');
console.table([keyServer, bare]);
const ratio = (keyServer?.requestsPerSecond ?? 0) / (bare?.requestsPerSecond ?? 1);
console.log(`throughput ratio key-server / bare node:http: ${ratio.toFixed(2)} (goal >= 0.8)`);
console.log(`key-server p99: ${keyServer?.p99Ms} ms (goal <= 5 ms)`);
