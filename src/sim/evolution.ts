/**
 * Requests of prompt optimizers other than GEPA's reflection, recognised by their generic shape
 * (spec: shared/specs/simulator.md, "Other optimizers' requests"), never by any project wording:
 *
 * - meta:    instructions in fenced blocks, each followed by a score line ("Score: 61",
 *            "accuracy = 0.7"), maybe with example problems in other blocks: propose a better one;
 * - induce:  fenced blocks that each hold a known problem with a worked solution, and nothing
 *            else: say which instruction produced these workings;
 * - evolve:  two or more instructions in fenced blocks and directions that speak of mutating,
 *            crossing over, varying or continuing them: a child of the parents;
 * - mutate:  one text in a fenced block and directions to rewrite, change or improve it.
 *
 * Answers come from the same world model as reflection (the rulebook and keyword coverage of
 * src/sim/world): a model of reflection skill s keeps the better instruction's rules, picks up
 * rules the parents or the directions state, and adds rules for traps it can see in the shown
 * problems (or, with no problem in sight, for traps of the task's kind at random), each stated
 * correctly with probability s, else as a vague or wrong rule. The draw is keyed by the prompt
 * and the sample index, so repeated samples differ and a rerun gives the same answer. Pure.
 */
import { Rng } from '../core/random';
import { ruleText, rulebookLine, type Recogniser } from './reflection';
import type { ModelContext } from './task-call';
import { fence, fencedBlocks, normalizeText, type FencedBlock } from './text';
import { WORLDS, type KindWorld, type SimInstance, type Trap } from './world';
import { covers, pick } from './world/rulebook';

export type EvolutionRequest =
  | { kind: 'meta'; scored: Array<{ text: string; score: number }>; problems: SimInstance[]; shown: string }
  | { kind: 'induce'; problems: SimInstance[]; shown: string }
  | { kind: 'evolve'; parents: string[]; directions: string }
  | { kind: 'mutate'; text: string; directions: string };

const SCORE_LINE = /^\s*(?:\*\*)?(?:score|accuracy|fitness)(?:\*\*)?\s*[:=]?\s*(-?\d+(?:\.\d+)?)\s*%?/i;
const EVOLVE_WORDS = /\b(mutat\w*|cross\w*|vary|variation|evolv\w*|continue the list|offspring)\b/i;
const MUTATE_WORDS = /\b(write|rewrite|change|improve|vary|variation|modify|rephrase|mutat\w*|shorten|turn|make)\b/i;
const SHORTEN_WORDS = /\b(shorten|shorter|concise|summari[sz]e|only what matters)\b/i;

/** Text between the end of block i and the start of the next one (or the end). */
function after(text: string, blocks: FencedBlock[], i: number): string {
  return text.slice(blocks[i].end, blocks[i + 1]?.start ?? text.length);
}

function outside(text: string, blocks: FencedBlock[]): string {
  let out = text.slice(0, blocks[0]?.start ?? text.length);
  blocks.forEach((_, i) => (out += `\n${after(text, blocks, i)}`));
  return out;
}

/** A block that holds a known problem, and whether a worked solution comes with it. */
function problemIn(body: string, find: (t: string) => { instance: SimInstance; start: number; end: number } | null) {
  const m = find(body);
  if (!m) return null;
  const rest = `${body.slice(0, m.start)}${body.slice(m.end)}`.replace(/\b(problem|question|input|solution|working-out|answer)s?\s*:/gi, '');
  return { instance: m.instance, worked: rest.trim().length >= 20 };
}

/**
 * The request's shape, or null when it has none of the four. `find` locates a known problem in
 * a text (the instance index) with its position.
 */
export function parseEvolution(
  text: string,
  find: (t: string) => { instance: SimInstance; start: number; end: number } | null,
): EvolutionRequest | null {
  const blocks = fencedBlocks(text);
  if (blocks.length === 0) return parseTextScorePairs(text);
  // A known problem outside every block is a task call (a code problem may hold fences of its own).
  const whole = find(text);
  if (whole && !blocks.some((b) => whole.start >= b.start && whole.end <= b.end)) return null;
  const scored: Array<{ text: string; score: number }> = [];
  const problems: SimInstance[] = [];
  let worked = 0;
  const plain: string[] = [];
  blocks.forEach((b, i) => {
    const m = SCORE_LINE.exec(after(text, blocks, i));
    if (m) {
      scored.push({ text: b.body.trim(), score: Number(m[1]) });
      return;
    }
    const p = problemIn(b.body, find);
    if (p) {
      problems.push(p.instance);
      if (p.worked) worked++;
      return;
    }
    plain.push(b.body.trim());
  });
  const shown = blocks.map((b) => b.body).join('\n');
  if (scored.length > 0) return { kind: 'meta', scored, problems, shown };
  if (problems.length > 0) {
    return worked === problems.length && plain.length === 0 ? { kind: 'induce', problems, shown } : null;
  }
  const directions = outside(text, blocks);
  if (plain.length >= 2 && EVOLVE_WORDS.test(directions)) return { kind: 'evolve', parents: plain, directions };
  if (plain.length === 1 && MUTATE_WORDS.test(directions)) return { kind: 'mutate', text: plain[0], directions };
  return null;
}

/**
 * The unfenced layout of OPRO's own meta-prompt: `text:` and `score:` lines, each followed by
 * its value on the next line(s). At least two pairs, so a lone "score" in a task is no match.
 */
function parseTextScorePairs(text: string): EvolutionRequest | null {
  const pairs = [...text.matchAll(/(?:^|\n)\s*text:\s*\n([\s\S]*?)\n\s*score:\s*\n?\s*(-?\d+(?:\.\d+)?)/gi)];
  if (pairs.length < 2) return null;
  return { kind: 'meta', scored: pairs.map((m) => ({ text: m[1].trim(), score: Number(m[2]) })), problems: [], shown: '' };
}

/** Words that name a kind of task outright. */
const KIND_CUES: Array<[RegExp, keyof typeof WORLDS]> = [
  [/\b(python|function|code|program)\b/i, 'code'],
  [/\\boxed|\blatex\b|\bcompetition\b/i, 'math'],
  [/\bword problems?\b/i, 'numeric'],
];

/**
 * The kind of task the instructions are about: a shown problem's; else one the instructions
 * name; else the one whose rules they mention most; numeric when nothing tells.
 */
function worldOf(problems: readonly SimInstance[], texts: readonly string[]): KindWorld {
  if (problems.length > 0) return WORLDS[problems[0].kind];
  const joined = texts.join('\n');
  for (const [cue, kind] of KIND_CUES) if (cue.test(joined)) return WORLDS[kind];
  const lower = normalizeText(joined);
  let best: KindWorld = WORLDS.numeric;
  let bestHits = 0;
  for (const w of Object.values(WORLDS)) {
    const hits = [...w.traps, w.format].filter((r) => covers(lower, r)).length;
    if (hits > bestHits) {
      best = w;
      bestHits = hits;
    }
  }
  return best;
}

/** A variation sometimes says how the answer is to be written, as real rewrites often do. */
function maybeFormat(rng: Rng, skill: number, draft: Draft, world: KindWorld): void {
  if (!covers(draft.lower(), world.format) && rng.next() < 0.25 * skill) draft.add(world.format.rule);
}

/** Openers for an instruction written from scratch. */
export const OPENERS: Record<string, string> = {
  numeric: 'Solve the word problem step by step.',
  math: 'Solve the math problem step by step.',
  code: 'Write a correct Python function for the task.',
};

export class Draft {
  readonly lines: string[];
  private readonly present: Set<string>;
  added = 0;

  constructor(lines: readonly string[]) {
    this.lines = [...lines];
    this.present = new Set(this.lines.map(ruleText).filter(Boolean));
  }

  lower(): string {
    return normalizeText(this.lines.join('\n'));
  }

  add(sentence: string, bullet = true): boolean {
    const t = ruleText(sentence);
    if (!t || this.present.has(t)) return false;
    this.present.add(t);
    this.lines.push(bullet && !/^\s*(?:[-*•]|\d+[.)])\s+/.test(sentence) ? `- ${sentence.trim()}` : sentence.trimEnd());
    this.added++;
    return true;
  }

  /** States a rule for `trap`: right with probability `skill`, else vague or wrong. */
  rule(rng: Rng, skill: number, trap: Trap): boolean {
    if (covers(this.lower(), trap)) return false;
    if (rng.next() < skill) return this.add(rng.next() < 0.7 ? trap.rule : trap.altRule);
    return this.add(rng.next() < 0.5 ? trap.vagueRule : trap.wrongRule);
  }

  text(): string {
    return this.lines.join('\n').trim();
  }
}

/** The lines of `text`, the opening line kept; later lines may be dropped or reworded. */
function varied(rng: Rng, text: string, skill: number, dropRate: number): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const first = lines.findIndex((l) => l.trim() !== '');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (i <= first || !line.trim()) return void out.push(line);
    if (rng.next() < dropRate * (1 - skill)) return;
    const known = rulebookLine(ruleText(line));
    if (known && rng.next() < 0.2) {
      const bullet = /^\s*(?:[-*•]|\d+[.)])\s+/.exec(line)?.[0] ?? '';
      out.push(bullet + (ruleText(known.rule) === ruleText(line) ? known.altRule : known.rule));
      return;
    }
    out.push(line);
  });
  return out;
}

/** Rules for traps of the shown problems (each considered once), then the format rule when the workings show it. */
function rulesFromProblems(rng: Rng, skill: number, draft: Draft, problems: readonly SimInstance[], recogniser: Recogniser, shown: string, max: number): void {
  const traps = new Map<string, Trap>();
  for (const p of problems) for (const t of recogniser.facts(p).traps) traps.set(t.name, t);
  let n = 0;
  for (const t of rng.shuffle([...traps.values()])) {
    if (n >= max) break;
    if (draft.rule(rng, skill, t)) n++;
  }
  if (problems.length > 0) {
    const world = WORLDS[problems[0].kind];
    if (covers(normalizeText(shown), world.format) && !covers(draft.lower(), world.format) && rng.next() < skill) draft.add(world.format.rule);
  }
}

/** A rule for a trap of the task's kind, chosen at random among those the draft does not cover. */
function guessRule(rng: Rng, skill: number, draft: Draft, world: KindWorld): void {
  const open = world.traps.filter((t) => !covers(draft.lower(), t));
  if (open.length > 0) draft.rule(rng, skill, pick(rng, open));
}

function finish(rng: Rng, draft: Draft, world: KindWorld, unchanged: string): { content: string; instruction: string } {
  if (draft.text() === unchanged.trim()) {
    const advice = world.genericAdvice.filter((a) => !draft.lower().includes(normalizeText(a)));
    draft.add(advice.length > 0 ? pick(rng, advice) : 'Re-read the problem before giving the final answer.');
  }
  const instruction = draft.text();
  return { content: `Here is the new instruction:\n\n${fence(instruction)}`, instruction };
}

export function answerEvolution(
  ctx: ModelContext,
  req: EvolutionRequest,
  prompt: string,
  sampleIndex: number,
  recogniser: Recogniser,
): { content: string; instruction: string } {
  const rng = Rng.fromSeed([ctx.worldSeed, ctx.model, 'evolution', String(sampleIndex), prompt].join('\u0000'));
  const skill = ctx.profile.reflectionSkill;
  switch (req.kind) {
    case 'meta': {
      // Start from the best-scored instruction (ties: the one listed last, next to the request).
      let best = req.scored[0];
      for (const s of req.scored) if (s.score >= best.score) best = s;
      const world = worldOf(req.problems, req.scored.map((s) => s.text));
      const draft = new Draft(varied(rng, best.text, skill, 0.1));
      // Rules of instructions that scored above the middle of the list are worth trying.
      const scores = req.scored.map((s) => s.score).sort((a, b) => a - b);
      const middle = scores[Math.floor(scores.length / 2)];
      for (const s of req.scored) {
        if (s === best || s.score < middle) continue;
        for (const line of s.text.split('\n').slice(1)) if (line.trim() && rng.next() < 0.5 * skill) draft.add(line, false);
      }
      if (req.problems.length > 0) rulesFromProblems(rng, skill, draft, req.problems, recogniser, req.shown, 1 + (rng.next() < 0.3 ? 1 : 0));
      else guessRule(rng, skill, draft, world);
      return finish(rng, draft, world, best.text);
    }
    case 'induce': {
      const world = WORLDS[req.problems[0].kind];
      const draft = new Draft([OPENERS[world.kind]]);
      rulesFromProblems(rng, skill, draft, req.problems, recogniser, req.shown, Infinity);
      return finish(rng, draft, world, '');
    }
    case 'evolve': {
      const world = worldOf([], req.parents);
      const counts = new Map<string, { line: string; n: number }>();
      for (const p of req.parents) {
        const seen = new Set<string>();
        for (const line of p.split('\n').slice(1)) {
          const t = ruleText(line);
          if (!t || seen.has(t)) continue;
          seen.add(t);
          const c = counts.get(t) ?? { line: line.trimEnd(), n: 0 };
          c.n++;
          counts.set(t, c);
        }
      }
      const opener = req.parents[0].split('\n').find((l) => l.trim()) ?? OPENERS[world.kind];
      const k = req.parents.length;
      const crossed = [opener];
      // Crossover: a rule every parent has is kept; a rarer one with a chance that grows with its share.
      for (const { line, n } of counts.values()) if (rng.next() < 0.5 + (0.5 * (n - 1)) / Math.max(1, k - 1)) crossed.push(line);
      const draft = new Draft(varied(rng, crossed.join('\n'), skill, 0.25));
      if (rng.next() < 0.6) guessRule(rng, skill, draft, world);
      maybeFormat(rng, skill, draft, world);
      return finish(rng, draft, world, req.parents[0]);
    }
    case 'mutate': {
      const world = worldOf([], [req.text]);
      const draft = new Draft(varied(rng, req.text, skill, SHORTEN_WORDS.test(req.directions) ? 1.4 : 0.25));
      // Rules the directions themselves state are carried into the text.
      const directions = normalizeText(req.directions);
      for (const t of world.traps) if (covers(directions, t) && !covers(draft.lower(), t)) draft.add(t.rule);
      if (covers(directions, world.format) && !covers(draft.lower(), world.format)) draft.add(world.format.rule);
      else if (/\bformat\b|\bfinal answer\b/i.test(req.directions) && !covers(draft.lower(), world.format) && rng.next() < skill) draft.add(world.format.rule);
      if (rng.next() < 0.7) guessRule(rng, skill, draft, world);
      maybeFormat(rng, skill, draft, world);
      return finish(rng, draft, world, req.text);
    }
  }
}
