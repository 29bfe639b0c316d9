// npm run profile:server — where the key server's time goes: for 32 B and for 1 MiB keys, starts the built server
// under `node --cpu-prof`, loads it with wrk, stops it (the profile is written at exit) and prints the functions with
// the most self time, merged by function and place. The .cpuprofile files stay in a temporary directory, for DevTools.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as FreePort from './free-port.js';

const { freePort } = (await import(new URL('./free-port.ts', import.meta.url).href)) as typeof FreePort;

const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const TOP = 15;
const DIR = mkdtempSync(join(tmpdir(), 'key-server-cpu-prof-'));
const LOADS = [
  { label: '32b', length: 32, connections: 50 },
  { label: '1mib', length: 1_048_576, connections: 8 },
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by frame: each sample's time delta belongs to the node it hit; one function's nodes are merged. */
function topSelfTime(profile: CpuProfile): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    if (frame === undefined) return;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([key, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}

async function profile(load: (typeof LOADS)[number]): Promise<void> {
  const dir = join(DIR, load.label);
  mkdirSync(dir);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const server = spawn(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', dir, 'dist/server/src/main.js', '--host', '127.0.0.1', '--srv-port', String(port),
      '--metrics-port', String(metricsPort), '--max-size', '1048576', '--log-level', 'warn'],
    { stdio: 'inherit' },
  );
  for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const wrk = spawnSync('wrk', ['-t1', `-c${load.connections}`, `-d${SECONDS}s`, `http://127.0.0.1:${port}/key/${load.length}`], { encoding: 'utf8' });
  if (wrk.status !== 0) throw new Error(`wrk failed: ${wrk.stderr}`);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1];
  const lines = topSelfTime(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  process.stdout.write(`\n${join(dir, file)}\nGET /key/${load.length}, ${load.connections} connections, ${SECONDS} s (${rate} requests/s under the profiler): top self time\n${lines.join('\n')}\n`);
}

for (const load of LOADS) await profile(load);
