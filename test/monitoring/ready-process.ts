import { spawn } from 'node:child_process';

export interface ReadyProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts one of the Prometheus family (they all serve /-/ready) listening on `port`, and resolves once it is
 * ready; fails with its log if it exits or is not ready within 20 s.
 */
export async function spawnUntilReady(name: string, command: string, args: string[], port: number): Promise<ReadyProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${url}/-/ready`).then((res) => res.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not become ready:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
