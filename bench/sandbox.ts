/**
 * Sandbox throughput on HumanEval's reference solutions: executions per second with the pool at
 * full concurrency (one per core) and at concurrency 1, and the cost of one execution. Each
 * execution is the grading path: the trusted driver runs the tests and calls the program's
 * function in a bubblewrap sandbox (LSL_SANDBOX_ISOLATION=process: the unisolated mode).
 *   npx tsx bench/sandbox.ts [rounds]
 */
import fs from 'node:fs';
import os from 'node:os';
import { datasetsDir } from '../src/paths';
import { humanevalTask } from '../src/tasks/code';
import { assembleHumanEval } from '../src/tasks/code-extract';
import { createSandboxPool } from '../src/tasks/sandbox';

/**
 * CPU seconds this process and every child it waited for (the drivers, and through them bubblewrap
 * and the programs) have used: on a shared machine, CPU per execution says what the wall clock
 * cannot (2 cores / CPU per execution is the throughput of an idle machine).
 */
function cpuSeconds(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticks = [11, 12, 13, 14].reduce((a, k) => a + Number(fields[k]), 0); // utime stime cutime cstime
  return ticks / 100;
}

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

  for (const concurrency of (process.env.BENCH_CONCURRENCY ?? `${cores},1`).split(',').map(Number)) {
    const pool = createSandboxPool({ concurrency });
    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    const cpuStart = cpuSeconds();
    for (let r = 0; r < rounds; r++) {
      const results = await Promise.all(jobs.map((j) => pool.run(j.program, j.opts)));
      for (const res of results) {
        latencies.push(res.durationMs);
        if (!res.passed) failed++;
      }
    }
    const wallMs = performance.now() - started;
    const cpu = cpuSeconds() - cpuStart;
    const n = latencies.length;
    latencies.sort((a, b) => a - b);
    const mean = latencies.reduce((a, b) => a + b, 0) / n;
    console.log(
      `concurrency ${concurrency}: ${n} executions in ${(wallMs / 1000).toFixed(2)} s = ${(n / (wallMs / 1000)).toFixed(1)} exec/s; ` +
      `wall per execution ${(wallMs / n).toFixed(1)} ms; latency mean ${mean.toFixed(1)} ms, p50 ${latencies[Math.floor(n * 0.5)]} ms, ` +
      `p95 ${latencies[Math.floor(n * 0.95)]} ms, max ${latencies[n - 1]} ms; not passed: ${failed}; ` +
      `CPU ${((1000 * cpu) / n).toFixed(1)} ms per execution (${(cores / (cpu / n)).toFixed(1)} exec/s on ${cores} idle cores); load average now ${os.loadavg()[0].toFixed(1)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
