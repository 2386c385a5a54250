/** `lsl optimize`: one optimizer stage on a task (GEPA by default), durably, as an experiment arm runs it. */
import fs from 'node:fs';
import path from 'node:path';
import { callPolicyOf } from '../../llm/call-policy';
import { blockWatch } from '../blocked';
import { knownOptimizers, optimizerSettings } from '../../core/experiment/config';
import { resolveGepaConfig, type GepaConfigInput } from '../../core/gepa';
import { DEFAULT_OPTIMIZER } from '../../core/optimizer/registry';
import { drawSplits } from '../../core/splits';
import { datasetsDir } from '../../paths';
import { TASK_QUEUE } from '../../workers/names';
import { progressQuery } from '../../workflows/control';
import { gepaStage, type GepaStageInput, type GepaStageProgress } from '../../workflows/gepa-stage';
import { UsageError, oneLine } from '../errors';
import { printResult, resultWithProgress, table } from '../progress';
import { runDirFor, safeId, shortHash, timestamp } from '../runs';
import { openSession } from '../session';
import { mergeSettings, parseSettingFlags, readOptimizerConfig, searchSettings } from '../optimizer-settings';
import { checkModels, checkTask, positiveInt, readInstruction, readSeedCandidate } from '../validate-input';
import { DEFAULT_INSTRUCTION } from './eval';

export interface OptimizeFlags {
  task: string;
  model: string;
  reflector: string;
  budget: string;
  train?: string;
  val?: string;
  seed?: string;
  merge?: boolean;
  maxMerges?: string;
  /** Repeatable `key=value` optimizer settings, over those of `optimizerConfig`. */
  optimizerSetting?: string[];
  optimizerConfig?: string;
  selector?: string;
  minibatch?: string;
  instructionFile?: string;
  seedCandidate?: string;
  proposals?: string;
  /** The optimizer, by registry name (gepa, opro, evoprompt-ga, evoprompt-de, promptbreeder); default gepa. */
  optimizer?: string;
  concurrency?: string;
  json?: boolean;
  worker?: boolean;
}

/** A model flag's spec; an unknown name says which flag it came from. */
function modelFlag(flag: string, name: string) {
  try {
    return checkModels([name])[0];
  } catch (err) {
    throw new UsageError(`${flag}: ${oneLine(err)}`);
  }
}

export async function optimizeCommand(flags: OptimizeFlags): Promise<void> {
  const task = checkTask(flags.task);
  checkModels([]); // a broken registry file is reported as itself, not as a bad model name
  const model = modelFlag('--model', flags.model);
  const reflector = modelFlag('--reflector', flags.reflector);
  const budget = positiveInt('--budget', flags.budget)!;
  const trainN = flags.train === undefined ? 60 : Number(flags.train);
  const valN = flags.val === undefined ? 30 : Number(flags.val);
  if (!Number.isInteger(valN) || valN < 1) throw new UsageError(`--val must be a whole number >= 1 (the Pareto validation set cannot be empty), got '${flags.val}'`);
  if (!Number.isInteger(trainN) || trainN < 1) throw new UsageError(`--train must be a whole number >= 1, got '${flags.train}'`);
  const seed = flags.seed === undefined ? 0 : Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0, got '${flags.seed}'`);
  const optimizer = flags.optimizer ?? DEFAULT_OPTIMIZER;
  if (!knownOptimizers().includes(optimizer)) {
    throw new UsageError(`--optimizer: unknown optimizer '${optimizer}' (known: ${knownOptimizers().join(', ')})`);
  }
  let config: GepaConfigInput | Record<string, unknown>;
  if (optimizer === DEFAULT_OPTIMIZER) {
    if (flags.optimizerConfig) readOptimizerConfig(flags.optimizerConfig, optimizer); // says where GEPA's settings go
    config = gepaFlags(flags, seed, budget, valN);
  } else {
    if (flags.merge || flags.maxMerges !== undefined) throw new UsageError(`--merge and --max-merges are GEPA's; ${optimizer} does not merge`);
    // The search's own defaults (the paper's, stated in its code) under the given settings, with the run's seed.
    const settings = searchSettings(optimizer, flags.optimizerConfig, flags.optimizerSetting ?? []);
    try {
      config = optimizerSettings(optimizer, settings, seed);
    } catch (err) {
      throw new UsageError(`invalid ${optimizer} option: ${oneLine(err)}`);
    }
  }
  if (flags.seedCandidate && flags.instructionFile) throw new UsageError('give either --seed-candidate or --instruction-file, not both');
  // Several named components let merge fire (it combines components of two lineages).
  const seedCandidate = flags.seedCandidate ? readSeedCandidate(flags.seedCandidate) : readInstruction(flags.instructionFile, DEFAULT_INSTRUCTION);
  const merging = optimizer === DEFAULT_OPTIMIZER ? Boolean((config as GepaConfigInput).useMerge) : undefined;
  const components = typeof seedCandidate === 'string' ? 1 : seedCandidate.order.length;
  if (merging === false && components > 1) process.stderr.write(`note: merge is off: pass --merge to combine the ${components} components of two lineages\n`);
  if (merging && components === 1) process.stderr.write('note: --merge with a one-component seed never merges (a merge takes components from two lineages; see --seed-candidate)\n');

  const dir = datasetsDir();
  const trainPool = (await task.load(dir, 'train')).map((e) => e.id);
  const testPool = task.separatePools ? (await task.load(dir, 'test')).map((e) => e.id) : trainPool;
  let splits;
  try {
    splits = drawSplits({ trainPool, testPool, separatePools: task.separatePools, sizes: { train: trainN, val: valN, test: 0 }, seed });
  } catch (err) {
    throw new UsageError(oneLine(err));
  }

  const input: GepaStageInput = {
    stage: 'optimize', task: task.name, pool: 'train', taskModel: model.name, reflector: reflector.name,
    trainIds: splits.train, valIds: splits.val, start: { kind: 'seed', seed: seedCandidate },
    grant: { amount: budget, unit: 'metricCalls' }, optimizer, config,
    concurrency: positiveInt('--concurrency', flags.concurrency) ?? Math.min(32, model.concurrency),
    modelTimeoutMs: model.timeoutMs, reflectorTimeoutMs: reflector.timeoutMs,
    callPolicy: callPolicyOf(model, TASK_QUEUE), reflectorCallPolicy: callPolicyOf(reflector, TASK_QUEUE),
  };
  const workflowId = safeId(`${optimizer}-${task.name}-${model.name}-${shortHash(input)}-${timestamp()}`);
  const runDir = runDirFor(workflowId);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const session = await openSession({
    runDir, needsSim: model.provider === 'sim' || reflector.provider === 'sim', startWorker: flags.worker !== false, log,
  });
  let report = () => undefined as void;
  try {
    const handle = await session.client.workflow.start(gepaStage, { taskQueue: TASK_QUEUE, workflowId, args: [input] });
    log(`workflow ${workflowId} started`);
    const watch = blockWatch(handle, 'lsl optimize');
    const r = await resultWithProgress(handle, progressQuery<GepaStageProgress>(), async (p) =>
      `iteration ${p.stageIterations ?? p.iteration}  spent ${p.spent}/${p.grant.amount}  best ${p.bestValMean === null ? '-' : p.bestValMean.toFixed(3)}  pool ${p.poolSize}  ${p.frontierSize === undefined ? '' : `frontier ${p.frontierSize}`}  ${p.phase}${await watch.line(p)}`,
    ).catch(watch.failure);
    const summary = {
      workflowId, optimizer, task: task.name, model: model.name, reflector: reflector.name,
      seedScore: r.seedScore, bestScore: r.bestScore, metricCalls: r.metricCalls, grant: r.grant.amount,
      iterations: r.iterations, accepted: r.accepted, outcomes: r.outcomes, merges: { enabled: merging ?? false, tried: (r.outcomes['merge-accepted'] ?? 0) + (r.outcomes['merge-rejected'] ?? 0), accepted: r.outcomes['merge-accepted'] ?? 0 }, candidates: r.candidates, stopReason: r.stopReason,
      bestCandidate: r.bestCandidate.text, summaryKey: r.summaryKey, simulated: model.simulated || reflector.simulated, runDir,
    };
    fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify({ ...summary, learningCurve: r.learningCurve, ledger: r.ledger }, null, 2));
    const out = table([
      ['workflow', workflowId],
      ['task / model / reflector', `${task.name} / ${model.name} / ${reflector.name}${summary.simulated ? ' (SIMULATED)' : ''}`],
      ['validation score', `seed ${r.seedScore.toFixed(4)} -> best ${r.bestScore.toFixed(4)} (|V| = ${valN})`],
      ['metric calls', `${r.metricCalls} of ${budget}`],
      ['iterations', `${r.iterations} (${r.accepted} accepted), ${r.candidates} candidates`],
      ['iterations ended', describeOutcomes(r.outcomes)],
      ...(merging === undefined ? [] : [['merges', merging ? `tried ${summary.merges.tried}, accepted ${summary.merges.accepted}` : 'off (--merge)'] as [string, string]]),
      ['stopped because', r.stopReason ?? '-'],
      ['result', path.join(runDir, 'result.json')],
    ]) + `\n\nbest candidate:\n${r.bestCandidate.text}\n`;
    report = () => printResult(out, summary, flags.json);
  } finally {
    await session.close();
  }
  // Printed after the session closed, so nothing the dev server says on exit comes after the JSON line.
  report();
}


/** GEPA's settings from its flags (then --optimizer-setting over them), and the least budget one iteration needs. */
function gepaFlags(flags: OptimizeFlags, seed: number, budget: number, valN: number): GepaConfigInput {
  let maxMerge: number | undefined;
  if (flags.maxMerges !== undefined) {
    if (!flags.merge) throw new UsageError('--max-merges needs --merge');
    maxMerge = Number(flags.maxMerges);
    if (!Number.isInteger(maxMerge) || maxMerge < 0) throw new UsageError(`--max-merges must be a whole number >= 0, got '${flags.maxMerges}'`);
  }
  const settings = parseSettingFlags(flags.optimizerSetting ?? []);
  if ('seed' in settings) throw new UsageError('--optimizer-setting seed: is set by --seed');
  let config: GepaConfigInput = {
    seed, useMerge: Boolean(flags.merge), ...(maxMerge === undefined ? {} : { maxMerge }), selector: (flags.selector ?? 'pareto') as never,
    minibatchSize: positiveInt('--minibatch', flags.minibatch) ?? 3, proposals: positiveInt('--proposals', flags.proposals) ?? 1,
  };
  try {
    resolveGepaConfig(config);
  } catch (err) {
    throw new UsageError(`invalid GEPA option: ${oneLine(err)}`);
  }
  config = mergeSettings(config as Record<string, unknown>, settings) as GepaConfigInput;
  try {
    resolveGepaConfig(config);
  } catch (err) {
    throw new UsageError(`--optimizer-setting: ${oneLine(err)}`);
  }
  const b = config.minibatchSize!;
  const needed = valN + 2 * b + valN;
  if (budget < needed) {
    throw new UsageError(`--budget ${budget} cannot evaluate the seed on the validation set and run one iteration: needs at least |V| + 2b + |V| = ${valN} + ${2 * b} + ${valN} = ${needed} metric calls`);
  }
  return config;
}

/** "not-better 5, accepted 2, skipped-perfect-minibatch 1": the outcomes that happened, most frequent first. */
export function describeOutcomes(outcomes: Record<string, number>): string {
  const seen = Object.entries(outcomes).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return seen.length ? seen.map(([k, n]) => `${k} ${n}`).join(', ') : '-';
}
