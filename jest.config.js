// Three projects: `unit` needs nothing running; `cluster` (files named *.cluster.test.ts) shares one local
// control plane with a kwok node, started once by test/cluster/global-setup.ts and stopped by its teardown; `node`
// (files named *.node.test.ts) shares one with a real node that runs the images built from the Dockerfiles
// (test/node/global-setup.ts).
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

export default {
  // The cluster suites share one control plane, and some cluster-scoped state with it (CRDs): one file at a time.
  maxWorkers: 1,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.(cluster|node)\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/**/*.cluster.test.ts'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'node',
      testMatch: ['<rootDir>/**/*.node.test.ts'],
      setupFiles: ['<rootDir>/test/node/use-node-cluster.ts'],
      globalSetup: '<rootDir>/test/node/global-setup.ts',
      globalTeardown: '<rootDir>/test/node/global-teardown.ts',
    },
  ],
};
