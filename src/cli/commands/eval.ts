/** `lsl eval`: evaluate one instruction with one model on a task split, durably. */
import fs from 'node:fs';
import path from 'node:path';
import { evaluatePrompt, type EvaluateInput, type EvaluateProgress, type EvaluateResult } from '../../workflows/evaluate';
import { progressQuery } from '../../workflows/control';
import { TASK_QUEUE } from '../../workers/names';
import { defaultStore } from '../../workers/worker';
import { bar, printResult, resultWithProgress, table } from '../progress';
import { runDirFor, safeId, shortHash, timestamp } from '../runs';
import { openSession } from '../session';
import { checkModels, checkTask, positiveInt, readInstruction } from '../validate-input';
import { UsageError } from '../errors';
import { blockWatch } from '../blocked';
import { callPolicyOf } from '../../llm/call-policy';

export const DEFAULT_INSTRUCTION = 'Solve the problem step by step.';

export interface EvalFlags {
  task: string;
  model: string;
  split?: string;
  limit?: string;
  instructionFile?: string;
  samples?: string;
  temperature?: string;
  concurrency?: string;
  json?: boolean;
  worker?: boolean;
}

export async function evalCommand(flags: EvalFlags): Promise<void> {
  // Everything that can be wrong with the input is found before a server or worker starts.
  const task = checkTask(flags.task);
  const [spec] = checkModels([flags.model]);
  const pool = flags.split ?? 'test';
  if (pool !== 'test' && pool !== 'train') throw new UsageError(`--split must be 'test' or 'train', got '${pool}'`);
  const instruction = readInstruction(flags.instructionFile, DEFAULT_INSTRUCTION);
  const limit = positiveInt('--limit', flags.limit);
  const samples = positiveInt('--samples', flags.samples) ?? 1;
  const concurrency = positiveInt('--concurrency', flags.concurrency) ?? Math.min(64, spec.concurrency);
  const temperature = flags.temperature === undefined ? undefined : Number(flags.temperature);
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) throw new UsageError(`--temperature must be in [0, 2], got '${flags.temperature}'`);

  const input: EvaluateInput = {
    task: task.name, model: spec.name, instruction, pool, limit, samples, temperature, concurrency, modelTimeoutMs: spec.timeoutMs,
    callPolicy: callPolicyOf(spec, TASK_QUEUE),
  };
  const workflowId = safeId(`eval-${task.name}-${spec.name}-${shortHash(input)}-${timestamp()}`);
  const runDir = runDirFor(workflowId);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const session = await openSession({ runDir, needsSim: spec.provider === 'sim', startWorker: flags.worker !== false, log });
  let report = () => undefined as void;
  try {
    const handle = await session.client.workflow.start(evaluatePrompt, {
      taskQueue: TASK_QUEUE, workflowId, args: [input],
    });
    log(`workflow ${workflowId} started`);
    const watch = blockWatch(handle, 'lsl eval');
    const result = await resultWithProgress(handle, progressQuery<EvaluateProgress>(), async (p) =>
      `${bar(p.done, p.total)} accuracy so far ${p.done ? (p.correct / p.done).toFixed(3) : '-'}${p.refused ? `, ${p.refused} refused` : ''}${await watch.line(p)}`,
    ).catch(watch.failure);
    const store = defaultStore().artifacts;
    fs.writeFileSync(path.join(runDir, 'results.jsonl'), await store.get(result.resultsKey));
    const summary = {
      workflowId, task: result.task, model: result.model, n: result.n, samples: result.samples,
      accuracy: result.accuracy, ci95: result.ci95, flexibleAccuracy: result.flexibleAccuracy,
      failedRollouts: result.failedRollouts, refusals: result.refusals, wrong: result.wrong,
      modelCalls: result.modelCalls, cachedCalls: result.cachedCalls,
      inputTokens: result.inputTokens, outputTokens: result.outputTokens, reasoningTokens: result.reasoningTokens, usd: result.usd,
      simulated: spec.simulated, resultsKey: result.resultsKey, runDir,
    };
    fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify(summary, null, 2));
    const out = table([
      ['workflow', workflowId],
      ['task / model', `${result.task} / ${result.model}${spec.simulated ? ' (SIMULATED)' : ''}`],
      ['problems', `${result.n}${result.samples > 1 ? ` x ${result.samples} samples` : ''}`],
      ['accuracy', `${result.accuracy.toFixed(4)}  (95% CI ${result.ci95[0].toFixed(4)}-${result.ci95[1].toFixed(4)})`],
      ...(result.flexibleAccuracy !== undefined ? [['flexible-extract', result.flexibleAccuracy.toFixed(4)] as [string, string]] : []),
      ['wrong answers', result.wrong],
      ['refused (per example)', refusalText(result)],
      ['model calls', `${result.modelCalls} made, ${result.cachedCalls} from cache`],
      ['tokens', `${result.inputTokens} in, ${result.outputTokens} out${result.reasoningTokens ? ` (${result.reasoningTokens} of them reasoning)` : ''}`],
      ['cost', `$${result.usd.toFixed(4)}`],
      ['results', path.join(runDir, 'results.jsonl')],
    ]);
    report = () => printResult(out, summary, flags.json);
  } finally {
    await session.close();
  }
  // Printed after the session closed, so nothing the dev server says on exit comes after the JSON line.
  report();
}

/** "2 (ModelCutOff 1, ModelContextLength 1)", or "0". */
export function refusalText(r: Pick<EvaluateResult, 'failedRollouts' | 'refusals'>): string {
  const causes = Object.entries(r.refusals ?? {}).map(([k, n]) => `${k.replace(/^Model/, '')} ${n}`);
  return causes.length ? `${r.failedRollouts} (${causes.join(', ')})` : String(r.failedRollouts);
}
