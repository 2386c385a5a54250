/**
 * OPRO's meta-prompt (Yang et al. 2023, "Large Language Models as Optimizers", sec. 4.2): the
 * optimization trajectory (earlier instructions with their training scores, lowest first, so the
 * best sit next to the request) and a few task exemplars, then the ask for one new instruction
 * that scores higher. The wording is this project's own; scores are shown as whole percentages,
 * as the paper does.
 */
import { fenced, REPLY_IN_BLOCK, workedExample } from '../common/text';

export interface ScoredInstruction {
  text: string;
  /** Fitness in [0, 1]. */
  score: number;
}

export interface Exemplar {
  input: string;
  /** A solution judged right, when one is known. */
  solution?: string;
}

/** The trajectory shown: the `max` best distinct texts, sorted by score ascending (ties: older first). */
export function trajectory(scored: readonly ScoredInstruction[], max: number): ScoredInstruction[] {
  const best = new Map<string, ScoredInstruction>();
  for (const s of scored) {
    const known = best.get(s.text);
    if (!known || s.score > known.score) best.set(s.text, s);
  }
  const distinct = [...best.values()];
  // Stable sort: among equal scores the earlier instruction stays first.
  const top = [...distinct].sort((a, b) => b.score - a.score).slice(0, max);
  return top.sort((a, b) => a.score - b.score);
}

export function buildMetaPrompt(args: {
  instructions: readonly ScoredInstruction[];
  exemplars: readonly Exemplar[];
  /** Set when the instruction is one named part of a longer one. */
  component?: string;
}): string {
  const lines = [
    'You are helping to find the best instruction for an AI assistant that solves a task.',
    'Below are instructions that were tried, each in a fenced block followed by the score it reached',
    '(the percentage of task problems solved with it; higher is better), sorted from the lowest',
    'score to the highest.',
    '',
  ];
  for (const ins of args.instructions) {
    lines.push(fenced(ins.text), `Score: ${Math.round(ins.score * 100)}`, '');
  }
  if (args.exemplars.length > 0) {
    lines.push('The assistant reads the instruction before each problem of the task. Some of the problems, each with a solution judged right where one is known:', '');
    for (const ex of args.exemplars) {
      lines.push(ex.solution ? workedExample(ex.input, ex.solution) : fenced(`Problem:\n${ex.input.trim()}`), '');
    }
  }
  if (args.component) lines.push(`The instruction is the part named "${args.component}" of a longer instruction; the other parts stay as they are.`);
  lines.push(
    'Write a new instruction that differs from every instruction above and that should score higher',
    'than all of them. It must work on unseen problems of the task, so state general rules.',
    '',
    REPLY_IN_BLOCK,
  );
  return lines.join('\n');
}
