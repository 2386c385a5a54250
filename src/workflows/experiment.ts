/**
 * experiment: the LSL experiment, as Temporal calls only. The run plan (src/core/experiment/
 * run-plan.ts) decides everything; this workflow prepares the config, starts the stages the plan
 * says are ready as child workflows, then the evaluations, writes the report, and answers the
 * control signals (forwarding them to the running children) and the progress query.
 *
 * Input is the experiment config itself (one JSON object), so
 * `temporal workflow start --type experiment --input-file exp.json` works; `prepare` validates it.
 */
import {
  ChildWorkflowFailure, condition, executeChild, getExternalWorkflowHandle, proxyActivities, setCurrentDetails, setHandler,
  upsertMemo, upsertSearchAttributes, workflowInfo, ParentClosePolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  childBlocked, evaluationFinished, experimentResult, initialProgress, liveStatus, nextStages, reportSources, requestPause, requestResume,
  requestStop, stageFailed, stageFinished, stagesSettled, startEvaluations, startRun, startTransfers, transferFinished,
  safeRunId, transferStages, type EvaluationCall, type TransferCall, type ExperimentConfigInput, type ExperimentProgress, type ExperimentResult, type StageCall,
} from '../core/experiment';
import type { GepaSummary } from '../core/gepa';
import { SearchAttributes } from '../workers/names';
import { childBlocksSignal, newerReport, type ChildBlocksReport } from './blocking';
import { ControlSignals, pauseSignal, progressQuery, resumeSignal, stopSignal, warnOnUnknownSignals, type ControlSignalName } from './control';
import { evaluatePrompt, type EvaluateResult } from './evaluate';
import { gepaStage } from './gepa-stage';

export type { ArmOutcome, ExperimentProgress, ExperimentResult, StageStatus } from '../core/experiment';

const { prepareExperiment } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 3 } });
const { writeExperimentReport, storeJson, loadJson } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: { maximumAttempts: 3 } });

export const experimentProgressQuery = progressQuery<ExperimentProgress>();

/** LslStatus of an experiment: one meaning, its real state. A terminated run keeps its last one (use ExecutionStatus). */
export type ExperimentStatus = 'running' | 'paused' | 'stopping' | 'blocked' | 'stopped' | 'completed' | 'failed';

/** How a run was started: a schedule's runs name it, and ask the models afresh. */
export interface ExperimentRunOptions {
  scheduleId?: string;
}

export async function experiment(config: ExperimentConfigInput, options: ExperimentRunOptions = {}): Promise<ExperimentResult> {
  // A scheduled run's workflow id carries the schedule's timestamp: the id (and so the run
  // directory) keeps the date, without the characters a path cannot hold.
  const experimentId = safeRunId(workflowInfo().workflowId);
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  const progress: ExperimentProgress & { warnings?: string[] } = initialProgress(experimentId);
  // Running children by workflow id, with what each is ("stage base", ...), for the blocked line.
  const running = new Map<string, string>();
  // Bumped by every signal and every finished child: the loop below re-decides on each change.
  let changes = 0;
  let status: ExperimentStatus = 'running';
  const setStatus = (s: ExperimentStatus) => {
    if (s !== status) upsertSearchAttributes([{ key: SearchAttributes.status, value: s }]);
    status = s;
    showDetails();
  };
  // The Web UI shows these (user metadata) without a query.
  const showDetails = () => setCurrentDetails(experimentDetails(progress, status));

  // Signals reach the running children too; a child that already ended is no error.
  const control = (name: ControlSignalName, apply: (p: ExperimentProgress) => void) => () => {
    apply(progress);
    changes++;
    for (const id of running.keys()) getExternalWorkflowHandle(id).signal(ControlSignals[name]).catch(() => undefined);
    setStatus(liveStatus(progress));
  };
  setHandler(pauseSignal, control('pause', requestPause));
  setHandler(resumeSignal, control('resume', requestResume));
  setHandler(stopSignal, control('stop', requestStop));
  setHandler(experimentProgressQuery, () => progress);
  // A child blocked on a model (or resumed) says so: shown here until it is resumed or ends.
  const lastReport = new Map<string, ChildBlocksReport>();
  setHandler(childBlocksSignal, (report) => {
    const child = running.get(report.workflowId);
    if (child === undefined || !newerReport(report, lastReport.get(report.workflowId))) return;
    lastReport.set(report.workflowId, report);
    childBlocked(progress, report.workflowId, child, report.blocks);
    setStatus(liveStatus(progress));
  });
  const childEnded = (workflowId: string) => {
    const child = running.get(workflowId);
    running.delete(workflowId);
    lastReport.delete(workflowId);
    if (child !== undefined && progress.blocks.some((b) => b.workflowId === workflowId)) {
      childBlocked(progress, workflowId, child, []);
      setStatus(liveStatus(progress));
    }
  };
  warnOnUnknownSignals((message) => {
    (progress.warnings ??= []).push(message);
    showDetails();
  });
  upsertSearchAttributes([
    { key: SearchAttributes.experimentId, value: experimentId },
    { key: SearchAttributes.status, value: 'running' },
  ]);
  try {
    const result = await runExperiment(config, options, experimentId, startedAt, progress, { running, ended: childEnded }, () => changes, () => changes++, showDetails);
    setStatus(result.status);
    return result;
  } catch (err) {
    setStatus('failed');
    throw err;
  }
}

async function runExperiment(
  config: ExperimentConfigInput, options: ExperimentRunOptions, experimentId: string, startedAt: string, progress: ExperimentProgress,
  children: { running: Map<string, string>; ended: (workflowId: string) => void },
  changesNow: () => number, changed: () => void, showDetails: () => void,
): Promise<ExperimentResult> {
  const prepared = await prepareExperiment({ config });
  upsertMemo({ configHash: prepared.configHash, version: prepared.version, name: prepared.config.name });
  upsertSearchAttributes([{ key: SearchAttributes.task, value: prepared.config.task }]);
  if (options.scheduleId) upsertMemo({ scheduleId: options.scheduleId });
  // A nightly re-run measures tonight's models: its own cache keys (the cache still serves its
  // retries and repeated calls); an unscheduled run shares the cache as before.
  const run = startRun(progress, prepared, options.scheduleId ? { cacheScope: experimentId } : {});

  // ---- optimization: each stage as a child, as soon as the plan says it can start
  let fatal: unknown;
  const runStage = async (call: StageCall) => {
    children.running.set(call.workflowId, `stage ${call.input.stage}`);
    showDetails();
    try {
      const res = await executeChild(gepaStage, {
        workflowId: call.workflowId, args: [call.input], parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `${experimentId}: stage ${call.input.stage} (arm ${call.input.arm}) on ${call.input.taskModel}, reflector ${call.input.reflector}, grant ${call.input.grant.amount} ${call.input.grant.unit}`,
      });
      stageFinished(run, call, res);
    } catch (err) {
      if (err instanceof ChildWorkflowFailure) stageFailed(run, call);
      else fatal ??= err;
    } finally {
      children.ended(call.workflowId);
      changed();
      showDetails();
    }
  };
  for (;;) {
    for (const call of nextStages(run)) void runStage(call);
    if (fatal !== undefined) throw fatal;
    if (stagesSettled(run)) break;
    const seen = changesNow();
    await condition(() => changesNow() !== seen);
  }

  // ---- analysis: each stage's accepted candidates on the other model's validation set
  const toScore = transferStages(run);
  const pools = new Map<string, GepaSummary['pool']>();
  for (const key of new Set(toScore.flatMap((t) => [t.summaryKey, t.continuedSummaryKey ?? []].flat()))) {
    pools.set(key, ((await loadJson({ key })) as GepaSummary).pool);
  }
  // An evaluatePrompt child (a transfer scoring or a test evaluation); signals reach it while it runs.
  const evaluate = async <C extends TransferCall | EvaluationCall>(call: C, done: (call: C, res: EvaluateResult) => void) => {
    const what = 'stage' in call ? `transfer scoring of ${call.candidate}` : `test evaluation of arm ${call.input.arm}`;
    children.running.set(call.workflowId, `${what} on ${call.input.model}`);
    try {
      done(call, await executeChild(evaluatePrompt, {
        workflowId: call.workflowId, args: [call.input], parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `${experimentId}: ${what} on ${call.input.model}`,
      }));
    } finally {
      children.ended(call.workflowId);
      showDetails();
    }
  };
  await Promise.all(startTransfers(run, toScore, (key) => pools.get(key)!).map((c) => evaluate(c, (x, res) => transferFinished(run, x, res))));

  // ---- evaluation of every finished arm's prompt on the test split
  await Promise.all(startEvaluations(run).map((c) => evaluate(c, (x, res) => evaluationFinished(run, x, res))));

  // ---- report
  const sources = reportSources(run, { startedAt, finishedAt: new Date(Date.now()).toISOString() });
  const reportSourcesKey = await storeJson({ value: sources });
  const report = await writeExperimentReport({ sourcesKey: reportSourcesKey });
  return experimentResult(run, sources, report, reportSourcesKey);
}

/** The experiment's Markdown details for the Web UI: status, then one row per stage and evaluation. */
function experimentDetails(p: ExperimentProgress & { warnings?: string[] }, status: string): string {
  const blocked = new Set(p.blocks.map((b) => b.workflowId));
  const rows = p.stages.map((s) =>
    `| ${s.arm} | ${s.stage} | ${blocked.has(s.workflowId) ? 'blocked' : s.status} | ${s.spent ?? '-'}/${s.grant} ${s.unit} | ${s.best === undefined ? '-' : s.best.toFixed(3)} (val) |`);
  const evals = p.evaluations.map((e) => `| ${e.arm} | test on ${e.model} | ${blocked.has(e.workflowId) ? 'blocked' : e.status} | | ${e.accuracy === undefined ? '-' : e.accuracy.toFixed(3)} (test, ${e.model}) |`);
  return [
    `**${p.experimentId}**: ${status}, ${p.phase}${p.paused ? ' (paused)' : ''}`,
    ...(p.blocked ? [`> ${p.blocked} (fix it, then send the resume signal: lsl resume ${p.experimentId})`] : []),
    ...(p.warnings ?? []).map((w) => `> warning: ${w}`),
    '',
    '| arm | stage | status | spend/grant | best score |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    ...evals,
  ].join('\n');
}
