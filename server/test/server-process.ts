import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built server; KEY_SERVER_ENTRY points the tests at another build (say, of the code before a fix). */
export const SERVER_ENTRY =
  process.env.KEY_SERVER_ENTRY ?? fileURLToPath(new URL('../../dist/server/src/main.js', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  srvPort: number;
  metricsPort: number;
  stdout(): string;
  exited: Promise<number | null>;
}

const STARTUP_TIMEOUT_MS = 10_000;
const running = new Set<ServerProcess>();

/** Starts the built server (the same command the image runs) and resolves once it logs that it serves. */
export async function startServerProcess(
  flags: string[] = [],
  ports: { srvPort?: number; metricsPort?: number } = {},
  limits: { openFiles?: number } = {},
): Promise<ServerProcess> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run "npm run build" first`);
  const srvPort = ports.srvPort ?? (await freePort());
  const metricsPort = ports.metricsPort ?? (await freePort());
  const args = [SERVER_ENTRY, '--host', '127.0.0.1', '--srv-port', String(srvPort), '--metrics-port', String(metricsPort)];
  // With an open-files limit the server runs under `ulimit -n` in a shell that then becomes the server (exec).
  const [command, commandArgs] =
    limits.openFiles === undefined
      ? [process.execPath, [...args, ...flags]]
      : ['bash', ['-c', `ulimit -n ${limits.openFiles} && exec "$0" "$@"`, process.execPath, ...args, ...flags]];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server = { child, srvPort, metricsPort, stdout: () => output, exited };
  running.add(server);
  void exited.then(() => running.delete(server));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not log "serving keys" in time:\n${output}`)), STARTUP_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"serving keys on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving:\n${output}`));
    });
  });
  return server;
}

/** For afterAll: no server outlives its test file, whatever failed. */
export function killAllServerProcesses(): void {
  for (const server of running) server.child.kill('SIGKILL');
}

export async function stopServerProcess(server: ServerProcess): Promise<number | null> {
  if (server.child.exitCode === null) server.child.kill('SIGTERM');
  return server.exited;
}

/** How many times the server's output holds `text` so far. */
export function countInOutput(server: ServerProcess, text: string): number {
  return server.stdout().split(text).length - 1;
}

/**
 * Resolves once the server's output holds `text` at least `times` times (already there or yet to come); rejects
 * after `timeoutMs`.
 */
export function waitForOutput(server: ServerProcess, text: string, timeoutMs = 10_000, times = 1): Promise<void> {
  if (countInOutput(server, text) >= times) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.child.stdout?.off('data', check);
      reject(new Error(`the server did not log ${JSON.stringify(text)} ${times} times within ${timeoutMs} ms:\n${server.stdout()}`));
    }, timeoutMs);
    const check = () => {
      if (countInOutput(server, text) < times) return;
      clearTimeout(timer);
      server.child.stdout?.off('data', check);
      resolve();
    };
    // Registered after the harness's own listener, so the output already holds the new chunk when this runs.
    server.child.stdout?.on('data', check);
  });
}
