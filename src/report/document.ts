/**
 * What the report says, in order: the answer to the research question (answer.ts), then
 * configuration, models, splits, the ledger (with why each stage stopped), learning curves, test
 * accuracy, the cost view, pairwise comparisons (secondary ones Holm-adjusted), repeats, prompts
 * and their diff, what each stage wrote into the prompt (mutations.ts), the candidate lineage,
 * and the problems one arm solves and the other does not. Every statistic comes from the
 * summary (summarizeResults of the per-problem results); nothing is computed twice.
 */
import { stringify as toYaml } from 'yaml';
import { compareArms, problemOutcomes, type ProblemResult, type ResultsSummary } from '../core/stats';
import type { Block } from './blocks';
import {
  formatCount,
  formatDuration,
  formatGrant,
  formatInterval,
  formatP,
  formatPercent,
  formatPoints,
  formatPointsInterval,
  formatScore,
  formatUsd,
} from './format';
import { answerSection, holmByPair } from './answer';
import { lineDiff } from './line-diff';
import { mutationsSection, uniqueStages } from './mutations';
import { redactSecrets } from './redact';
import { armSpent, formatUnspent } from './spend';
import { stopLabel } from './stops';
import type { ArmRecord, EvaluationLedgerEntry, ReportInput, Spent } from './types';

export const SIMULATED_BANNER = 'SIMULATED MODELS — not real model results';

/** Outputs longer than this are cut in the report (results.jsonl keeps them whole). */
const OUTPUT_CHARS = 3000;
/** Problems listed per direction and pair in "solved by one arm only". */
const LISTED_PROBLEMS = 25;

export interface DocumentContext {
  input: ReportInput;
  results: readonly ProblemResult[];
  summary: ResultsSummary;
  /** Names of the charts that were drawn. */
  charts: { name: string; title: string; caption: string }[];
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function durationBetween(startIso: string, endIso: string): string {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : 'unknown';
}

function sortArms(arms: readonly ArmRecord[]): ArmRecord[] {
  return [...arms].sort((x, y) => x.repeat - y.repeat || compareArms(x.arm, y.arm));
}

function armLabel(arm: ArmRecord, multi: boolean): string {
  return multi ? `${arm.arm} (repeat ${arm.repeat})` : arm.arm;
}

function truncate(text: string): string {
  return text.length <= OUTPUT_CHARS ? text : `${text.slice(0, OUTPUT_CHARS)}\n… [${formatCount(text.length - OUTPUT_CHARS)} more characters in results.jsonl]`;
}

/** Title and banners: what a reader must see before any number. */
function title(input: ReportInput): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: `LSL experiment report: ${input.name}` }];
  if (input.simulated) {
    blocks.push({
      kind: 'notice',
      tone: 'simulated',
      text: `${SIMULATED_BANNER}. The models marked simulated below are the project's simulator: these numbers show that the pipeline runs, not how real models behave.`,
    });
  }
  const unfinished = input.arms.filter((a) => !a.finished);
  if (input.status !== 'completed' || unfinished.length > 0) {
    const multi = input.repeats > 1;
    const list = (arms: ArmRecord[]) => (arms.length ? sortArms(arms).map((a) => armLabel(a, multi)).join(', ') : 'none');
    const finished = input.arms.filter((a) => a.finished);
    blocks.push({
      kind: 'notice',
      tone: 'warning',
      text:
        `This run ${input.status === 'completed' ? 'completed with unfinished arms' : `was ${input.status} before it completed`}. ` +
        `Finished arms: ${list(finished)}. Not finished: ${list(unfinished)}. ` +
        'Results below cover only the prompts that were evaluated on the test split.',
    });
  }
  return blocks;
}

function header(input: ReportInput): Block[] {
  const rows: string[][] = [
    ['Experiment id', input.experimentId],
    ['Name', input.name],
    ['Task', input.task],
    ['Status', input.status],
    ['Started', input.startedAt],
    ['Finished', input.finishedAt],
    ['Wall time', durationBetween(input.startedAt, input.finishedAt)],
    ['lsl version', input.version],
    ['Config hash', input.configHash],
    ['Repeats', String(input.repeats)],
    ['Simulated models', yesNo(input.simulated)],
    ...Object.entries(input.versions ?? {}).map(([k, v]) => [`Version: ${k}`, v]),
  ];
  return [{ kind: 'heading', level: 2, text: 'Run' }, { kind: 'table', header: ['Field', 'Value'], rows }];
}

function models(input: ReportInput): Block[] {
  const price = (p: number | undefined) => (p === undefined ? 'unknown' : `$${p}`);
  return [
    { kind: 'heading', level: 2, text: 'Models' },
    {
      kind: 'table',
      header: ['Role', 'Name', 'Model id', 'Provider', 'Simulated', 'Input $/M tokens', 'Output $/M tokens'],
      rows: input.models.map((m) => [m.role, m.name, m.model, m.provider, yesNo(m.simulated), price(m.priceInputPerM), price(m.priceOutputPerM)]),
      numeric: [false, false, false, false, false, true, true],
    },
  ];
}

function splits(input: ReportInput): Block[] {
  const s = input.splits;
  const ids = (name: string, list: string[]): Block => ({ kind: 'details', summary: `${name} ids (${list.length})`, blocks: [{ kind: 'code', text: list.join('\n') }] });
  return [
    { kind: 'heading', level: 2, text: 'Data splits' },
    {
      kind: 'paragraph',
      text: `Task ${input.task}, splits drawn with seed ${s.seed}: train ${formatCount(s.train.length)} (reflection minibatches), validation ${formatCount(s.val.length)} (Pareto set), test ${formatCount(s.test.length)} (held out, evaluated once per arm and model).`,
    },
    ids('train', s.train),
    ids('validation', s.val),
    ids('test', s.test),
  ];
}

function configuration(input: ReportInput): Block[] {
  return [
    { kind: 'heading', level: 2, text: 'Configuration' },
    { kind: 'code', language: 'yaml', text: toYaml(redactSecrets(input.config) ?? null).trimEnd() },
  ];
}

function ledger(input: ReportInput): Block[] {
  const multi = input.repeats > 1;
  const spentCells = (s: Spent) => [
    formatCount(s.metricCalls),
    formatCount(s.redoneMetricCalls),
    formatCount(s.reflectionCalls),
    formatCount(s.inputTokens),
    formatCount(s.outputTokens),
    formatUsd(s.usd),
    formatDuration(s.wallMs),
  ];
  const rows: string[][] = [];
  for (const arm of sortArms(input.arms)) {
    for (const st of arm.stages) {
      rows.push([armLabel(arm, multi), st.stage, st.taskModel, st.reflector, formatGrant(st.grant), ...spentCells(st.spent), stopLabel(st.stopReason), formatUnspent(st)]);
    }
    if (arm.stages.length > 1) rows.push([armLabel(arm, multi), 'arm total', '', '', formatGrant(arm.grant), ...spentCells(armSpent(arm)), '', '']);
  }
  const usageTable = (ev: EvaluationLedgerEntry[]): Block => {
    const total = ev.reduce((t, e) => ({ calls: t.calls + e.calls, inputTokens: t.inputTokens + e.inputTokens, outputTokens: t.outputTokens + e.outputTokens, usd: t.usd + e.usd }), {
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      usd: 0,
    });
    return {
      kind: 'table',
      header: ['Model', 'Calls', 'Input tokens', 'Output tokens', 'USD'],
      rows: [
        ...ev.map((e) => [e.model, formatCount(e.calls), formatCount(e.inputTokens), formatCount(e.outputTokens), formatUsd(e.usd)]),
        ['total', formatCount(total.calls), formatCount(total.inputTokens), formatCount(total.outputTokens), formatUsd(total.usd)],
      ],
      numeric: [false, true, true, true, true],
    };
  };
  const analysis = input.evaluation.analysis ?? [];
  const numeric = [false, false, false, false, true, true, true, true, true, true, true, true, false, true];
  return [
    { kind: 'heading', level: 2, text: 'Ledger' },
    {
      kind: 'paragraph',
      text: 'Optimization spend per arm and stage. Shared stages (base) appear under every arm that builds on them. Re-done metric calls are work repeated after a crash or retry: recorded, not billed twice. "Stopped because" is why the stage ended; a stage that ended for any reason but its budget leaves part of its grant unspent.',
    },
    rows.length
      ? { kind: 'table', header: ['Arm', 'Stage', 'Task model', 'Reflector', 'Grant', 'Metric calls', 'Re-done', 'Reflection calls', 'Input tokens', 'Output tokens', 'USD', 'Wall time', 'Stopped because', 'Unspent grant'], rows, numeric }
      : { kind: 'paragraph', text: 'No optimization stage ran.' },
    { kind: 'heading', level: 3, text: 'Evaluation (test split, not optimization budget)' },
    usageTable(input.evaluation.ledger),
    ...(analysis.length
      ? [
          { kind: 'heading', level: 3, text: 'Analysis (transfer: candidates on the other model’s validation set, not optimization budget)' } as Block,
          usageTable(analysis),
        ]
      : []),
  ];
}

function chart(ctx: DocumentContext, name: string): Block[] {
  const c = ctx.charts.find((x) => x.name === name);
  return c ? [{ kind: 'chart', name: c.name, title: c.title, caption: c.caption }] : [];
}

function accuracy(ctx: DocumentContext): Block[] {
  const { summary, input } = ctx;
  const multi = input.repeats > 1;
  const ks = [...new Set(summary.accuracies.flatMap((a) => a.passAtK.map((p) => p.k)))].sort((x, y) => x - y);
  const rows = summary.accuracies.map((a) => [
    ...(multi ? [String(a.repeat)] : []),
    a.arm,
    a.model,
    formatCount(a.problems),
    formatCount(a.samples),
    formatPercent(a.accuracy),
    formatInterval(a.low, a.high),
    formatCount(a.solved),
    ...ks.map((k) => {
      const p = a.passAtK.find((x) => x.k === k);
      return p ? formatPercent(p.value) : '—';
    }),
  ]);
  const header = [...(multi ? ['Repeat'] : []), 'Arm', 'Model', 'Problems', 'Samples', 'Accuracy', '95% CI (Wilson)', 'Solved', ...ks.map((k) => `pass@${k}`)];
  return [
    { kind: 'heading', level: 2, text: 'Test accuracy' },
    {
      kind: 'paragraph',
      text: 'Accuracy is the mean over test problems of the fraction of correct samples (a sample is correct with full credit). The 95% Wilson interval counts problems, not samples. A problem is solved when more than half of its samples are correct. pass@k uses the unbiased estimator of Chen et al. (2021).',
    },
    summary.accuracies.length
      ? { kind: 'table', header, rows, numeric: header.map((h) => !['Repeat', 'Arm', 'Model'].includes(h)) }
      : { kind: 'paragraph', text: 'No test results were recorded.' },
    ...chart(ctx, 'accuracy'),
  ];
}

/** Test accuracy beside what producing each arm's prompt cost, since a small-model stage costs far less per metric call. */
function costView(ctx: DocumentContext): Block[] {
  const { input, summary } = ctx;
  const multi = input.repeats > 1;
  const models = [...new Set(summary.accuracies.map((a) => a.model))];
  const rows = sortArms(input.arms).map((arm) => {
    const s = armSpent(arm);
    return [
      armLabel(arm, multi), formatCount(s.metricCalls), formatCount(s.inputTokens + s.outputTokens), formatUsd(s.usd),
      ...models.map((m) => {
        const acc = summary.accuracies.find((a) => a.arm === arm.arm && a.repeat === arm.repeat && a.model === m);
        return acc ? formatPercent(acc.accuracy) : '—';
      }),
    ];
  });
  return [
    { kind: 'heading', level: 2, text: 'Cost view' },
    {
      kind: 'paragraph',
      text: 'What the optimization behind each arm’s prompt spent (its stages, shared ones included; test evaluation excluded) beside its test accuracy on each model.',
    },
    rows.length
      ? { kind: 'table', header: ['Arm', 'Metric calls', 'Tokens', 'USD', ...models.map((m) => `Accuracy on ${m}`)], rows, numeric: [false, true, true, true, ...models.map(() => true)] }
      : { kind: 'paragraph', text: 'No arm was recorded.' },
    ...chart(ctx, 'cost-usd'),
    ...chart(ctx, 'cost-tokens'),
  ];
}

function pairs(ctx: DocumentContext): Block[] {
  const { summary, input } = ctx;
  const multi = input.repeats > 1;
  const holm = holmByPair(ctx);
  const header = [...(multi ? ['Repeat'] : []), 'Model', 'Comparison (A − B)', 'Role', 'Problems', 'Accuracy A', 'Accuracy B', 'Difference', '95% CI (paired bootstrap)', 'Only A solves', 'Only B solves', 'McNemar exact p', 'Holm-adjusted p'];
  const rows = summary.pairs.map((p) => {
    const secondary = holm.get(`${p.repeat}/${p.model}/${p.a}/${p.b}`);
    return [
    ...(multi ? [String(p.repeat)] : []),
    p.model,
    `${p.a} − ${p.b}`,
    secondary ? 'secondary' : 'primary',
    formatCount(p.n),
    formatPercent(p.accuracyA),
    formatPercent(p.accuracyB),
    formatPoints(p.difference),
    formatPointsInterval(p.low, p.high),
    formatCount(p.onlyA),
    formatCount(p.onlyB),
    formatP(p.mcnemarP),
    secondary ? formatP(secondary.holmP) : '—',
  ];
  });
  return [
    { kind: 'heading', level: 2, text: 'Pairwise comparisons' },
    {
      kind: 'paragraph',
      text: `Every pair of arms on the same model, over the test problems both were graded on. The difference is in percentage points; its 95% interval is a percentile bootstrap over problems (${formatCount(summary.options.resamples)} resamples, seed ${summary.options.seed}). McNemar's exact test uses only the problems exactly one arm solves. The primary comparison is the one the Answer section reads; every other row is secondary, and its McNemar p is Holm-adjusted over all secondary rows (one family), since with this many comparisons some are "significant" by chance.`,
    },
    rows.length ? { kind: 'table', header, rows, numeric: header.map((h) => !['Repeat', 'Model', 'Comparison (A − B)', 'Role'].includes(h)) } : { kind: 'paragraph', text: 'No two arms were graded on the same model.' },
    ...chart(ctx, 'differences'),
  ];
}

function repeats(ctx: DocumentContext): Block[] {
  const over = ctx.summary.overRepeats;
  if (!over) return [];
  const sd = (x: number | null, f: (v: number) => string) => (x === null ? '—' : f(x));
  return [
    { kind: 'heading', level: 2, text: 'Across repeats' },
    { kind: 'paragraph', text: 'Each repeat reruns the experiment with a different seed. Standard deviations are sample standard deviations over repeats.' },
    {
      kind: 'table',
      header: ['Arm', 'Model', 'Repeats', 'Mean accuracy', 'SD', 'Per repeat'],
      rows: over.accuracies.map((a) => [a.arm, a.model, String(a.repeats), formatPercent(a.mean), sd(a.sd, (v) => `${(v * 100).toFixed(1)} pp`), a.perRepeat.map((r) => `r${r.repeat}: ${formatPercent(r.accuracy)}`).join(', ')]),
      numeric: [false, false, true, true, true, false],
    },
    {
      kind: 'table',
      header: ['Model', 'Comparison (A − B)', 'Repeats', 'Mean difference', 'SD', 'Per repeat', 'Signs (+ / − / tie)'],
      rows: over.differences.map((d) => [
        d.model,
        `${d.a} − ${d.b}`,
        String(d.repeats),
        formatPoints(d.mean),
        sd(d.sd, (v) => `${(v * 100).toFixed(1)} pp`),
        d.perRepeat.map((r) => `r${r.repeat}: ${formatPoints(r.difference)}`).join(', '),
        `${d.signs.positive} / ${d.signs.negative} / ${d.signs.zero}`,
      ]),
      numeric: [false, false, true, true, true, false, false],
    },
  ];
}

function prompts(input: ReportInput): Block[] {
  const multi = input.repeats > 1;
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Final prompts' }];
  for (const arm of sortArms(input.arms)) {
    blocks.push({ kind: 'heading', level: 3, text: `${armLabel(arm, multi)}${arm.finished ? '' : ' (not finished: best so far)'}` });
    if (arm.teacher) {
      blocks.push({
        kind: 'paragraph',
        text: `The teacher's prompt: ${arm.teacher} reads each problem with it and writes an instruction; the evaluated model answers with the seed prompt followed by that instruction (two calls per problem, both in the ledger).`,
      });
    }
    blocks.push({ kind: 'code', text: arm.finalPrompt });
  }
  const repeatIds = [...new Set(input.arms.map((a) => a.repeat))].sort((x, y) => x - y);
  for (const r of repeatIds) {
    const lsl = input.arms.find((a) => a.repeat === r && a.arm === 'lsl');
    const matched = input.arms.find((a) => a.repeat === r && a.arm === 'matched');
    if (!lsl || !matched) continue;
    const diff = lineDiff(matched.finalPrompt, lsl.finalPrompt);
    const added = diff.filter((d) => d.op === '+').length;
    const removed = diff.filter((d) => d.op === '-').length;
    blocks.push({ kind: 'heading', level: 3, text: `Diff: matched → lsl${multi ? ` (repeat ${r})` : ''}` });
    blocks.push({
      kind: 'paragraph',
      text: added + removed === 0 ? 'The two prompts are identical.' : `Lines starting with + are only in lsl's prompt (${added}), lines starting with − only in matched's (${removed}).`,
    });
    if (added + removed > 0) blocks.push({ kind: 'diff', lines: diff });
  }
  return blocks;
}

function lineage(input: ReportInput): Block[] {
  const multi = input.repeats > 1;
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Candidate lineage' },
    {
      kind: 'paragraph',
      text: 'Every candidate each stage kept, with its parents, how it was made, the metric calls its arm had spent when it was found, and its mean validation score on the stage’s task model. A stage shared by several arms (base) is listed once.',
    },
  ];
  // Each stage listed once per repeat, under the first arm in display order that includes it.
  for (const { repeat, stage: st, arms: users } of uniqueStages({ ...input, arms: sortArms(input.arms) })) {
    blocks.push({ kind: 'heading', level: 3, text: `Stage ${st.stage} on ${st.taskModel}${multi ? ` (repeat ${repeat})` : ''}: arms ${users.join(', ')}` });
    blocks.push({ kind: 'paragraph', text: `Stopped because: ${stopLabel(st.stopReason)}; unspent grant: ${formatUnspent(st)} of ${formatGrant(st.grant)}.` });
    if (st.candidates.length === 0) {
      blocks.push({ kind: 'paragraph', text: 'No candidate was recorded.' });
      continue;
    }
    blocks.push({
      kind: 'table',
      header: ['Candidate', 'Parents', 'Origin', 'Found at spend', 'Validation mean'],
      rows: st.candidates.map((c) => [c.id, c.parents.length ? c.parents.join(', ') : '—', c.origin, formatCount(c.discoveredAtSpend), formatScore(c.valMean)]),
      numeric: [false, false, false, true, true],
    });
    blocks.push({
      kind: 'details',
      summary: `Candidate texts (${st.candidates.length})`,
      blocks: st.candidates.flatMap((c): Block[] => [{ kind: 'paragraph', text: `${c.id} (validation mean ${formatScore(c.valMean)})` }, { kind: 'code', text: c.text }]),
    });
  }
  return blocks;
}

function solvedByOne(ctx: DocumentContext): Block[] {
  const { input, results } = ctx;
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Problems solved by one arm only' }];
  const large = input.models.find((m) => m.role === 'large');
  if (!large) {
    blocks.push({ kind: 'paragraph', text: 'No model has the role "large", so this section is empty.' });
    return blocks;
  }
  const outcomes = problemOutcomes(results);
  // First sample's row per (repeat, arm, model, id): the output shown.
  const firstSample = new Map<string, ProblemResult>();
  for (const r of results) {
    const k = `${r.repeat}\u0000${r.arm}\u0000${r.model}\u0000${r.id}`;
    const prev = firstSample.get(k);
    if (!prev || r.sample < prev.sample) firstSample.set(k, r);
  }
  const multi = input.repeats > 1;
  const repeatIds = [...new Set(outcomes.map((o) => o.repeat))];
  let any = false;
  for (const r of repeatIds) {
    for (const [a, b] of [['lsl', 'matched'], ['base', 'lsl']] as const) {
      const oa = outcomes.find((o) => o.repeat === r && o.model === large.name && o.arm === a);
      const ob = outcomes.find((o) => o.repeat === r && o.model === large.name && o.arm === b);
      if (!oa || !ob) continue;
      any = true;
      const ids = [...oa.problems.keys()].filter((id) => ob.problems.has(id)).sort();
      const onlyA = ids.filter((id) => oa.problems.get(id)!.solved && !ob.problems.get(id)!.solved);
      const onlyB = ids.filter((id) => !oa.problems.get(id)!.solved && ob.problems.get(id)!.solved);
      blocks.push({ kind: 'heading', level: 3, text: `${a} vs ${b} on ${large.name}${multi ? ` (repeat ${r})` : ''}` });
      blocks.push({ kind: 'paragraph', text: `${onlyA.length} problems solved by ${a} and not ${b}; ${onlyB.length} solved by ${b} and not ${a}. Outputs are each arm's first sample.` });
      for (const [winner, loser, list] of [[a, b, onlyA], [b, a, onlyB]] as const) {
        for (const id of list.slice(0, LISTED_PROBLEMS)) {
          const rows = [winner, loser].map((arm) => firstSample.get(`${r}\u0000${arm}\u0000${large.name}\u0000${id}`)!);
          blocks.push({
            kind: 'details',
            summary: `${id}: solved by ${winner}, not by ${loser}`,
            blocks: rows.flatMap((row): Block[] => [
              { kind: 'paragraph', text: `${row.arm}: score ${row.score}, extracted ${row.extracted === null ? '(none)' : JSON.stringify(row.extracted)}. Grader: ${row.feedback}` },
              { kind: 'code', text: truncate(row.output) },
            ]),
          });
        }
        if (list.length > LISTED_PROBLEMS) blocks.push({ kind: 'paragraph', text: `… and ${list.length - LISTED_PROBLEMS} more solved by ${winner} and not ${loser} (see results.jsonl).` });
      }
    }
  }
  if (!any) blocks.push({ kind: 'paragraph', text: `No pair of lsl/matched or base/lsl results on ${large.name} to compare.` });
  return blocks;
}

export function buildDocument(ctx: DocumentContext): Block[] {
  const { input } = ctx;
  return [
    ...title(input),
    ...answerSection(ctx),
    ...header(input),
    ...models(input),
    ...splits(input),
    ...configuration(input),
    ...ledger(input),
    { kind: 'heading', level: 2, text: 'Learning curves' },
    ...(ctx.charts.some((c) => c.name === 'learning-curves')
      ? chart(ctx, 'learning-curves')
      : [{ kind: 'paragraph', text: 'No learning curve was recorded.' } as Block]),
    { kind: 'heading', level: 2, text: 'Transfer and saturation' },
    ...(ctx.charts.some((c) => c.name === 'transfer')
      ? chart(ctx, 'transfer')
      : [{ kind: 'paragraph', text: 'No candidate of this run was scored on the other model’s validation set, so there is no transfer curve.' } as Block]),
    ...accuracy(ctx),
    ...costView(ctx),
    ...pairs(ctx),
    ...repeats(ctx),
    ...prompts(input),
    ...mutationsSection(input),
    ...chart(ctx, 'prompt-length'),
    ...lineage(input),
    ...solvedByOne(ctx),
    {
      kind: 'paragraph',
      text: 'Files: results.jsonl holds every test rollout (repeat, arm, model, id, sample, score, extracted, output, feedback); summary.json holds the statistics above, recomputable with summarizeResults from src/core/stats.',
    },
  ];
}
