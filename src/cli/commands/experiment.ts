/** Experiment commands: validate, plan, run, pause/resume/stop, report, schedule. */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { experimentIdFor, planExperiment, planPower, type ExperimentConfig } from '../../core/experiment';
import { catalogFromRegistry, loadExperimentConfig, taskPoolSizes } from '../../experiment/load';
import { datasetsDir, homePaths } from '../../paths';
import { fetchReport, reportDirFor, writeReportFromSources } from '../../report';
import { defaultStore } from '../../workers/worker';
import { TASK_QUEUE } from '../../workers/names';
import { ControlSignals, type ControlSignalName } from '../../workflows/control';
import { experiment, experimentProgressQuery, type ExperimentProgress, type ExperimentResult } from '../../workflows/experiment';
import { resumeHint } from '../blocked';
import { liveStages, type LiveStage } from '../live-stages';
import { renderPlan, renderPowerPlan } from '../plan-text';
import { answerPrimary, summarizeResults } from '../../core/stats';
import {
  EXPORT_FORMATS, loadProblemResults, loadTeacherRecords, parseResultsJsonl, primaryComparison, readReportSources, TEACHER_FORMAT, writeExport, writeTeacherExport, type ExportFormat,
} from '../../report';
import { stopLabel } from '../../report/stops';
import { UsageError } from '../errors';
import { printResult, resultWithProgress, table } from '../progress';
import { runDirFor, safeId } from '../runs';
import { writeSeriesReport, type SeriesRun } from '../../report/series';
import { openSession } from '../session';
import { loadRegistryOrUsage } from '../validate-input';
import { connectClient } from './basics';


/** Reads and validates a config file; ConfigError lists every problem as `file:line: path: message`. */
export async function readConfig(file: string): Promise<{ config: ExperimentConfig; raw: ExperimentConfig }> {
  const registry = loadRegistryOrUsage();
  const config = await loadExperimentConfig(file, { registry, poolSizes: (t) => taskPoolSizes(t, datasetsDir()) });
  // The workflow input is the parsed config as plain JSON: what `temporal workflow start --input-file` would send.
  return { config, raw: JSON.parse(JSON.stringify(config)) as ExperimentConfig };
}

export async function validateCommand(file: string): Promise<void> {
  const { config } = await readConfig(file);
  process.stdout.write(`${file}: ok (experiment id ${experimentIdFor(config)})\n`);
}

export async function planCommand(file: string, flags: { json?: boolean; pilot?: string }): Promise<void> {
  const { config } = await readConfig(file);
  const plan = planExperiment(config, catalogFromRegistry(loadRegistryOrUsage()));
  const power = planPower(config, flags.pilot ? pilotDiscordance(flags.pilot, config) : undefined);
  process.stdout.write(flags.json ? JSON.stringify({ ...plan, power }) + '\n' : renderPlan(plan) + renderPowerPlan(power) + '\n');
}

/** The run directory of an experiment id, or the directory itself when given one. */
function runDirOf(idOrDir: string): string {
  return fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory() ? idOrDir : path.join(homePaths.runs(), idOrDir);
}

/** The discordance of the primary comparison measured on a finished pilot run's results.jsonl. */
function pilotDiscordance(idOrDir: string, config: ExperimentConfig): { discordance: number; source: string } {
  const file = path.join(runDirOf(idOrDir), 'report', 'results.jsonl');
  if (!fs.existsSync(file)) throw new UsageError(`--pilot ${idOrDir}: no ${file} (give a finished run's id or directory)`);
  const summary = summarizeResults(parseResultsJsonl(fs.readFileSync(file, 'utf8'), file), { resamples: 1 });
  const primary = primaryComparison({ config, models: [{ role: 'large', name: config.models.large }, { role: 'small', name: config.models.small }] });
  const answer = answerPrimary(summary, primary);
  if (answer.perRepeat.length === 0) throw new UsageError(`--pilot ${idOrDir}: ${file} has no ${primary.a} − ${primary.b} pair on ${primary.model}`);
  const rate = answer.perRepeat.reduce((t, p) => t + (p.onlyA + p.onlyB) / p.n, 0) / answer.perRepeat.length;
  if (rate === 0) throw new UsageError(`--pilot ${idOrDir}: ${primary.a} and ${primary.b} agree on every problem; no discordance to plan with`);
  return { discordance: rate, source: `measured on pilot ${path.basename(runDirOf(idOrDir))}` };
}

function renderExperimentProgress(p: ExperimentProgress, live: Map<string, LiveStage>): string {
  const stages = p.stages.map((s) => {
    const l = live.get(s.workflowId);
    const spent = s.spent ?? l?.spent;
    const best = s.best ?? l?.best ?? null;
    return `${s.stage}:${s.status === 'running' ? '>' : s.status === 'completed' ? 'ok' : s.status}` +
      (spent !== undefined ? ` ${spent}/${s.grant}` : '') + (best !== null ? ` ${best.toFixed(2)}` : '');
  });
  const evals = p.evaluations.length ? `  eval ${p.evaluations.filter((e) => e.status === 'completed').length}/${p.evaluations.length}` : '';
  // A run started before blocks were reported has no `blocked` field.
  const blocked = p.blocked ? `  ${resumeHint(p.blocked, p.experimentId)}` : '';
  return `[${p.phase}${p.paused ? ', paused' : ''}${p.stopRequested ? ', stopping' : ''}] ${stages.join(' | ')}${evals}${blocked}`;
}

/** Shows the experiment's progress, with each running stage's own spend and best score. */
async function watch(client: Client, id: string): Promise<ExperimentResult> {
  return resultWithProgress(client.workflow.getHandle<typeof experiment>(id), experimentProgressQuery,
    async (p) => renderExperimentProgress(p, await liveStages(client, p.stages)), { intervalMs: 1000 });
}

/** Stages of an arm that ended before their grant was spent: "; base stopped: every training minibatch perfect, 20 of 40 unspent". */
function stopNotes(a: ExperimentResult['arms'][number]): string {
  const early = a.stages.filter((s) => s.stopReason && s.stopReason !== 'budget' && s.unspent > 0);
  return early.map((s) => `; ${s.stage} stopped: ${stopLabel(s.stopReason)}, ${s.unspent} of ${s.grant} unspent`).join('');
}

export function runSummary(r: ExperimentResult) {
  return {
    experimentId: r.experimentId,
    status: r.status,
    simulated: r.simulated,
    report: r.report.html,
    reportDir: r.report.dir,
    arms: r.arms.map((a) => ({ arm: a.arm, repeat: a.repeat, finished: a.finished, grant: a.grant, spent: a.spent, unit: a.unit, testAccuracy: a.testAccuracy, stages: a.stages })),
  };
}

export async function runCommand(file: string, flags: { json?: boolean; id?: string; worker?: boolean }): Promise<void> {
  const { config, raw } = await readConfig(file);
  const experimentId = flags.id ?? experimentIdFor(config);
  const runDir = runDirFor(experimentId);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const registry = loadRegistryOrUsage();
  const usesSim = [config.models.large, config.models.small].some((m) => registry.get(m).provider === 'sim');
  const session = await openSession({ runDir, needsSim: usesSim, simLatencyMs: config.simulator?.latencyMs, startWorker: flags.worker !== false, log });
  let report = () => undefined as void;
  try {
    await session.client.workflow.start(experiment, { taskQueue: TASK_QUEUE, workflowId: experimentId, args: [raw] });
    log(`experiment ${experimentId} started`);
    const r = await watch(session.client, experimentId);
    fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify(r, null, 2));
    // A report published in a shared store is fetched to this machine too.
    const store = defaultStore();
    if (store.shared) {
      const dir = path.join(runDir, 'report');
      if (await fetchReport(store.runs, experimentId, dir)) {
        log(`report in the store: ${r.report.dir}`);
        const here = (f: string) => path.join(dir, path.basename(f));
        r.report = { dir, html: here(r.report.html), markdown: here(r.report.markdown), latex: here(r.report.latex), jsonl: here(r.report.jsonl) };
      }
    }
    const out = table([
      ['experiment', `${r.experimentId} (${r.status})${r.simulated ? ' SIMULATED MODELS' : ''}`],
      ...r.arms.map((a): [string, string] => [
        `arm ${a.arm}${r.arms.some((x) => x.repeat > 0) ? ` #${a.repeat}` : ''}`,
        `${a.finished ? '' : '(unfinished) '}spent ${a.spent}/${a.grant} ${a.unit}; test ${Object.entries(a.testAccuracy).map(([m, v]) => `${m} ${v.toFixed(3)}`).join(', ') || '-'}${stopNotes(a)}`,
      ]),
      ['report', r.report.html],
    ]);
    report = () => {
      printResult(out, runSummary(r), flags.json);
      if (!process.env.TEMPORAL_ADDRESS) {
        log(`to browse this run in the Temporal Web UI again: temporal server start-dev --db-filename ${path.join(runDir, 'temporal.db')} --ui-port 8233`);
      }
    };
  } finally {
    await session.close();
  }
  // Printed after the session closed, so nothing the dev server says on exit comes after the JSON line.
  report();
}

export async function signalCommand(signal: ControlSignalName, id: string): Promise<void> {
  const client = await connectClient();
  try {
    await client.workflow.getHandle(id).signal(ControlSignals[signal]);
    process.stdout.write(`${signal} sent to ${id}\n`);
  } finally {
    await client.connection.close();
  }
}

/** A finished experiment's result: from its run directory, else from the server by id. */
async function finishedResult(idOrDir: string): Promise<ExperimentResult> {
  const resultFile = path.join(runDirOf(idOrDir), 'result.json');
  if (fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ExperimentResult;
  const client = await connectClient();
  try {
    return await client.workflow.getHandle<typeof experiment>(idOrDir).result();
  } finally {
    await client.connection.close();
  }
}

/** Rewrites a report from a finished experiment's stored artifacts (by id via the server, or from its run directory). */
export async function reportCommand(idOrDir: string | undefined, flags: { series?: string } = {}): Promise<void> {
  if (flags.series !== undefined) {
    if (idOrDir !== undefined) throw new UsageError(`lsl report: give a run id or --series <schedule id>, not both`);
    return seriesCommand(flags.series);
  }
  if (idOrDir === undefined) throw new UsageError('lsl report: give a run id (or run directory), or --series <schedule id>');
  const shared = defaultStore();
  const isDir = fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory();
  if (!isDir && shared.shared) {
    const fetched = await fetchReport(shared.runs, idOrDir, reportDirFor(homePaths.runs(), idOrDir));
    if (fetched) {
      process.stdout.write(`${fetched.filter((f) => /\.(html|md|tex)$/.test(f)).join('\n')}\n`);
      return;
    }
  }
  const result = await finishedResult(idOrDir);
  const { files } = await writeReportFromSources({ store: shared.artifacts, runsDir: homePaths.runs() }, result.reportSourcesKey);
  process.stdout.write(`${files.html}\n${files.markdown}\n${files.latex}\n`);
}

/** The finished runs of a schedule (Temporal marks each with the schedule's id), each with its start time. */
async function scheduleRuns(client: Client, scheduleId: string): Promise<SeriesRun[]> {
  const runs: SeriesRun[] = [];
  for await (const w of client.workflow.list({ query: `TemporalScheduledById = ${JSON.stringify(scheduleId)} AND ExecutionStatus = "Completed"` })) {
    const r = await client.workflow.getHandle<typeof experiment>(w.workflowId, w.runId).result();
    runs.push({ experimentId: r.experimentId, startedAt: w.startTime.toISOString(), status: r.status, simulated: r.simulated, arms: r.arms });
  }
  return runs;
}

/** `lsl report --series <schedule id>`: each arm's test accuracy across the schedule's finished runs. */
async function seriesCommand(scheduleId: string): Promise<void> {
  const client = await connectClient();
  let runs: SeriesRun[];
  try {
    runs = await scheduleRuns(client, scheduleId);
  } finally {
    await client.connection.close();
  }
  if (runs.length === 0) throw new UsageError(`--series ${scheduleId}: the server has no finished run of that schedule`);
  const files = await writeSeriesReport(scheduleId, runs, path.join(homePaths.runs(), safeId(scheduleId), 'series'));
  process.stdout.write(`${files.html}\n${files.markdown}\n`);
}

/** Writes a finished experiment's tidy tables (results, prompts, lineage, stages) as CSV or JSONL. */
export async function exportCommand(idOrDir: string, flags: { format: string; out?: string }): Promise<void> {
  const formats = [...EXPORT_FORMATS, TEACHER_FORMAT];
  if (!formats.includes(flags.format)) throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${flags.format}'`);
  const result = await finishedResult(idOrDir);
  const store = defaultStore().artifacts;
  const { src, input } = await readReportSources(store, result.reportSourcesKey);
  const dir = path.resolve(flags.out ?? path.join(homePaths.runs(), result.experimentId, 'export'));
  if (flags.format === TEACHER_FORMAT) {
    if (!src.arms.some((a) => a.teacher)) throw new UsageError(`--format ${TEACHER_FORMAT}: run ${result.experimentId} has no wst arm (add 'wst' to its arms)`);
    process.stdout.write(`${await writeTeacherExport(await loadTeacherRecords(store, src), dir)}\n`);
    return;
  }
  const files = await writeExport(input, await loadProblemResults(store, src), dir, flags.format as ExportFormat);
  process.stdout.write(files.map((f) => `${f}\n`).join(''));
}

export async function scheduleCreateCommand(file: string, flags: { cron: string; id?: string }): Promise<void> {
  const { config, raw } = await readConfig(file);
  const client = await connectClient();
  const scheduleId = flags.id ?? `sched-${experimentIdFor(config)}`;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: [flags.cron] },
      action: { type: 'startWorkflow', workflowType: experiment, taskQueue: TASK_QUEUE, workflowId: experimentIdFor(config), args: [raw, { scheduleId }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true },
      memo: { config: path.basename(file) },
    });
    process.stdout.write(`schedule ${scheduleId} created (${flags.cron})\n`);
  } finally {
    await client.connection.close();
  }
}

export async function scheduleListCommand(flags: { json?: boolean }): Promise<void> {
  const client = await connectClient();
  try {
    const rows: unknown[] = [];
    for await (const s of client.schedule.list()) {
      rows.push({ scheduleId: s.scheduleId, paused: s.state.paused, nextActionTimes: s.info.nextActionTimes.map((d) => d.toISOString()), workflowType: s.action?.workflowType });
    }
    process.stdout.write(flags.json ? JSON.stringify(rows) + '\n' : rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : 'no schedules\n'));
  } finally {
    await client.connection.close();
  }
}

export async function scheduleDeleteCommand(id: string): Promise<void> {
  const client = await connectClient();
  try {
    await client.schedule.getHandle(id).delete();
    process.stdout.write(`schedule ${id} deleted\n`);
  } finally {
    await client.connection.close();
  }
}

export async function scheduleTriggerCommand(id: string): Promise<void> {
  const client = await connectClient();
  try {
    // The schedule's own overlap policy (SKIP: not while its last run is still going), not ALLOW_ALL.
    const handle = client.schedule.getHandle(id);
    await handle.trigger((await handle.describe()).policies.overlap);
    process.stdout.write(`schedule ${id} triggered\n`);
  } finally {
    await client.connection.close();
  }
}
