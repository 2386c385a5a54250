/**
 * Longest test files first, so the workers finish together. Jest's own sequencer knows a
 * file's duration only from its cache of an earlier run in the same place; a fresh clone (as in
 * CI) has none, and ordering by file size then started the longest file (a real-model experiment
 * of ~10 minutes) last, with the other workers idle. Durations from this machine's cache when it
 * has them, else the rough seconds below (a CI run of 2026-12-02; only their order matters),
 * else file size.
 */
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const EXPECTED_SECONDS = {
  'experiment-real-model.test.ts': 569, 'code-references.test.ts': 282, 'optimize-real-model.test.ts': 269,
  'eval-real-model.test.ts': 213, 'stage-optimizers-crash.test.ts': 205, 'stage-outage.test.ts': 203,
  'experiment-durability.test.ts': 197, 'experiment-optimizers.test.ts': 179, 'experiment-cli.test.ts': 155,
  'experiment-control.test.ts': 139, 'experiment-blocked.test.ts': 136, 'sandbox-attacks.test.ts': 133,
  'optimize-cli.test.ts': 131, 'cluster.test.ts': 131, 'experiment-tasks.test.ts': 123,
  'temporal-rate-limit.test.ts': 97, 'eval-failures.test.ts': 90, 'stage-crash.test.ts': 59,
  'experiment-wst.test.ts': 58, 'eval-worker-crash.test.ts': 58, 'experiment-transfer.test.ts': 57,
  'eval-cli.test.ts': 54, 'stage-gsm8k.test.ts': 47, 'experiment-config-cli.test.ts': 47,
  'optimize-merge.test.ts': 38, 'experiment-schedule-series.test.ts': 37, 'stage-proposals.test.ts': 31,
  'temporal-status.test.ts': 27, 'eval-faults.test.ts': 27, 'experiment-saturation.test.ts': 26,
  'stage-signals.test.ts': 25, 'cli-eval-input.test.ts': 24, 'experiment-workflow.test.ts': 23,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const size = (t) => t.context.hasteFS.getSize(t.path) ?? 0;
    const expected = (t) => this.time(t) ?? (EXPECTED_SECONDS[path.basename(t.path)] ?? 0) * 1000;
    for (const t of tests) t.duration = expected(t);
    return [...tests].sort((a, b) =>
      Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || b.duration - a.duration || size(b) - size(a));
  }
}

module.exports = LongestFirst;
