/**
 * From an experiment's report sources (what the workflow stored: artifact keys of every stage's
 * summary and every evaluation's rollouts) to the report. `reportInputFrom` is a pure mapping;
 * `writeReportFromSources` reads the artifacts through the store it is given and writes the files
 * (the report activity at the end of a run, and `lsl report` afterwards).
 */
import path from 'node:path';
import { summarizeAccount } from '../core/budget';
import type { ReportSources, StageRef } from '../core/experiment';
import type { OptimizerSummary } from '../core/optimizer/types';
import type { SearchSummaryExtras } from '../core/optimizers';
import type { ArtifactStore } from '../store/artifacts';
import type { CandidateRecord, ModelRecord, ProblemResult, ReportFiles, ReportInput, StageRecord } from './types';
import type { TeacherRecord } from './export';
import { writeReport } from './write';

/** The fields of a stored rollout record the report reads (one JSONL line of an evaluation). */
interface StoredRollout {
  id: string;
  sampleIndex: number;
  score: number;
  extracted?: string | null;
  feedback?: string;
  outputKey?: string;
  error?: string;
  /** The teacher's call of a teacher-then-student rollout (wst). */
  teacher?: { model: string; instruction: string; problem?: string; error?: string };
}

/** Every stage summary the report needs, by artifact key. */
export function summaryKeys(src: ReportSources): string[] {
  return [...new Set(src.arms.flatMap((a) => a.stages.map((s) => s.summaryKey)))];
}

/** A stage summary as the report reads it: any optimizer's, plus the searches' full lineage when present. */
type StageSummary = OptimizerSummary & Partial<Pick<SearchSummaryExtras, 'explored'>>;

/**
 * The kept candidates a candidate descends from. The searches (OPRO, EvoPrompt, PromptBreeder)
 * validate only new bests, so a parent may be a candidate that never entered the pool: follow
 * `explored` up to the nearest kept ancestors, so the lineage table names only listed rows.
 */
export function keptAncestors(parents: string[], kept: Set<string>, explored: Map<string, string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (kept.has(id) || !explored.has(id)) out.push(id);
    else for (const p of explored.get(id)!) visit(p);
  };
  for (const p of parents) visit(p);
  return out;
}

function stageRecord(ref: StageRef, all: StageRef[], summaryOf: (key: string) => StageSummary): StageRecord {
  const summary = summaryOf(ref.summaryKey);
  const acc = summarizeAccount(ref.stage, ref.account);
  const prev = ref.continued ? all.find((s) => s.stage === ref.continued) : undefined;
  // A continued stage's pool starts with its predecessor's candidates: list only its own.
  const inherited = new Set(prev ? summaryOf(prev.summaryKey).pool.map((c) => c.candidate.id) : []);
  const kept = new Set([...inherited, ...summary.pool.map((c) => c.candidate.id)]);
  const explored = new Map((summary.explored ?? []).map((e) => [e.id, e.parents]));
  const candidates: CandidateRecord[] = summary.pool
    .filter((c) => !inherited.has(c.candidate.id))
    .map((c) => ({
      id: `${ref.stage}/${c.candidate.id}`,
      parents: keptAncestors(c.candidate.parents, kept, explored).map((p) => `${inherited.has(p) ? ref.continued : ref.stage}/${p}`),
      origin: c.origin,
      discoveredAtSpend: c.discoveredAtSpend,
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
    stopReason: summary.stopReason,
    ...(ref.transfer?.length ? { transfer: ref.transfer } : {}),
    ...(acc.spentOfGrant !== null ? { spentOfGrant: acc.spentOfGrant } : {}),
  };
}

/** The report's input from its sources and the stage summaries they name (pure). */
export function reportInputFrom(
  src: ReportSources,
  summaryOf: (key: string) => StageSummary,
  versions: Record<string, string> = {},
): ReportInput {
  const { prepared } = src;
  const arms: ReportInput['arms'] = src.arms.map((a) => ({
    arm: a.arm as ReportInput['arms'][number]['arm'], repeat: a.repeat, finished: a.finished, finalPrompt: a.finalPrompt, grant: a.grant,
    ...(a.teacher ? { teacher: a.teacher } : {}),
    stages: a.stages.map((s) => stageRecord(s, a.stages, summaryOf)),
  }));
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
    versions,
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
    evaluation: { ledger: src.evaluationLedger, ...(src.analysisLedger ? { analysis: src.analysisLedger } : {}) },
  };
}

/** Every test rollout of the sources' evaluations, with its output text. */
export async function loadProblemResults(store: ArtifactStore, src: ReportSources): Promise<ProblemResult[]> {
  const out: ProblemResult[] = [];
  for (const e of src.evaluations) {
    const text = await store.getText(e.resultsKey);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as StoredRollout;
      out.push({
        repeat: e.repeat, arm: e.arm, model: e.model, id: r.id, sample: r.sampleIndex, score: r.score,
        extracted: r.extracted, feedback: r.feedback,
        output: r.outputKey ? await store.getText(r.outputKey) : r.error ?? '',
      } as ProblemResult);
    }
  }
  return out;
}

/**
 * The teacher-then-student rollouts of every wst arm's test evaluation, in evaluation order, as
 * RL-trainer records (`lsl export --format wst-jsonl`); refused ones left out. Empty when no arm
 * has a teacher.
 */
export async function loadTeacherRecords(store: ArtifactStore, src: ReportSources): Promise<TeacherRecord[]> {
  const out: TeacherRecord[] = [];
  const split = src.prepared.testPool;
  for (const e of src.evaluations) {
    const arm = src.arms.find((a) => a.repeat === e.repeat && a.arm === e.arm);
    if (!arm?.teacher) continue;
    for (const line of (await store.getText(e.resultsKey)).split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as StoredRollout;
      if (!r.teacher || r.error || r.teacher.error || !r.outputKey) continue;
      const problem = r.teacher.problem ?? '';
      const answer = await store.getText(r.outputKey);
      out.push({
        repeat: e.repeat, arm: e.arm, split, id: r.id, sample: r.sampleIndex, teacher_model: r.teacher.model, student_model: e.model,
        teacher_prompt: arm.finalPrompt, problem, teacher_instruction: r.teacher.instruction, student_answer: answer, reward: r.score,
        prompt: [{ role: 'system', content: arm.finalPrompt }, { role: 'user', content: problem }],
        completion: [{ role: 'assistant', content: r.teacher.instruction }],
      });
    }
  }
  return out;
}

/** Where an experiment's report goes under the runs directory. */
export function reportDirFor(runsDir: string, experimentId: string): string {
  return path.join(runsDir, experimentId, 'report');
}

/** An experiment's stored sources and the report input built from them (the report, and `lsl export`). */
export async function readReportSources(store: ArtifactStore, sourcesKey: string): Promise<{ src: ReportSources; input: ReportInput }> {
  const src = await store.getJson<ReportSources>(sourcesKey);
  const summaries = new Map<string, StageSummary>();
  for (const key of summaryKeys(src)) summaries.set(key, await store.getJson<StageSummary>(key));
  return { src, input: reportInputFrom(src, (key) => summaries.get(key)!, { node: process.version }) };
}

/** Writes an experiment's report from its stored sources into `<runsDir>/<experimentId>/report`. */
export async function writeReportFromSources(
  deps: { store: ArtifactStore; runsDir: string },
  sourcesKey: string,
): Promise<{ dir: string; files: ReportFiles }> {
  const { src, input } = await readReportSources(deps.store, sourcesKey);
  const dir = reportDirFor(deps.runsDir, src.experimentId);
  const files = await writeReport(input, dir, { loadResults: () => loadProblemResults(deps.store, src) });
  return { dir, files };
}
