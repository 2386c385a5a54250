/**
 * Three projects, by test file name; `npm test` runs all of them:
 * - `fast`: pure tests, no server, no child processes: seconds (`npm run test:fast`);
 * - `slow`: no Temporal server either, but real Python sandboxes, Chromium, report rendering, `npm ci` and
 *   property runs (report-, sandbox-, gepa-property, math-verify-agreement, stats-reference, npm-ci);
 * - `temporal`: one real dev server and one llama.cpp server (the real model) for the project
 *   (globalSetup); each file starts its own worker (cli-, eval-, experiment-, optimize-, stage-);
 * - `cluster`: the production-style cluster (scripts/cluster.sh: Temporal on PostgreSQL, MinIO), started
 *   by the test if not up and stopped again by this project's teardown (cluster-, store.test.ts).
 */
const TEMPORAL = '/tests/(cli|eval|experiment|optimize|stage|temporal)-[^/]*\\.test\\.ts$';
const SLOW = '/tests/(report-[^/]*|sandbox-[^/]*|gepa-property|math-verify-agreement|stats-reference|npm-ci)\\.test\\.ts$';
const CLUSTER = '/tests/(cluster|store)\\.test\\.ts$';
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 180000,
};
// Three files at a time on the 2-core CI machine: many temporal files spend most of their time
// waiting (simulated latency, a 3-minute outage, rate limits, the single-threaded llama.cpp
// server), so a third worker fills the cores. LSL_TEST_WORKERS overrides it.
module.exports = {
  testTimeout: 180000,
  maxWorkers: Number(process.env.LSL_TEST_WORKERS ?? 3),
  testSequencer: '<rootDir>/tests/helpers/sequencer.js',
  projects: [
    { ...common, displayName: 'fast', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', TEMPORAL, SLOW, CLUSTER] },
    { ...common, displayName: 'slow', testRegex: SLOW },
    {
      ...common,
      displayName: 'temporal',
      testRegex: TEMPORAL,
      // Generous: these files share two cores with the llama.cpp server and each other, and a
      // CI run of 2026-12-02 saw tiny experiments take 2x their usual time.
      testTimeout: 600000,
      globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
    },
    { ...common, displayName: 'cluster', testRegex: CLUSTER, testTimeout: 600000, globalTeardown: '<rootDir>/tests/helpers/cluster-teardown.ts' },
  ],
};
