import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// See global-setup.ts: no project imports here either.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default function globalTeardown(): void {
  execFileSync('bash', ['test/cluster/down.sh', `${ROOT}.cluster-node`], { cwd: ROOT, stdio: 'inherit' });
}
