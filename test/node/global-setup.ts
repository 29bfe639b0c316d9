import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Like test/cluster/global-setup.ts (no project imports); the directory must match use-node-cluster.ts.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER_DIR = `${ROOT}.cluster-node`;

/** Starts the cluster with the real node once for the `node` project, and imports the images built from the Dockerfiles. */
export default function globalSetup(): void {
  execFileSync('bash', ['test/cluster/down.sh', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
  // One real node per machine: a run that finds it taken (another checkout's tests) waits for it a while.
  execFileSync('bash', ['test/cluster/up.sh', '--wait-for-node=900', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('bash', ['tools/images/build.sh', CLUSTER_DIR], { cwd: ROOT, stdio: 'inherit' });
}
