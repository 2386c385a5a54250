/**
 * Runs any optimizer against the model simulator without Temporal: rollouts on GSM8K through
 * the real `openai` client and the task's own messages and grader, optimizer-model calls as
 * plain chat calls. For tests and benchmarks of the optimizers on the simulated task.
 */
import type OpenAI from 'openai';
import { renderCandidate } from '../../src/core/gepa';
import { Rng } from '../../src/core/random';
import type {
  GenerateOutcome, Optimizer, OptimizerAction, OptimizerStateBase, RolloutOutcome,
} from '../../src/core/optimizer';
import { datasetsDir } from '../../src/paths';
import { gsm8kTask } from '../../src/tasks/gsm8k';
import type { TaskExample } from '../../src/tasks/types';

export interface SimTask {
  byId: Map<string, TaskExample>;
  trainIds: string[];
  valIds: string[];
}

/** GSM8K training examples split once (fixed seed) into train and val ids. */
export async function loadSimTask(train: number, val: number, splitSeed = 0): Promise<SimTask> {
  const all = await gsm8kTask.load(datasetsDir(), 'train');
  const picked = Rng.fromSeed(`sim-task:${splitSeed}`).shuffle(all).slice(0, train + val);
  return {
    byId: new Map(picked.map((e) => [e.id, e])),
    trainIds: picked.slice(0, train).map((e) => e.id),
    valIds: picked.slice(train).map((e) => e.id),
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export interface SimRunOptions {
  client: OpenAI;
  task: SimTask;
  taskModel: string;
  optimizerModel: string;
  concurrency?: number;
  onStep?(action: OptimizerAction, state: OptimizerStateBase): void;
}

/** Drives `state` to the end; returns the final state. */
export async function runOnSimulator<S extends OptimizerStateBase>(optimizer: Optimizer<S>, state: S, opts: SimRunOptions): Promise<S> {
  const limit = opts.concurrency ?? 16;
  for (let steps = 0; steps < 100_000; steps++) {
    const action = optimizer.nextAction(state, { nowMs: 0 });
    if (action.kind === 'done') return state;
    if (action.kind === 'evaluate') {
      const results = await Promise.all(action.requests.map(async (req) => {
        const instruction = renderCandidate(req.candidate);
        const outs = await mapLimited(req.exampleIds, limit, async (id): Promise<[string, RolloutOutcome]> => {
          const example = opts.task.byId.get(id)!;
          const r = await opts.client.chat.completions.create({ model: opts.taskModel, messages: gsm8kTask.buildMessages(instruction, example), temperature: 0 });
          const text = r.choices[0].message.content ?? '';
          const grade = await gsm8kTask.grade(text, example);
          return [id, { score: grade.score, feedback: grade.feedback, output: text, input: example.question }];
        });
        return Object.fromEntries(outs);
      }));
      state = optimizer.applyResult(state, action, { kind: 'evaluate', results });
    } else {
      const outputs = await mapLimited(action.requests, limit, async (req): Promise<GenerateOutcome> => {
        const r = await opts.client.chat.completions.create({
          model: opts.optimizerModel, messages: [{ role: 'user', content: req.prompt }],
          temperature: req.temperature ?? 1, seed: req.sampleIndex ?? 0,
        });
        return { rawText: r.choices[0].message.content ?? '', truncated: r.choices[0].finish_reason === 'length' };
      });
      state = optimizer.applyResult(state, action, { kind: 'generate', outputs });
    }
    opts.onStep?.(action, state);
  }
  throw new Error('runOnSimulator: no end within 100000 steps');
}
