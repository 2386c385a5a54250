/**
 * experiment: the LSL experiment. Holds the central ledger, grants every stage its budget, runs
 * the stages as child workflows (base first; lsl, matched, small-only and cycles as soon as what
 * they start from is done), evaluates every arm's prompt on the test split with each evaluation
 * model (child evaluatePrompt workflows), and writes the report.
 *
 * Input is the experiment config itself (one JSON object), so
 * `temporal workflow start --type experiment --input-file exp.json` works.
 */
import {
  ChildWorkflowFailure, condition, defineQuery, defineSignal, executeChild, getExternalWorkflowHandle,
  proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo, ParentClosePolicy,
} from '@temporalio/workflow';
import type { Activities, PreparedExperiment, ReportSources, StageRef } from '../activities';
import { absorb, createLedger, grant, recordUsage, summarizeAccount, summarizeLedger, type LedgerSummary } from '../core/budget';
import type { PlannedStage } from '../core/experiment';
import { renderCandidate, type GepaConfigInput } from '../core/gepa';
import { SearchAttributes, WorkflowTypes } from '../workers/names';
import type { EvaluateInput, EvaluateResult } from './evaluate';
import type { GepaStageInput, GepaStageResult, StageStart } from './gepa-stage';

const { prepareExperiment } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 3 } });
const { writeExperimentReport, storeJson } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: { maximumAttempts: 3 } });

export type StageStatus = 'pending' | 'running' | 'completed' | 'stopped' | 'skipped' | 'failed';

export interface ExperimentProgress {
  experimentId: string;
  phase: 'preparing' | 'optimizing' | 'evaluating' | 'reporting' | 'done';
  paused: boolean;
  stopRequested: boolean;
  stages: Array<{ repeat: number; stage: string; arm: string; status: StageStatus; workflowId: string; grant: number; unit: string; spent?: number; best?: number }>;
  evaluations: Array<{ repeat: number; arm: string; model: string; status: StageStatus; workflowId: string; accuracy?: number }>;
}

export interface ArmOutcome {
  arm: string;
  repeat: number;
  finished: boolean;
  finalPrompt: string;
  grant: number;
  spent: number;
  unit: string;
  testAccuracy: Record<string, number>;
}

export interface ExperimentResult {
  experimentId: string;
  status: 'completed' | 'stopped' | 'failed';
  configHash: string;
  simulated: boolean;
  report: { dir: string; html: string; markdown: string; latex: string; jsonl: string };
  arms: ArmOutcome[];
  ledger: LedgerSummary;
  reportSourcesKey: string;
}

export const experimentProgressQuery = defineQuery<ExperimentProgress>('progress');
export const experimentPauseSignal = defineSignal('pause');
export const experimentResumeSignal = defineSignal('resume');
export const experimentStopSignal = defineSignal('stop');

export async function experiment(config: Record<string, unknown>): Promise<ExperimentResult> {
  const experimentId = workflowInfo().workflowId;
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  let paused = false;
  let stopRequested = false;
  const running = new Set<string>();
  const progress: ExperimentProgress = { experimentId, phase: 'preparing', paused, stopRequested, stages: [], evaluations: [] };

  // Signals reach the running children too; a child that already ended is no error.
  const forward = (name: 'pause' | 'resume' | 'stop') => {
    for (const id of running) getExternalWorkflowHandle(id).signal(name).catch(() => undefined);
  };
  setHandler(experimentPauseSignal, () => { paused = progress.paused = true; forward('pause'); });
  setHandler(experimentResumeSignal, () => { paused = progress.paused = false; forward('resume'); });
  setHandler(experimentStopSignal, () => { stopRequested = progress.stopRequested = true; paused = progress.paused = false; forward('stop'); });
  setHandler(experimentProgressQuery, () => progress);
  upsertSearchAttributes([
    { key: SearchAttributes.experimentId, value: experimentId },
    { key: SearchAttributes.status, value: 'running' },
  ]);

  const prepared: PreparedExperiment = await prepareExperiment({ config });
  const cfg = prepared.config;
  const unit = cfg.budget.unit;
  upsertMemo({ configHash: prepared.configHash, version: prepared.version, name: cfg.name });
  upsertSearchAttributes([{ key: SearchAttributes.task, value: cfg.task }]);
  const ledger = createLedger();
  const simulated = Object.values(prepared.models).some((m) => m.simulated);

  for (const r of prepared.repeats) {
    for (const s of prepared.stages) {
      const holder = `r${r.repeat}/${s.stage}`;
      grant(ledger, holder, s.grant, unit);
      progress.stages.push({ repeat: r.repeat, stage: s.stage, arm: s.arm, status: 'pending', workflowId: `${experimentId}-r${r.repeat}-${s.stage}`, grant: s.grant, unit });
    }
  }

  // ---- optimization: every stage as a child, each as soon as the stage it starts from is done
  progress.phase = 'optimizing';
  const results = new Map<string, GepaStageResult | null>();
  const runStage = memo(async (repeat: number, s: PlannedStage): Promise<GepaStageResult | null> => {
    const r = prepared.repeats[repeat];
    const before = s.after ? await runStage(repeat, prepared.stages.find((x) => x.stage === s.after)!) : undefined;
    const row = progress.stages.find((x) => x.repeat === repeat && x.stage === s.stage)!;
    if (before === null || (before && before.stopReason === 'stop-requested')) {
      row.status = 'skipped';
      return null;
    }
    await condition(() => !paused || stopRequested);
    if (stopRequested) {
      row.status = 'skipped';
      return null;
    }
    const start: StageStart = s.startsFrom === 'seed'
      ? { kind: 'seed', seed: { components: cfg.seed.components, order: cfg.seed.order } }
      : s.startsFrom === 'base-state' ? { kind: 'continue', stateKey: before!.stateKey } : { kind: 'best-of', stateKey: before!.stateKey };
    const input: GepaStageInput = {
      stage: s.stage, experimentId, arm: s.arm, task: cfg.task, pool: prepared.trainPool,
      taskModel: s.taskModel, reflector: s.reflector, trainIds: r.splits.train, valIds: r.splits.val,
      start, grant: { amount: s.grant, unit }, config: gepaConfig(prepared, r.gepaSeed),
      concurrency: Math.min(32, prepared.models[s.taskModel].concurrency),
      modelTimeoutMs: prepared.models[s.taskModel].timeoutMs, reflectorTimeoutMs: prepared.models[s.reflector].timeoutMs,
    };
    row.status = 'running';
    running.add(row.workflowId);
    try {
      const res = await executeChild<(i: GepaStageInput) => Promise<GepaStageResult>>(WorkflowTypes.gepaStage, {
        workflowId: row.workflowId, args: [input], parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
      absorb(ledger, `r${repeat}/${s.stage}`, res.account);
      row.status = res.stopReason === 'stop-requested' ? 'stopped' : 'completed';
      row.spent = summarizeAccount(s.stage, res.account).spentOfGrant ?? undefined;
      row.best = res.bestScore;
      results.set(`${repeat}/${s.stage}`, res);
      return res;
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      row.status = 'failed';
      return null;
    } finally {
      running.delete(row.workflowId);
    }
  });
  await Promise.all(prepared.repeats.flatMap((r) => prepared.stages.map((s) => runStage(r.repeat, s))));

  // ---- evaluation of every finished arm's prompt on the test split
  progress.phase = 'evaluating';
  const arms: Array<ReportSources['arms'][number]> = [];
  const evaluations: ReportSources['evaluations'] = [];
  const evalRuns: Array<Promise<void>> = [];
  const accuracy = new Map<string, number>();
  for (const r of prepared.repeats) {
    for (const plan of prepared.arms) {
      const chain = plan.stages.map((name) => ({ plan: prepared.stages.find((s) => s.stage === name)!, res: results.get(`${r.repeat}/${name}`) }));
      const finished = chain.every((c) => c.res && c.res.stopReason !== 'stop-requested');
      const last = plan.yields ? results.get(`${r.repeat}/${plan.yields}`) : undefined;
      const finalPrompt = plan.yields ? last?.bestCandidate.text ?? '' : seedText(cfg.seed);
      arms.push({
        arm: plan.arm, repeat: r.repeat, finished, finalPrompt,
        grant: { amount: chain.reduce((a, c) => a + c.plan.grant, 0), unit },
        stages: chain.filter((c) => c.res).map(({ plan: p, res }): StageRef => ({
          stage: p.stage, taskModel: p.taskModel, reflector: p.reflector, grant: { amount: p.grant, unit },
          summaryKey: res!.summaryKey, account: res!.account, wallMs: res!.wallMs,
          continued: p.startsFrom === 'base-state' ? p.after ?? undefined : undefined,
        })),
      });
      if (!finished || stopRequested) continue;
      for (const m of prepared.evalModels) {
        const workflowId = `${experimentId}-r${r.repeat}-eval-${plan.arm}-${m.model}`;
        const row = { repeat: r.repeat, arm: plan.arm, model: m.model, status: 'running' as StageStatus, workflowId, accuracy: undefined as number | undefined };
        progress.evaluations.push(row);
        const input: EvaluateInput = {
          task: cfg.task, model: m.model, instruction: finalPrompt, pool: prepared.testPool, ids: r.splits.test,
          samples: cfg.evaluation.samples, temperature: cfg.evaluation.temperature,
          concurrency: Math.min(32, prepared.models[m.model].concurrency), modelTimeoutMs: prepared.models[m.model].timeoutMs,
          experimentId, arm: plan.arm,
        };
        evalRuns.push((async () => {
          running.add(workflowId);
          try {
            const res = await executeChild<(i: EvaluateInput) => Promise<EvaluateResult>>(WorkflowTypes.evaluatePrompt, {
              workflowId, args: [input], parentClosePolicy: ParentClosePolicy.TERMINATE,
            });
            recordUsage(ledger, 'evaluation', { model: m.model, inputTokens: res.inputTokens, outputTokens: res.outputTokens, usd: res.usd, calls: res.modelCalls + res.cachedCalls });
            evaluations.push({ repeat: r.repeat, arm: plan.arm, model: m.model, resultsKey: res.resultsKey });
            accuracy.set(`${r.repeat}/${plan.arm}/${m.model}`, res.accuracy);
            row.status = 'completed';
            row.accuracy = res.accuracy;
          } finally {
            running.delete(workflowId);
          }
        })());
      }
    }
  }
  await Promise.all(evalRuns);
  // Children finish in any order; the report lists evaluations in plan order.
  const order = (e: { repeat: number; arm: string; model: string }) =>
    `${String(e.repeat).padStart(4, '0')}/${prepared.arms.findIndex((a) => a.arm === e.arm)}/${prepared.evalModels.findIndex((m) => m.model === e.model)}`;
  evaluations.sort((a, b) => (order(a) < order(b) ? -1 : 1));

  // ---- report
  progress.phase = 'reporting';
  const failed = progress.stages.some((s) => s.status === 'failed');
  const status: ExperimentResult['status'] = failed ? 'failed' : stopRequested ? 'stopped' : 'completed';
  const ledgerSummary = summarizeLedger(ledger);
  const evaluationAccount = ledgerSummary.holders.find((h) => h.holder === 'evaluation');
  const sources: ReportSources = {
    experimentId, prepared, startedAt, finishedAt: new Date(Date.now()).toISOString(), status, arms, evaluations,
    evaluationLedger: (evaluationAccount?.byModel ?? []).map((m) => ({
      model: m.model, calls: m.first.calls, inputTokens: m.first.inputTokens, outputTokens: m.first.outputTokens, usd: m.first.usd,
    })),
  };
  const reportSourcesKey = await storeJson({ value: sources });
  const report = await writeExperimentReport({ sourcesKey: reportSourcesKey });
  progress.phase = 'done';
  upsertSearchAttributes([{ key: SearchAttributes.status, value: status }]);

  const spentOf = (holderPrefix: string, stages: StageRef[]) =>
    stages.reduce((a, s) => a + (ledgerSummary.holders.find((h) => h.holder === `${holderPrefix}/${s.stage}`)?.spentOfGrant ?? 0), 0);
  return {
    experimentId, status, configHash: prepared.configHash, simulated,
    report: { dir: report.dir, html: report.files.html, markdown: report.files.markdown, latex: report.files.latex, jsonl: report.files.jsonl },
    arms: arms.map((a) => ({
      arm: a.arm, repeat: a.repeat, finished: a.finished, finalPrompt: a.finalPrompt, grant: a.grant.amount, unit,
      spent: spentOf(`r${a.repeat}`, a.stages),
      testAccuracy: Object.fromEntries(prepared.evalModels.flatMap((m) => {
        const v = accuracy.get(`${a.repeat}/${a.arm}/${m.model}`);
        return v === undefined ? [] : [[m.model, v]];
      })),
    })),
    ledger: ledgerSummary,
    reportSourcesKey,
  };
}

function gepaConfig(p: PreparedExperiment, seed: number): GepaConfigInput {
  const g = p.config.gepa;
  return {
    seed, minibatchSize: g.minibatchSize, selector: g.selector, epsilon: g.epsilon, componentSelector: g.componentSelector,
    useMerge: g.merge, maxMerge: g.maxMerge, perfectScore: g.perfectScore,
    stop: {
      noImprovementIterations: g.stop.noImprovementIterations,
      scoreThreshold: g.stop.scoreThreshold,
      maxWallClockMs: g.stop.maxWallClockMinutes === undefined ? undefined : g.stop.maxWallClockMinutes * 60_000,
    },
  };
}

function seedText(seed: { components: Record<string, string>; order: string[] }): string {
  return renderCandidate(seed);
}

/** One run per (repeat, stage): later stages await the same promise as the arm that started it. */
function memo<T>(fn: (repeat: number, s: PlannedStage) => Promise<T>): (repeat: number, s: PlannedStage) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (repeat, s) => {
    const key = `${repeat}/${s.stage}`;
    let p = cache.get(key);
    if (!p) {
      p = fn(repeat, s);
      cache.set(key, p);
    }
    return p;
  };
}
