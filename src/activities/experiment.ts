/**
 * Experiment-level side effects: validating a config and drawing its splits inside the worker
 * (so `temporal workflow start --input-file` gets the same checks as `lsl run`), and writing the
 * report from the artifacts the stages and evaluations left.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { HolderAccount } from '../core/budget';
import { summarizeAccount } from '../core/budget';
import {
  configHash, evaluationModels, formatProblem, planArms, planRepeats, planStages, validateExperimentConfig,
  type ExperimentConfig, type PlannedArm, type PlannedStage,
} from '../core/experiment';
import type { GepaSummary } from '../core/gepa';
import { drawSplits, type Splits } from '../core/splits';
import { catalogFromRegistry, taskPoolSizes } from '../experiment/load';
import { homePaths } from '../paths';
import { writeReport, type CandidateRecord, type ModelRecord, type ProblemResult, type ReportFiles, type ReportInput, type StageRecord } from '../report';
import { assertDatasetFiles } from '../tasks/datasets';
import { getTask, TASK_NAMES } from '../tasks/registry';
import type { ActivityDeps } from './deps';
import type { RolloutRecord } from './rollout';

export interface ModelInfo {
  name: string;
  model: string;
  provider: string;
  simulated: boolean;
  timeoutMs: number;
  concurrency: number;
  priceInputPerM?: number;
  priceOutputPerM?: number;
}

export interface PreparedExperiment {
  config: ExperimentConfig;
  configHash: string;
  version: string;
  stages: PlannedStage[];
  arms: PlannedArm[];
  repeats: Array<{ repeat: number; gepaSeed: number; splits: Splits }>;
  evalModels: Array<{ ref: string; model: string }>;
  models: Record<string, ModelInfo>;
  /** Pool the train/val ids come from, and the one the test ids come from. */
  trainPool: 'train';
  testPool: 'train' | 'test';
}

export interface StageRef {
  stage: string;
  taskModel: string;
  reflector: string;
  grant: { amount: number; unit: string };
  summaryKey: string;
  account: HolderAccount;
  wallMs: number;
  /** Stage whose exact state this one continued (its candidates are not listed again). */
  continued?: string;
}

export interface ReportSources {
  experimentId: string;
  prepared: PreparedExperiment;
  startedAt: string;
  finishedAt: string;
  status: 'completed' | 'stopped' | 'failed';
  arms: Array<{ arm: string; repeat: number; finished: boolean; finalPrompt: string; grant: { amount: number; unit: string }; stages: StageRef[] }>;
  evaluations: Array<{ repeat: number; arm: string; model: string; resultsKey: string }>;
  evaluationLedger: Array<{ model: string; calls: number; inputTokens: number; outputTokens: number; usd: number }>;
}

export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** Validates a config value and prepares everything the experiment workflow needs. Pure of network; reads data. */
export async function prepare(deps: Pick<ActivityDeps, 'registry' | 'datasetsDir'>, value: unknown): Promise<PreparedExperiment> {
  const task = (value as { task?: unknown } | null)?.task;
  const pools = typeof task === 'string' && (TASK_NAMES as readonly string[]).includes(task)
    ? await taskPoolSizes(task, deps.datasetsDir) : undefined;
  const result = validateExperimentConfig(value, { taskNames: TASK_NAMES, models: catalogFromRegistry(deps.registry), pools });
  if (!result.config) throw new Error(result.errors.map((p) => formatProblem(p)).join('; '));
  const config = result.config;
  const t = getTask(config.task);
  assertDatasetFiles(deps.datasetsDir, t.files);
  const trainIds = (await t.load(deps.datasetsDir, 'train')).map((e) => e.id);
  const testIds = t.separatePools ? (await t.load(deps.datasetsDir, 'test')).map((e) => e.id) : trainIds;
  const stages = planStages(config);
  const evalModels = evaluationModels(config);
  const names = new Set([config.models.large, config.models.small, ...stages.map((s) => s.reflector), ...evalModels.map((m) => m.model)]);
  const models: Record<string, ModelInfo> = {};
  for (const name of names) {
    const s = deps.registry.get(name);
    models[name] = {
      name, model: s.model, provider: s.provider, simulated: s.simulated, timeoutMs: s.timeoutMs, concurrency: s.concurrency,
      priceInputPerM: s.priceInputPerM, priceOutputPerM: s.priceOutputPerM,
    };
  }
  return {
    config,
    configHash: configHash(config),
    version: packageVersion(),
    stages,
    arms: planArms(config),
    repeats: planRepeats(config).map((r) => ({
      repeat: r.repeat,
      gepaSeed: r.gepaSeed,
      splits: drawSplits({ trainPool: trainIds, testPool: testIds, separatePools: t.separatePools, sizes: config.splits, seed: r.splitSeed }),
    })),
    evalModels,
    models,
    trainPool: 'train',
    testPool: t.separatePools ? 'test' : 'train',
  };
}

/** Builds the report's input from the stored artifacts. */
export async function reportInputFrom(deps: Pick<ActivityDeps, 'store'>, src: ReportSources): Promise<ReportInput> {
  const { prepared } = src;
  const summaries = new Map<string, GepaSummary>();
  const summaryOf = async (key: string) => {
    if (!summaries.has(key)) summaries.set(key, await deps.store.getJson<GepaSummary>(key));
    return summaries.get(key)!;
  };
  const stageRecord = async (ref: StageRef, all: StageRef[]): Promise<StageRecord> => {
    const summary = await summaryOf(ref.summaryKey);
    const acc = summarizeAccount(ref.stage, ref.account);
    let inherited = new Set<string>();
    if (ref.continued) {
      const prev = all.find((s) => s.stage === ref.continued);
      if (prev) inherited = new Set((await summaryOf(prev.summaryKey)).pool.map((c) => c.candidate.id));
    }
    const candidates: CandidateRecord[] = summary.pool
      .filter((c) => !inherited.has(c.candidate.id))
      .map((c) => ({
        id: `${ref.stage}/${c.candidate.id}`,
        parents: c.candidate.parents.map((p) => `${inherited.has(p) ? ref.continued : ref.stage}/${p}`),
        origin: c.candidate.origin,
        discoveredAtSpend: c.candidate.discoveredAtSpend,
        valMean: c.valMean,
        text: c.text,
      }));
    return {
      stage: ref.stage,
      taskModel: ref.taskModel,
      reflector: ref.reflector,
      grant: ref.grant,
      spent: {
        metricCalls: acc.metricCalls,
        reflectionCalls: acc.first.reflectionCalls,
        inputTokens: acc.first.inputTokens + acc.redone.inputTokens,
        outputTokens: acc.first.outputTokens + acc.redone.outputTokens,
        usd: acc.first.usd + acc.redone.usd,
        wallMs: ref.wallMs,
        redoneMetricCalls: acc.redoneMetricCalls,
      },
      learningCurve: summary.learningCurve.map((p) => ({ spend: p.spend, best: p.best })),
      candidates,
    };
  };
  const arms: ReportInput['arms'] = [];
  for (const a of src.arms) {
    const stages: StageRecord[] = [];
    for (const s of a.stages) stages.push(await stageRecord(s, a.stages));
    arms.push({ arm: a.arm as ReportInput['arms'][number]['arm'], repeat: a.repeat, finished: a.finished, finalPrompt: a.finalPrompt, grant: a.grant, stages });
  }
  const roleOf = (name: string) =>
    name === prepared.config.models.large ? 'large' : name === prepared.config.models.small ? 'small' : 'reflector';
  const models: ModelRecord[] = Object.values(prepared.models).map((m) => ({
    role: roleOf(m.name), name: m.name, model: m.model, provider: m.provider, simulated: m.simulated,
    priceInputPerM: m.priceInputPerM, priceOutputPerM: m.priceOutputPerM,
  }));
  const first = prepared.repeats[0].splits;
  return {
    experimentId: src.experimentId,
    name: prepared.config.name,
    version: prepared.version,
    versions: { node: process.version },
    configHash: prepared.configHash,
    startedAt: src.startedAt,
    finishedAt: src.finishedAt,
    status: src.status,
    simulated: models.some((m) => m.simulated),
    config: prepared.config,
    task: prepared.config.task,
    splits: { seed: first.seed, train: first.train, val: first.val, test: first.test },
    models,
    repeats: prepared.repeats.length,
    arms,
    evaluation: { ledger: src.evaluationLedger },
  };
}

export async function loadProblemResults(deps: Pick<ActivityDeps, 'store'>, src: ReportSources): Promise<ProblemResult[]> {
  const out: ProblemResult[] = [];
  for (const e of src.evaluations) {
    const text = await deps.store.getText(e.resultsKey);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as RolloutRecord;
      out.push({
        repeat: e.repeat, arm: e.arm, model: e.model, id: r.id, sample: r.sampleIndex, score: r.score,
        extracted: r.extracted, feedback: r.feedback,
        output: r.outputKey ? await deps.store.getText(r.outputKey) : r.error ?? '',
      });
    }
  }
  return out;
}

export function reportDirFor(experimentId: string): string {
  return path.join(homePaths.runs(), experimentId, 'report');
}

/** Writes an experiment's report from its stored sources (the activity at the end of a run, and `lsl report`). */
export async function writeReportFromSources(deps: Pick<ActivityDeps, 'store'>, sourcesKey: string): Promise<{ dir: string; files: ReportFiles }> {
  const src = await deps.store.getJson<ReportSources>(sourcesKey);
  const dir = reportDirFor(src.experimentId);
  const files = await writeReport(await reportInputFrom(deps, src), dir, { loadResults: () => loadProblemResults(deps, src) });
  return { dir, files };
}

export function createExperimentActivities(deps: ActivityDeps) {
  return {
    async prepareExperiment(input: { config: unknown }): Promise<PreparedExperiment> {
      try {
        return await prepare(deps, input.config);
      } catch (err) {
        // A bad config never gets better by retrying.
        throw ApplicationFailure.create({ type: 'InvalidExperimentConfig', message: (err as Error).message, nonRetryable: true });
      }
    },
    writeExperimentReport(input: { sourcesKey: string }): Promise<{ dir: string; files: ReportFiles }> {
      return writeReportFromSources(deps, input.sourcesKey);
    },
  };
}
