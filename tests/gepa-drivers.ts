/**
 * Toy tasks that drive the real GEPA core in tests and the benchmark. Every answer is a pure
 * function of the action it answers (never of a call counter), so a run resumed from a saved
 * state gets the same answers as an uninterrupted one.
 */
import {
  driveGepa,
  renderCandidate,
  type EvaluateAction,
  type EvaluationResult,
  type GepaAction,
  type GepaDriver,
  type GepaState,
  type ReflectionResult,
  type StepContext,
} from '../src/core/gepa';
import { uniformFromKey } from '../src/core/random';

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

export function resultsFor(
  action: EvaluateAction,
  score: (text: string, id: string) => number,
  feedback: (s: number) => string = (s) => (s >= 1 ? 'correct' : `incorrect (score ${s})`),
): EvaluationResult {
  const text = renderCandidate(action.candidate);
  return {
    results: Object.fromEntries(
      action.exampleIds.map((id) => {
        const s = score(text, id);
        return [id, { score: s, feedback: feedback(s), output: `answer of ${id}`, input: `question ${id}` }];
      }),
    ),
  };
}

/** The spec's toy adapter: instruction "v<k>" scores k/(k+1) everywhere; reflection writes v<k+1>. */
export function everyProposalImproves(): GepaDriver {
  const version = (text: string) => Number(/v(\d+)/.exec(text)![1]);
  return {
    evaluate: (a) => resultsFor(a, (text) => version(text) / (version(text) + 1)),
    reflect: (a) => ({ rawText: 'New instruction:\n```\nv' + (version(a.currentText) + 1) + '\n```' }),
  };
}

export interface RandomWorldParams {
  seed: number;
  /** Chance a reflection reply is a proper fenced block (the rest split among failure kinds). */
  pValid: number;
  /** Scores are drawn from {0, 1/levels, ..., 1}. */
  levels: number;
  /** Chance per (candidate, example) of a perfect score. */
  pPerfect: number;
}

/**
 * A random toy task: scores are a hash of (world, candidate text, example); reflection replies
 * are a hash of (world, prompt): a new instruction, a reply without fence, an unclosed fence,
 * a failed call, or the unchanged instruction.
 */
export function randomWorld(p: RandomWorldParams): GepaDriver {
  const score = (text: string, id: string) => {
    const u = uniformFromKey(`${p.seed}|s|${text}|${id}`);
    if (u < p.pPerfect) return 1;
    return Math.floor(uniformFromKey(`${p.seed}|l|${text}|${id}`) * p.levels) / p.levels;
  };
  return {
    evaluate: (a) => resultsFor(a, score),
    reflect: (a): ReflectionResult => {
      const key = `${p.seed}|r|${a.prompt}`;
      const u = uniformFromKey(key);
      const fresh = `${a.currentText.split('\n')[0]} rev${Math.floor(uniformFromKey(key + '|t') * 1e9)}`;
      if (u < p.pValid) return { rawText: '```\n' + fresh + '\n```' };
      const kind = Math.floor(((u - p.pValid) / (1 - p.pValid)) * 4);
      if (kind === 0) return { rawText: fresh };
      if (kind === 1) return { rawText: '```\n' + fresh };
      if (kind === 2) return { error: 'reflection model unavailable' };
      return { rawText: '```\n' + a.currentText + '\n```' };
    },
  };
}

/** Drives `state` to the end, calling `observe` after every step (state already updated). */
export function runWith(
  state: GepaState,
  driver: GepaDriver,
  observe: (action: GepaAction, state: GepaState) => void = () => {},
  ctx: (state: GepaState) => StepContext = () => ({ nowMs: 0 }),
): GepaAction {
  const end = driveGepa(state, { ...driver, context: ctx }, { maxSteps: 100000, onStep: observe });
  if (end.kind !== 'done') throw new Error('runWith: the run did not end within 100000 steps');
  return end;
}

export function roundTrip<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
