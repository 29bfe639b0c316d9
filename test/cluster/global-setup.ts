import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Jest loads global setup outside its module mapping, so this file imports nothing of the project's; the
// directory must match CLUSTER_DIR in kube-test-env.ts.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER_DIR = `${ROOT}.cluster-jest`;

/** Starts one local control plane for the whole test run (after clearing any left by a run that crashed). */
export default function globalSetup(): void {
  execFileSync('bash', ['test/cluster/down.sh', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('bash', ['test/cluster/up.sh', '--kwok-only', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
}
