/**
 * PromptBreeder's mutation operators (Fernando et al. 2023, "Promptbreeder: Self-Referential
 * Self-Improvement via Prompt Evolution", arXiv:2309.16797, sec. 3.2), the subset implemented
 * here, each written in this project's own words:
 * - zero-order direct: a new task prompt from the problem description alone;
 * - first-order direct: the unit's mutation prompt applied to its task prompt;
 * - estimation of distribution (EDA): a list of the population's distinct task prompts, continued;
 * - hypermutation, zero- and first-order: a new mutation prompt (from a thinking style and the
 *   problem description, or by improving the unit's own), then applied to the task prompt;
 * - Lamarckian: a task prompt read back from correct working-outs.
 * Left out: EDA rank-and-index and lineage-based mutation (they need an ordering by fitness and
 * a history of elites that add little for one-component instructions), prompt crossover and
 * context shuffling (they act on few-shot contexts and second task prompts, which our candidates
 * do not have), and the BERT-embedding filter of EDA (replaced by dropping prompts whose
 * normalized text repeats).
 */
import { fenced, REPLY_IN_BLOCK, workedExample } from '../common/text';

export const OPERATORS = [
  'zero-order', 'first-order', 'eda', 'zero-order-hyper', 'first-order-hyper', 'lamarckian',
] as const;
export type Operator = (typeof OPERATORS)[number];

function partNote(component?: string): string[] {
  return component ? [`The instruction is the part named "${component}" of a longer instruction.`, ''] : [];
}

/** Initial task prompt: mutation prompt and thinking style applied to the problem description. */
export function initialPrompt(mutationPrompt: string, thinkingStyle: string, description: string, component?: string): string {
  return [
    'Here is the description of a task that an AI assistant has to solve:',
    ...partNote(component),
    fenced(description),
    '',
    `${mutationPrompt} ${thinkingStyle}`,
    'Write an instruction for the assistant that follows this advice.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

export function zeroOrderPrompt(description: string, component?: string): string {
  return [
    'Here is the description of a task that an AI assistant has to solve:',
    ...partNote(component),
    fenced(description),
    '',
    'Write a new instruction for the assistant from scratch: a short list of hints that would help',
    'it solve problems of this task well.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

export function firstOrderPrompt(mutationPrompt: string, taskPrompt: string, component?: string): string {
  return [
    mutationPrompt,
    '',
    'The instruction to change:',
    ...partNote(component),
    fenced(taskPrompt),
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

export function edaPrompt(taskPrompts: readonly string[], component?: string): string {
  return [
    'Here is a list of instructions for an AI assistant that solves a task, each in a fenced block.',
    ...partNote(component),
    ...taskPrompts.flatMap((p) => [fenced(p), '']),
    'Continue the list: write one new instruction for the same task that is different from all of them.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

/** Zero-order hypermutation: a fresh mutation prompt from a thinking style and the description. */
export function zeroOrderHyperPrompt(thinkingStyle: string, description: string): string {
  return [
    'Here is the description of a task that an AI assistant has to solve:',
    fenced(description),
    '',
    `${thinkingStyle}`,
    'Write an instruction that tells someone how to change an instruction for this task so that the',
    'assistant does better.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

/** First-order hypermutation: improve the unit's own mutation prompt. */
export function firstOrderHyperPrompt(mutationPrompt: string): string {
  return [
    'Here is an instruction that tells someone how to change another instruction:',
    fenced(mutationPrompt),
    '',
    'Improve it: summarize what it asks for and make it more useful.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}

/** Lamarckian: the instruction that most likely led to these correct working-outs. */
export function lamarckianPrompt(workings: ReadonlyArray<{ input: string; solution: string }>, component?: string): string {
  return [
    'A person was given an instruction and then solved the problems below correctly; each fenced',
    'block holds a problem and the person\'s working-out.',
    ...partNote(component),
    ...workings.flatMap((w) => [workedExample(w.input, w.solution), '']),
    'Write the instruction the person was most likely given.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}
