/**
 * Reflection and merge calls, recognised by structure only: a reflection prompt carries the
 * current instruction in its first fenced block and examples (`### Example N` with `Input:`,
 * `Output:`, `Feedback:`) after it; a merge prompt carries two instructions in two fenced
 * blocks and asks to merge or combine them. The simulated reflector keeps the old instruction
 * (sometimes rewording or dropping a rule) and adds rule sentences for the traps of the failed
 * examples it recognises, each right with probability `reflectionSkill`. Pure.
 */
import { Rng } from '../core/random';
import type { ModelContext } from './task-call';
import { fence, fencedBlocks, normalizeText } from './text';
import { WORLDS, type InstanceFacts, type KindWorld, type SimInstance, type Trap } from './world';
import { covers, pick } from './world/rulebook';

export interface ReflectionExample {
  index: number;
  input: string;
  output: string;
  feedback: string;
  passed: boolean;
  /** Input and output together: where the instance's question is looked for. */
  text: string;
}

export interface ReflectionRequest {
  instruction: string;
  examples: ReflectionExample[];
}

const EXAMPLE_HEADER = /^[ \t]*#{1,6}[ \t]*Example[ \t]+(\d+)\b.*$/gim;
/** A field line: `Input:` / `**Output:**` / `## Feedback` (a colon or a heading marker is required). */
const FIELD = /^[ \t]*(#{1,6}[ \t]*)?(?:\*\*)?(inputs?|(?:generated[ \t]+)?outputs?|feedback)(?:\*\*)?[ \t]*(:)?(?:\*\*)?[ \t]*(.*)$/i;

/** Feedback of a passing example: "correct: ...", or a test run's "all tests passed". */
const PASSED = /^(correct|all tests passed|passed)\b/i;

function fieldOf(line: string): { name: string; rest: string } | null {
  const m = FIELD.exec(line);
  if (!m || (!m[1] && !m[3])) return null;
  return { name: m[2].toLowerCase(), rest: m[4] };
}

const FENCE_LINE = /^\s*(`{3,}|~{3,})\s*$/;

/**
 * One example's fields. Without an enclosing block to bound it, the last example would run on
 * into the prompt's closing text, so a fence line after the feedback ends it.
 */
function parseExample(index: number, section: string, bounded: boolean): ReflectionExample | null {
  const fields: { input: string[]; output: string[]; feedback: string[] } = { input: [], output: [], feedback: [] };
  const kept: string[] = [];
  let current: keyof typeof fields | null = null;
  let feedbackStart = -1;
  for (const line of section.split('\n')) {
    if (FENCE_LINE.test(line)) {
      if (current === 'feedback' && !bounded) break;
      continue;
    }
    kept.push(line);
    const f = fieldOf(line);
    // Input opens once; Output once after Input; the last Feedback line wins (outputs may say anything).
    if (f && f.name.startsWith('input') && current === null) current = 'input';
    else if (f && f.name.includes('output') && current === 'input') current = 'output';
    else if (f && f.name === 'feedback') {
      current = 'feedback';
      fields.feedback = [];
      feedbackStart = kept.length - 1;
    } else {
      if (current) fields[current].push(line);
      continue;
    }
    if (f.rest.trim()) fields[current].push(f.rest);
  }
  if (feedbackStart < 0) return null;
  const feedback = fields.feedback.join('\n').trim();
  return {
    index,
    input: fields.input.join('\n').trim(),
    output: fields.output.join('\n').trim(),
    feedback,
    passed: PASSED.test(feedback),
    text: kept.slice(0, feedbackStart).join('\n'),
  };
}

function parseExamples(text: string, bounded: boolean): ReflectionExample[] {
  const headers = [...text.matchAll(EXAMPLE_HEADER)];
  const examples: ReflectionExample[] = [];
  headers.forEach((h, i) => {
    const from = (h.index ?? 0) + h[0].length;
    const to = i + 1 < headers.length ? headers[i + 1].index ?? text.length : text.length;
    const ex = parseExample(Number(h[1]), text.slice(from, to), bounded);
    if (ex) examples.push(ex);
  });
  return examples;
}

/**
 * The reflection request in `text`, or null when it is not one. The examples are read from the
 * second fenced block; when that block cannot hold them all (an output with its own fences
 * closed it early), from everything after the instruction block.
 */
export function parseReflection(text: string): ReflectionRequest | null {
  const blocks = fencedBlocks(text);
  if (blocks.length === 0) return null;
  const fromBlock = blocks.length > 1 ? parseExamples(blocks[1].body, true) : [];
  const fromRest = parseExamples(text.slice(blocks[0].end), false);
  const examples = fromBlock.length > 0 && fromBlock.length >= fromRest.length ? fromBlock : fromRest;
  if (examples.length === 0) return null;
  return { instruction: blocks[0].body.trim(), examples };
}

/** The two instructions of a merge request, or null. */
export function parseMerge(text: string): [string, string] | null {
  const blocks = fencedBlocks(text);
  if (blocks.length < 2) return null;
  let outside = text.slice(0, blocks[0].start);
  for (let i = 0; i < blocks.length; i++) outside += ` ${text.slice(blocks[i].end, blocks[i + 1]?.start ?? text.length)}`;
  if (!/\b(merge|merging|combine|combining)\b/i.test(outside)) return null;
  return [blocks[0].body.trim(), blocks[1].body.trim()];
}

/** What a rule line says, without its bullet, for comparisons. */
export function ruleText(line: string): string {
  return normalizeText(line.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, ''));
}

export interface Recogniser {
  find(text: string): SimInstance | null;
  facts(instance: SimInstance): InstanceFacts;
}

export interface ReflectionAnswer {
  content: string;
  instruction: string;
  /** Trap names given a correct rule, a vague/wrong one, and whether the format rule was added. */
  ruled: string[];
  misruled: string[];
  formatAdded: boolean;
  dropped: number;
  reworded: number;
}

/** Finds the rulebook entry a line states exactly (as rule or alternative), to reword it. */
export function rulebookLine(text: string): { rule: string; altRule: string } | null {
  for (const world of Object.values(WORLDS)) {
    for (const r of [...world.traps, world.format]) {
      if (ruleText(r.rule) === text || ruleText(r.altRule) === text) return r;
    }
  }
  return null;
}

/** Feedback that blames the answer's format says "format", or names the format itself (`\boxed{}`, a code fence). */
function blamesFormat(feedback: string, world: KindWorld | null): boolean {
  return /\bformat\b/i.test(feedback) || (world !== null && covers(normalizeText(feedback), world.format));
}

function quotedFormat(feedback: string): string | null {
  const m = /format[^"“'\n]{0,20}["“']([^"”'\n]{1,40})["”']/i.exec(feedback);
  return m ? m[1] : null;
}

export function answerReflection(ctx: ModelContext, req: ReflectionRequest, prompt: string, recogniser: Recogniser): ReflectionAnswer {
  const rng = Rng.fromSeed([ctx.worldSeed, ctx.model, 'reflection', prompt].join('\u0000'));
  const skill = ctx.profile.reflectionSkill;

  // 1. The old instruction, line by line: the opening line stays; later lines may be dropped or reworded.
  const oldLines = req.instruction.split('\n');
  const firstContent = oldLines.findIndex((l) => l.trim() !== '');
  const kept: string[] = [];
  let dropped = 0;
  let reworded = 0;
  oldLines.forEach((line, i) => {
    if (i <= firstContent || !line.trim()) {
      kept.push(line);
      return;
    }
    if (rng.next() < 0.25 * (1 - skill)) {
      dropped++;
      return;
    }
    const known = rulebookLine(ruleText(line));
    if (known && rng.next() < 0.25) {
      const bullet = /^\s*(?:[-*•]|\d+[.)])\s+/.exec(line)?.[0] ?? '';
      const other = ruleText(known.rule) === ruleText(line) ? known.altRule : known.rule;
      kept.push(bullet + other);
      reworded++;
      return;
    }
    kept.push(line);
  });
  const keptLower = () => normalizeText(kept.join('\n'));
  const present = new Set(kept.map(ruleText));
  const added: string[] = [];
  const add = (sentence: string) => {
    const t = ruleText(sentence);
    if (present.has(t)) return false;
    present.add(t);
    added.push(sentence);
    return true;
  };

  // 2. Rules for the traps of failed examples the model recognises.
  const failed = req.examples.filter((e) => !e.passed);
  const ruled: string[] = [];
  const misruled: string[] = [];
  const seenTraps = new Set<string>();
  let formatAdded = false;
  const worldsSeen: KindWorld[] = [];
  for (const ex of failed) {
    const instance = recogniser.find(ex.text) ?? recogniser.find(ex.input);
    const world = instance ? WORLDS[instance.kind] : null;
    if (world && !worldsSeen.includes(world)) worldsSeen.push(world);
    const traps: Trap[] = instance ? recogniser.facts(instance).traps : [];
    for (const trap of traps) {
      if (seenTraps.has(trap.name)) continue;
      seenTraps.add(trap.name);
      if (covers(keptLower(), trap)) continue;
      if (rng.next() < skill) {
        if (add(rng.next() < 0.7 ? trap.rule : trap.altRule)) ruled.push(trap.name);
      } else if (add(rng.next() < 0.5 ? trap.vagueRule : trap.wrongRule)) misruled.push(trap.name);
    }
    // 3. A failure the feedback blames on the answer's format gets the format rule.
    if (!formatAdded && blamesFormat(ex.feedback, world)) {
      if (world) {
        if (!covers(keptLower(), world.format)) formatAdded = add(world.format.rule);
      } else {
        const wanted = quotedFormat(ex.feedback);
        if (wanted && !kept.join('\n').includes(wanted)) formatAdded = add(`Give the final answer in the required format "${wanted}".`);
      }
    }
  }

  // 4. Nothing specific found: a real reflector still writes something.
  if (added.length === 0 && dropped === 0 && reworded === 0) {
    const advice = (worldsSeen[0] ?? WORLDS.numeric).genericAdvice.filter((a) => !present.has(ruleText(a)));
    add(advice.length > 0 ? pick(rng, advice) : 'Re-read the problem before giving the final answer.');
  }

  const body = kept.join('\n').trimEnd();
  const instruction = added.length > 0 ? `${body}${body ? '\n' : ''}${added.map((a) => `- ${a}`).join('\n')}` : body;
  const why = failed.length > 0
    ? `The assistant failed ${failed.length} of ${req.examples.length} examples; the new instruction addresses what went wrong.`
    : 'All examples passed; the instruction is tightened slightly.';
  return { content: `${why}\n\n${fence(instruction)}`, instruction, ruled, misruled, formatAdded, dropped, reworded };
}

/** The union of two instructions' lines, first one's order first. */
export function answerMerge(a: string, b: string): { content: string; instruction: string } {
  const lines = a.split('\n').map((l) => l.trimEnd());
  const seen = new Set(lines.filter((l) => l.trim()).map(ruleText));
  for (const line of b.split('\n')) {
    const t = ruleText(line);
    if (!t || seen.has(t)) continue;
    seen.add(t);
    lines.push(line.trimEnd());
  }
  const instruction = lines.join('\n').trim();
  return { content: `Here is the combined instruction, keeping every rule of both:\n\n${fence(instruction)}`, instruction };
}
