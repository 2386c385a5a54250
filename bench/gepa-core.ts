/**
 * Time per iteration of the pure GEPA core (parent selection over the Pareto frontier,
 * sampling, bookkeeping; no model calls) with a pool of 200 candidates and |V| = 500.
 * Target: < 5 ms per iteration.
 *
 *   npx tsx bench/gepa-core.ts
 *
 * The pool is grown with real iterations of a random toy task (scores are a hash of candidate
 * and example, on 5 levels, so fronts have many ties: the costly case for pruning). Then the
 * core's own time (nextAction + applyResult, not the toy task's answers) is measured per
 * iteration over mixed outcomes (accepted, rejected, skipped). The tail (p95, max) includes
 * garbage-collection pauses caused by the toy task's allocations.
 */
import { performance } from 'node:perf_hooks';
import {
  applyResult,
  initGepaState,
  nextAction,
  progress,
  type EvaluateAction,
  type GepaState,
  type ReflectAction,
} from '../src/core/gepa';
import { uniformFromKey } from '../src/core/random';
import { ids, resultsFor } from '../tests/gepa-drivers';

const POOL = 200;
const VAL = 500;
const MEASURED_ITERATIONS = 100;

function score(text: string, id: string): number {
  return Math.floor(uniformFromKey(`${text}|${id}`) * 5) / 4;
}

const evaluate = (a: EvaluateAction) => resultsFor(a, score);
const reflect = (a: ReflectAction) => ({ rawText: '```\n' + `instruction ${a.seq}` + '\n```' });

/**
 * Runs the core until `iterations` more iterations have started; returns the core's time
 * (nextAction + applyResult) between consecutive iteration starts. The step that finishes an
 * iteration also selects the next parent, so each window holds one iteration's whole work.
 */
function run(state: GepaState, iterations: number, untilPool = Infinity): number[] {
  const windows: number[] = [];
  let acc = 0;
  let seen = state.iteration;
  while (windows.length < iterations && state.pool.length < untilPool) {
    let t = performance.now();
    const action = nextAction(state, { nowMs: 0 });
    acc += performance.now() - t;
    if (state.iteration !== seen) {
      windows.push(acc);
      acc = 0;
      seen = state.iteration;
    }
    if (action.kind === 'done') break;
    // proposals is 1 here: only single evaluate and reflect actions occur.
    const result = action.kind === 'evaluate' ? evaluate(action) : reflect(action as ReflectAction);
    t = performance.now();
    applyResult(state, action, result);
    acc += performance.now() - t;
  }
  return windows;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function main(): void {
  const state = initGepaState({
    config: { seed: 1, minibatchSize: 3 },
    seedCandidate: 'instruction 0',
    trainIds: ids('t', 300),
    valIds: ids('v', VAL),
    grant: { amount: 10_000_000, unit: 'metricCalls' },
  });
  const growStart = performance.now();
  run(state, Infinity, POOL);
  const growMs = performance.now() - growStart;

  // Align on an iteration start (growing stopped wherever the pool reached its size).
  run(state, 1);
  const before = { ...state.counters };
  const times = run(state, MEASURED_ITERATIONS);
  const p = progress(state);

  const t0 = performance.now();
  const json = JSON.stringify(state);
  const copy = JSON.parse(json) as GepaState;
  const roundTripMs = performance.now() - t0;

  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`GEPA core, pool ${POOL}→${p.poolSize} candidates, |V| = ${VAL}, b = 3, frontier ${p.frontierSize}`);
  console.log(`  grew the pool in ${(growMs / 1000).toFixed(1)} s (${before.iterations} iterations, toy task included)`);
  console.log(
    `  measured ${MEASURED_ITERATIONS} iterations: accepted ${state.counters.accepted - before.accepted}, ` +
      `rejected ${state.counters.rejected - before.rejected}, skipped ${state.counters.skipped - before.skipped}`,
  );
  console.log(`  core time per iteration: mean ${mean.toFixed(3)} ms, p50 ${percentile(times, 0.5).toFixed(3)} ms, p95 ${percentile(times, 0.95).toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms`);
  console.log(`  state JSON: ${(json.length / 1e6).toFixed(2)} MB, stringify + parse ${roundTripMs.toFixed(1)} ms (pool ${copy.pool.length})`);
  console.log(`  target < 5 ms per iteration: ${mean < 5 ? 'met' : 'NOT met'}`);
}

main();
