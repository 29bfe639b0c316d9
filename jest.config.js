// Two projects: `unit` needs nothing running; `cluster` (files named *.cluster.test.ts) shares one local
// control plane, started once by test/cluster/global-setup.ts and stopped by its teardown.
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
      testPathIgnorePatterns: ['/node_modules/', '\\.cluster\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'cluster',
      testMatch: ['<rootDir>/**/*.cluster.test.ts'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
  ],
};
