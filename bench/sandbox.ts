/**
 * Sandbox throughput on HumanEval's reference solutions: executions per second with the pool at
 * full concurrency (one per core) and at concurrency 1, and the cost of one execution. Each
 * execution is the grading path: the trusted driver runs the tests and calls the program's
 * function in a bubblewrap sandbox (LSL_SANDBOX_ISOLATION=process: the unisolated mode).
 *   npx tsx bench/sandbox.ts [rounds]
 */
import os from 'node:os';
import { datasetsDir } from '../src/paths';
import { humanevalTask } from '../src/tasks/code';
import { assembleHumanEval } from '../src/tasks/code-extract';
import { createSandboxPool } from '../src/tasks/sandbox';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const examples = await humanevalTask.load(datasetsDir(), 'test');
  const jobs = examples.map((ex) => ({
    program: assembleHumanEval(ex.meta!.prompt as string, { code: ex.gold, source: 'fenced-python' }, ex.meta!.entryPoint as string).program,
    opts: { tests: ex.meta!.tests as string, prelude: ex.meta!.prompt as string, entryPoint: ex.meta!.entryPoint as string },
  }));
  const cores = os.availableParallelism();
  const warm = createSandboxPool({ concurrency: 1 });
  const info = await warm.info();
  console.log(`machine: ${cores} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}; node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`sandbox: ${info.isolation} isolation, python ${info.pythonVersion} (${info.python})`);
  console.log(`workload: ${jobs.length} HumanEval reference solutions + tests, ${rounds} round(s) per setting`);

  for (const concurrency of [cores, 1]) {
    const pool = createSandboxPool({ concurrency });
    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      const results = await Promise.all(jobs.map((j) => pool.run(j.program, j.opts)));
      for (const res of results) {
        latencies.push(res.durationMs);
        if (!res.passed) failed++;
      }
    }
    const wallMs = performance.now() - started;
    const n = latencies.length;
    latencies.sort((a, b) => a - b);
    const mean = latencies.reduce((a, b) => a + b, 0) / n;
    console.log(
      `concurrency ${concurrency}: ${n} executions in ${(wallMs / 1000).toFixed(2)} s = ${(n / (wallMs / 1000)).toFixed(1)} exec/s; ` +
      `wall per execution ${(wallMs / n).toFixed(1)} ms; latency mean ${mean.toFixed(1)} ms, p50 ${latencies[Math.floor(n * 0.5)]} ms, ` +
      `p95 ${latencies[Math.floor(n * 0.95)]} ms, max ${latencies[n - 1]} ms; not passed: ${failed}; load average now ${os.loadavg()[0].toFixed(1)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
