import { fileURLToPath } from 'node:url';

// Runs before each test file of the `node` project: test/cluster/kube-test-env.ts then talks to the cluster with the
// real node that global-setup.ts started, instead of the kwok-only one of the `cluster` project.
process.env.KEYSERVICE_CLUSTER_DIR = fileURLToPath(new URL('../../.cluster-node', import.meta.url));
