/**
 * Best validation score at equal metric calls: GEPA (one proposal per iteration, and 4 parallel
 * proposals per round as `gepa-p4`), OPRO, EvoPrompt GA and DE, and
 * PromptBreeder on the same simulated task (GSM8K train pool, rollouts by sim-small, proposals
 * and reflections by sim-large, seed "Solve the math word problem."), the same splits and the
 * same grant, over 10 seeds. Each run is the pure optimizer core driven against a real
 * simulator over HTTP (no Temporal: the stage only adds durability, not different decisions).
 *
 *   npx tsx bench/optimizers.ts [seeds=10] [grant=300] [only=gepa,gepa-p4,...]
 *
 * Prints one markdown table: per optimizer, the mean and standard deviation (and min..max) of
 * the best validation mean known after 100, 200 and the whole grant of metric calls.
 */
import OpenAI from 'openai';
import {
  applyResult, initGepaState, nextAction, renderCandidate, summarize as summarizeGepa, type Candidate, type GepaState,
} from '../src/core/gepa';
import type { Optimizer, OptimizerStateBase } from '../src/core/optimizer';
import { SEARCH_OPTIMIZERS } from '../src/core/optimizers';
import { startSimulator } from '../src/sim';
import { gsm8kTask } from '../src/tasks/gsm8k';
import { loadSimTask, runOnSimulator, type SimTask } from '../tests/helpers/sim-optimize';

const SEED_TEXT = 'Solve the math word problem.';
const TASK_MODEL = 'sim-small';
const OPTIMIZER_MODEL = 'sim-large';

type Curve = Array<{ spend: number; best: number }>;

/** Settings per optimizer at this grant: the papers' operators, populations sized to the grant. */
const SETTINGS: Record<string, Record<string, unknown>> = {
  opro: { fitnessExamples: 10, proposalsPerStep: 4 },
  'evoprompt-ga': { fitnessExamples: 10, populationSize: 5 },
  'evoprompt-de': { fitnessExamples: 10, populationSize: 5 },
  promptbreeder: { fitnessExamples: 10, populationSize: 5 },
};

/**
 * GEPA through its engine, one proposal per iteration or `proposals` per round. Every reflection
 * at temperature 0 (as the single-proposal row has always been run), so the two rows differ only
 * in the proposals.
 */
async function runGepa(client: OpenAI, task: SimTask, seed: number, grant: number, proposals = 1): Promise<Curve> {
  const state: GepaState = initGepaState({
    config: { seed, ...(proposals > 1 ? { proposals } : {}) }, seedCandidate: SEED_TEXT, trainIds: task.trainIds, valIds: task.valIds,
    grant: { amount: grant, unit: 'metricCalls' },
  });
  const rollouts = async (candidate: Candidate, ids: string[]) => Object.fromEntries(await Promise.all(ids.map(async (id) => {
    const example = task.byId.get(id)!;
    const r = await client.chat.completions.create({ model: TASK_MODEL, messages: gsm8kTask.buildMessages(renderCandidate(candidate), example), temperature: 0 });
    const text = r.choices[0].message.content ?? '';
    const grade = await gsm8kTask.grade(text, example);
    return [id, { score: grade.score, feedback: grade.feedback, output: text, input: example.question }] as const;
  })));
  const reflect = async (prompt: string) => {
    const r = await client.chat.completions.create({ model: OPTIMIZER_MODEL, messages: [{ role: 'user', content: prompt }], temperature: 0 });
    return { rawText: r.choices[0].message.content ?? '', truncated: r.choices[0].finish_reason === 'length' };
  };
  for (;;) {
    const action = nextAction(state, { nowMs: 0 });
    switch (action.kind) {
      case 'done': return summarizeGepa(state).learningCurve;
      case 'evaluate': applyResult(state, action, { results: await rollouts(action.candidate, action.exampleIds) }); break;
      case 'reflect': applyResult(state, action, await reflect(action.prompt)); break;
      case 'evaluate-batch':
        applyResult(state, action, await Promise.all(action.requests.map(async (r) => ({ results: await rollouts(r.candidate, r.exampleIds) }))));
        break;
      case 'reflect-batch': applyResult(state, action, await Promise.all(action.requests.map((r) => reflect(r.prompt)))); break;
    }
  }
}

async function runSearch(client: OpenAI, task: SimTask, name: string, seed: number, grant: number): Promise<Curve> {
  const o = SEARCH_OPTIMIZERS[name] as Optimizer<OptimizerStateBase>;
  const state = o.init({
    config: { seed, ...SETTINGS[name] },
    start: { kind: 'seed', seed: { components: { instruction: SEED_TEXT }, order: ['instruction'] } },
    trainIds: task.trainIds, valIds: task.valIds, grant: { amount: grant, unit: 'metricCalls' }, holder: name,
  });
  const end = await runOnSimulator(o, state, { client, task, taskModel: TASK_MODEL, optimizerModel: OPTIMIZER_MODEL });
  return o.summarize(end).learningCurve;
}

/** Best validation mean known once `calls` metric calls were spent. */
function bestAt(curve: Curve, calls: number): number {
  let best = NaN;
  for (const p of curve) if (p.spend <= calls) best = Number.isNaN(best) ? p.best : Math.max(best, p.best);
  return best;
}

function stats(xs: number[]): string {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)} (${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)})`;
}

async function main(): Promise<void> {
  const seeds = Number(process.argv[2] ?? 10);
  const grant = Number(process.argv[3] ?? 300);
  const only = process.argv[4]?.split(',');
  const sim = await startSimulator({ tasks: ['gsm8k'], port: 0, host: '127.0.0.1' });
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0, timeout: 60_000 });
  const task = await loadSimTask(20, 20);
  const points = [100, 200, grant];
  const names = ['gepa', 'gepa-p4', ...Object.keys(SEARCH_OPTIMIZERS)];
  const rows: string[] = [];
  const started = Date.now();
  let seedScore = NaN;
  for (const name of names.filter((n) => !only || only.includes(n))) {
    const at = points.map(() => [] as number[]);
    for (let seed = 1; seed <= seeds; seed++) {
      const curve = name === 'gepa' ? await runGepa(client, task, seed, grant)
        : name === 'gepa-p4' ? await runGepa(client, task, seed, grant, 4)
          : await runSearch(client, task, name, seed, grant);
      seedScore = curve[0].best;
      points.forEach((p, k) => at[k].push(bestAt(curve, p)));
      process.stderr.write(`${name} seed ${seed}: best ${curve[curve.length - 1].best.toFixed(3)}\n`);
    }
    rows.push(`| ${name} | ${at.map(stats).join(' | ')} |`);
  }
  await sim.close();
  console.log(`Seed instruction's validation mean: ${seedScore.toFixed(3)}; |train| 20, |V| 20, grant ${grant} metric calls, ${seeds} seeds, ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  console.log('');
  console.log(`| optimizer | ${points.map((p) => `best val @ ${p} calls`).join(' | ')} |`);
  console.log(`|---|${points.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
