/**
 * A toy task that drives the population-search optimizers in tests: every answer is a pure
 * function of the request (never of a call counter), so a resumed run gets the same answers.
 * An instruction with more distinct "- good" lines solves more examples; the toy optimizer model
 * copies the best instruction it is shown and adds a good line (60%), a bad line (25%), or
 * fails (error, or a reply without a fenced block).
 */
import { uniformFromKey } from '../src/core/random';
import { renderCandidate } from '../src/core/gepa';
import type { GenerateOutcome, OptimizerEvaluateAction, OptimizerGenerateAction, RolloutOutcome } from '../src/core/optimizer';
import type { SyncDriver } from '../src/core/optimizers';

export function goodLines(text: string): number {
  return new Set(text.split('\n').filter((l) => /^- good \d+$/.test(l.trim()))).size;
}

export function toyScore(text: string, id: string): number {
  const p = Math.min(0.95, 0.2 + 0.12 * goodLines(text));
  return uniformFromKey(`${text}|${id}`) < p ? 1 : 0;
}

export function toyEvaluate(action: OptimizerEvaluateAction): Array<Record<string, RolloutOutcome>> {
  return action.requests.map((req) => {
    const text = renderCandidate(req.candidate);
    return Object.fromEntries(req.exampleIds.map((id) => {
      const score = toyScore(text, id);
      return [id, { score, feedback: score ? 'correct' : 'incorrect', output: `working for ${id}`, input: `question ${id}` }];
    }));
  });
}

function blocks(prompt: string): string[] {
  return [...prompt.matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => m[1]).filter((b) => !b.startsWith('Problem:'));
}

export function toyGenerate(action: OptimizerGenerateAction): GenerateOutcome[] {
  return action.requests.map((req) => {
    const key = `${req.prompt}|${req.sampleIndex ?? 0}`;
    const u = uniformFromKey(key);
    if (u < 0.05) return { error: 'optimizer model unavailable' };
    if (u < 0.1) return { rawText: 'I would rather not.' };
    const shown = blocks(req.prompt);
    let base = shown[shown.length - 1] ?? 'Solve it.';
    for (const b of shown) if (goodLines(b) > goodLines(base)) base = b;
    const n = Math.floor(uniformFromKey(`${key}|n`) * 1000);
    const line = u < 0.7 ? `- good ${n}` : `- bad ${n}`;
    return { rawText: `Here it is:\n\`\`\`\n${base}\n${line}\n\`\`\`` };
  });
}

export const toyDriver = <S>(): SyncDriver<S> => ({
  evaluate: (a) => toyEvaluate(a),
  generate: (a) => toyGenerate(a),
});

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

export function roundTrip<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
