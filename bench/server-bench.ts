// npm run bench:server — loads GET /key/<length> with wrk at 32 B (50 and 500 connections), 1 KiB, 64 KiB and 1 MiB
// against the key server (metrics on, --max-size 1 MiB) and against a bare node:http baseline doing the same draw
// and encoding, in rounds that alternate between the two; prints the medians, their ratio against the goals, the
// /health p99 a second light client sees while 1 MiB keys load the server, and the key server's requests per
// CPU-second and what they mean for one pod under the KeyService's default HPA. Writes docs/bench/server.md and
// docs/bench/server.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import type * as FreePort from './free-port.js';
import type * as BarChart from './bar-chart.js';
import type * as Spec from '../operator/src/spec.js';

const { writeBarChartPng } = (await import(new URL('./bar-chart.ts', import.meta.url).href)) as typeof BarChart;
const { freePort } = (await import(new URL('./free-port.ts', import.meta.url).href)) as typeof FreePort;
const { parseSpec } = (await import(new URL('../dist/operator/src/spec.js', import.meta.url).href)) as typeof Spec;

const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const ROUNDS = 3;
const MAX_SIZE = 1_048_576;
const P99_GOAL_MS = 5;
/** The /health probe: one keep-alive connection, one request every 10 ms. */
const PROBE_INTERVAL_MS = 10;

interface Case {
  label: string;
  length: number;
  connections: number;
  goal: number;
}

// 1 MiB keys at 8 connections: 8 answers of 2 MiB of hex stay within the default --max-queued-bytes (32 MiB), so
// the key server is measured serving them, not refusing them with 503 overloaded.
const CASES: Case[] = [
  { label: '32 B', length: 32, connections: 50, goal: 0.95 },
  { label: '32 B, 500 conn', length: 32, connections: 500, goal: 0.95 },
  { label: '1 KiB', length: 1024, connections: 50, goal: 0.9 },
  { label: '64 KiB', length: 65_536, connections: 50, goal: 0.9 },
  { label: '1 MiB, 8 conn', length: MAX_SIZE, connections: 8, goal: 0.9 },
];

interface Result {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuSeconds: number;
  requests: number;
  healthP99Ms: number;
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);

function wrk(port: number, testCase: Case, seconds: number): Promise<string> {
  const args = ['-t1', `-c${testCase.connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/key/${testCase.length}`];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk failed: ${err}`)))),
  );
}

function parseWrk(out: string): Pick<Result, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'errors' | 'requests'> {
  const latency = (percent: string) => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    return match ? toMs(match[1] ?? '', match[2] ?? '') : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = (/Socket errors: (.*)/.exec(out)?.[1] ?? '').match(/\d+/g)?.map(Number) ?? [];
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors: non2xx + socketErrors.reduce((a, b) => a + b, 0),
  };
}

/** CPU time (user + system) the process has used, from /proc/<pid>/stat, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;

/** A second, light client: GET /health on its own connection while the load runs; resolves its p99 in ms. */
function probeHealth(port: number, until: Promise<unknown>): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let done = false;
  void until.then(() => (done = true));
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
        res.resume().once('end', () => {
          samples.push(performance.now() - started);
          resolve();
        });
      }).once('error', reject);
    });
  const loop = async () => {
    while (!done) {
      await once();
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
    agent.destroy();
    return percentile(samples, 0.99);
  };
  return loop();
}

async function runCase(contender: Contender, testCase: Case, seconds: number): Promise<Result> {
  const cpuBefore = cpuSeconds(contender.pid);
  const load = wrk(contender.port, testCase, seconds);
  const healthP99Ms = testCase.length === MAX_SIZE ? await probeHealth(contender.port, load) : NaN;
  const parsed = parseWrk(await load);
  return { ...parsed, cpuSeconds: cpuSeconds(contender.pid) - cpuBefore, healthP99Ms };
}

interface Contender {
  name: string;
  port: number;
  pid: number;
  child: ChildProcess;
  results: Map<string, Result[]>;
}

async function start(name: string, args: (port: number) => string[], readyText: string): Promise<Contender> {
  const port = await freePort();
  const child = spawn(process.execPath, args(port), { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { name, port, pid: child.pid ?? 0, child, results: new Map(CASES.map((c) => [c.label, []])) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

interface Summary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  healthP99Ms: number;
  errors: number;
  requestsPerCpuSecond: number;
}

function summarise(contender: Contender, label: string): Summary {
  const rounds = contender.results.get(label) ?? [];
  const pick = (field: keyof Result) => median(rounds.map((round) => round[field]));
  return {
    requestsPerSecond: Math.round(pick('requestsPerSecond')),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    healthP99Ms: pick('healthP99Ms'),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    requestsPerCpuSecond: Math.round(median(rounds.map((round) => round.requests / round.cpuSeconds))),
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '');

function tableOf(rows: { testCase: Case; server: Summary; bare: Summary }[]): string {
  const header =
    '| case | key server req/s | baseline req/s | ratio | goal | key server p50 / p99 (ms) | baseline p50 / p99 (ms) | /health p99 during the load, key server / baseline (ms) | errors |';
  const lines = rows.map(({ testCase, server, bare }) => {
    const ratio = server.requestsPerSecond / bare.requestsPerSecond;
    const verdict = ratio >= testCase.goal ? 'met' : 'MISSED';
    const health = Number.isFinite(server.healthP99Ms) ? `${ms(server.healthP99Ms)} / ${ms(bare.healthP99Ms)}` : '';
    return `| ${testCase.label} | ${server.requestsPerSecond} | ${bare.requestsPerSecond} | ${ratio.toFixed(2)} | >= ${testCase.goal} (${verdict}) | ${ms(server.p50Ms)} / ${ms(server.p99Ms)} | ${ms(bare.p50Ms)} / ${ms(bare.p99Ms)} | ${health} | ${server.errors} / ${bare.errors} |`;
  });
  return [header, `|${'---|'.repeat(9)}`, ...lines].join('\n');
}

function writeChart(rows: { testCase: Case; server: Summary; bare: Summary }[]): void {
  const categories = rows.map((r) => r.testCase.label);
  const series = (pick: (s: Summary) => number) => [
    { name: 'key server (metrics on)', values: rows.map((r) => pick(r.server)) },
    { name: 'bare node:http baseline', values: rows.map((r) => pick(r.bare)) },
  ];
  writeBarChartPng('docs/bench/server.png', [
    { title: 'Throughput by key size (50 connections unless noted)', unit: 'requests/s', categories, log: true, series: series((s) => s.requestsPerSecond) },
    { title: 'p99 latency by key size', unit: 'ms', categories, log: true, series: series((s) => s.p99Ms) },
  ]);
}

const coresOf = (quantity: string) => (quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity));

/**
 * What one pod serves when the HPA holds it at its target (target % of the CPU request) and at its CPU limit, at
 * the measured rate; the defaults come from the KeyService schema itself.
 */
function podCapacity(requestsPerCpuSecond: number): string[] {
  const parsed = parseSpec({ autoscaling: { enabled: true } });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const { requests, limits } = parsed.spec.resources;
  const target = parsed.spec.autoscaling.targetCPUUtilizationPercentage;
  const atTarget = (coresOf(requests.cpu) * target) / 100;
  return [
    `key server, 32 B keys: ${requestsPerCpuSecond} requests per CPU-second (one process is one thread: about one core)`,
    `default KeyService: CPU request ${requests.cpu}, HPA target ${target}% → the HPA adds pods above ${atTarget} core a pod ≈ ${Math.round(requestsPerCpuSecond * atTarget)} keys/s per pod; the CPU limit ${limits.cpu} caps a pod at ≈ ${Math.round(requestsPerCpuSecond * coresOf(limits.cpu))} keys/s`,
  ];
}

const metricsPort = await freePort();
const contenders = [
  await start(
    'key-server (metrics on)',
    (port) => ['dist/server/src/main.js', '--host', '127.0.0.1', '--srv-port', String(port), '--metrics-port', String(metricsPort), '--max-size', String(MAX_SIZE)],
    '"msg":"serving keys on',
  ),
  await start('bare node:http baseline', (port) => ['bench/bare-key-server.ts', String(port)], 'listening'),
];
const [server, bare] = contenders as [Contender, Contender];
for (const testCase of CASES) for (const contender of contenders) await runCase(contender, testCase, 2);
// Rounds alternate between the two, and which goes first, so a change in the machine's load falls on both alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const testCase of CASES) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) contender.results.get(testCase.label)?.push(await runCase(contender, testCase, SECONDS));
  }
}
const rows = CASES.map((testCase) => ({ testCase, server: summarise(server, testCase.label), bare: summarise(bare, testCase.label) }));
const rss = `peak RSS: key server ${peakRssMb(server.pid).toFixed(1)} MB, baseline ${peakRssMb(bare.pid).toFixed(1)} MB`;
for (const contender of contenders) contender.child.kill('SIGTERM');
const first = rows[0];
const p99 = first ? `key server p99 at ${first.testCase.label}, ${first.testCase.connections} connections: ${ms(first.server.p99Ms)} ms (goal <= ${P99_GOAL_MS} ms, ${first.server.p99Ms <= P99_GOAL_MS ? 'met' : 'MISSED'})` : '';
// CPU time per request is steadier than throughput on a shared machine: the other load slows both alike.
const cpu = first ? `requests per CPU-second at ${first.testCase.label}: key server ${first.server.requestsPerCpuSecond}, baseline ${first.bare.requestsPerCpuSecond} (ratio ${(first.server.requestsPerCpuSecond / first.bare.requestsPerCpuSecond).toFixed(2)})` : '';
const notes = [p99, rss, cpu, ...podCapacity(first?.server.requestsPerCpuSecond ?? NaN), `${ROUNDS} rounds of ${SECONDS} s per case and server, medians`];
const table = tableOf(rows);
process.stdout.write(`${table}\n\n${notes.join('\n')}\n`);
mkdirSync('docs/bench', { recursive: true });
writeFileSync('docs/bench/server.md', `# bench:server\n\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
writeChart(rows);
