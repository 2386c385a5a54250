/**
 * What the weak model taught: per stage, the sentences each accepted mutation added to its parent
 * and removed from it (a sentence-level diff), and, side by side, what mutations learned from the
 * small model's rollouts added against what mutations learned from the large model's added. The
 * prompt-length chart (length against budget) is drawn from the same records (charts.ts).
 */
import type { Block } from './blocks';
import { formatCount, formatScore } from './format';
import { sentenceDiff } from './line-diff';
import type { ArmRecord, CandidateRecord, ReportInput, StageRecord } from './types';

export interface Mutation {
  repeat: number;
  stage: string;
  taskModel: string;
  candidate: CandidateRecord;
  parent: CandidateRecord;
  added: string[];
  removed: string[];
}

/** Origins that are a proposal the stage accepted into its pool (the seed and the inherited start are not). */
const PROPOSED = new Set(['reflection', 'merge']);

/** Each stage once per repeat (a shared stage under the first arm that has it), with its arms. */
export function uniqueStages(input: ReportInput): Array<{ repeat: number; stage: StageRecord; arms: string[] }> {
  const out: Array<{ repeat: number; stage: StageRecord; arms: string[] }> = [];
  const seen = new Set<string>();
  for (const arm of input.arms) {
    for (const st of arm.stages) {
      const key = `${arm.repeat}\u0000${st.stage}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ repeat: arm.repeat, stage: st, arms: input.arms.filter((a) => a.repeat === arm.repeat && a.stages.some((s) => s.stage === st.stage)).map((a) => a.arm) });
    }
  }
  return out;
}

/** Every accepted mutation with its sentence diff against its first parent (found in any stage of the same repeat). */
export function mutations(input: ReportInput): Mutation[] {
  const byId = new Map<string, CandidateRecord>();
  const arms: ArmRecord[] = input.arms;
  for (const a of arms) for (const st of a.stages) for (const c of st.candidates) byId.set(`${a.repeat}\u0000${c.id}`, c);
  const out: Mutation[] = [];
  for (const { repeat, stage } of uniqueStages(input)) {
    for (const c of stage.candidates) {
      if (!PROPOSED.has(c.origin) || c.parents.length === 0) continue;
      const parent = byId.get(`${repeat}\u0000${c.parents[0]}`);
      if (!parent) continue;
      const diff = sentenceDiff(parent.text, c.text);
      out.push({
        repeat, stage: stage.stage, taskModel: stage.taskModel, candidate: c, parent,
        added: diff.filter((d) => d.op === '+').map((d) => d.text),
        removed: diff.filter((d) => d.op === '-').map((d) => d.text),
      });
    }
  }
  return out;
}

/** Rows of each list cut to this many in the side-by-side table. */
const SIDE_BY_SIDE_ROWS = 40;

export function mutationsSection(input: ReportInput): Block[] {
  const multi = input.repeats > 1;
  const all = mutations(input);
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'What each stage wrote into the prompt' },
    {
      kind: 'paragraph',
      text: 'Each accepted mutation against its parent, sentence by sentence (+ added, − removed). Sentences are split at line breaks and after ., ! or ?. The chart below shows each candidate’s length against the budget its arm had spent when it was found.',
    },
  ];
  if (all.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'No stage accepted a mutation.' });
    return blocks;
  }
  for (const { repeat, stage, arms } of uniqueStages(input)) {
    const mine = all.filter((m) => m.repeat === repeat && m.stage === stage.stage);
    if (mine.length === 0) continue;
    blocks.push({ kind: 'heading', level: 3, text: `Mutations of stage ${stage.stage} on ${stage.taskModel}${multi ? ` (repeat ${repeat})` : ''} (arms ${arms.join(', ')})` });
    blocks.push({
      kind: 'table',
      header: ['Candidate', 'Parent', 'Validation (parent → child)', 'Length (chars)', '±', 'Sentence'],
      rows: mine.flatMap((m) => {
        const lines = [...m.added.map((t) => ['+', t]), ...m.removed.map((t) => ['−', t])];
        const head = [m.candidate.id, m.parent.id, `${formatScore(m.parent.valMean)} → ${formatScore(m.candidate.valMean)}`, `${formatCount(m.parent.text.length)} → ${formatCount(m.candidate.text.length)}`];
        if (lines.length === 0) return [[...head, '', m.parent.text === m.candidate.text ? '(same text as its parent)' : '(no whole sentence changed: wording within sentences only)']];
        return lines.map(([op, t], i) => (i === 0 ? [...head, op, t] : ['', '', '', '', op, t]));
      }),
      numeric: [false, false, false, true, false, false],
    });
  }
  blocks.push(...sideBySide(input, all));
  return blocks;
}

/** Sentences added by stages on S against those added by stages on L, per repeat. */
function sideBySide(input: ReportInput, all: Mutation[]): Block[] {
  const large = input.models.find((m) => m.role === 'large')?.name;
  const small = input.models.find((m) => m.role === 'small')?.name;
  if (!large || !small || large === small) return [];
  const blocks: Block[] = [{ kind: 'heading', level: 3, text: `Added on ${small} (S) vs added on ${large} (L)` }];
  const repeats = [...new Set(all.map((m) => m.repeat))].sort((x, y) => x - y);
  let any = false;
  for (const r of repeats) {
    const distinct = (model: string) => [...new Set(all.filter((m) => m.repeat === r && m.taskModel === model).flatMap((m) => m.added))];
    const s = distinct(small);
    const l = distinct(large);
    if (s.length === 0 && l.length === 0) continue;
    any = true;
    const onlyS = s.filter((x) => !l.includes(x)).length;
    blocks.push({
      kind: 'paragraph',
      text: `${input.repeats > 1 ? `Repeat ${r}: m` : 'M'}utations learned from ${small}'s rollouts added ${s.length} distinct sentences (${onlyS} never added on ${large}); mutations learned from ${large}'s added ${l.length}.`,
    });
    const rows = Math.min(SIDE_BY_SIDE_ROWS, Math.max(s.length, l.length));
    blocks.push({
      kind: 'table',
      header: [`Added by stages on ${small} (${s.length})`, `Added by stages on ${large} (${l.length})`],
      rows: Array.from({ length: rows }, (_, i) => [s[i] ?? '', l[i] ?? '']),
    });
    if (Math.max(s.length, l.length) > rows) blocks.push({ kind: 'paragraph', text: `… ${Math.max(s.length, l.length) - rows} more rows in the lineage above.` });
  }
  if (!any) blocks.push({ kind: 'paragraph', text: 'No accepted mutation added a sentence.' });
  return blocks;
}
