/**
 * EvoPrompt's evolution requests (Guo et al. 2023, "Connecting Large Language Models with
 * Evolutionary Algorithms Yields Powerful Prompt Optimizers", arXiv:2309.08532, fig. 1 and 2),
 * in this project's own words: the GA's crossover-then-mutation of two parents, the DE's
 * four-step mutation of the parts where two donors differ, combined with the current best and
 * crossed over with the base member, and the variation request that fills the initial
 * population from the seed. Instructions travel in fenced blocks; the reply is one fenced block.
 */
import { fenced, REPLY_IN_BLOCK } from '../common/text';

function partNote(component?: string): string[] {
  return component ? [`Each instruction is the part named "${component}" of a longer instruction.`, ''] : [];
}

/** GA: cross two parents over, then mutate the result. */
export function crossoverPrompt(a: string, b: string, component?: string): string {
  return [
    'Below are two instructions for an AI assistant that solves a task, each in a fenced block.',
    ...partNote(component),
    fenced(a),
    '',
    fenced(b),
    '',
    'Step 1: cross the two instructions over, writing one new instruction that takes parts from both.',
    'Step 2: mutate that new instruction: rewrite, add or change a part of it so it may work better.',
    '',
    REPLY_IN_BLOCK.replace('the new instruction', 'the instruction from step 2'),
  ].join('\n');
}

/** DE: mutate where donors 1 and 2 differ, combine with the best, cross over with the base. */
export function differentialPrompt(args: { donor1: string; donor2: string; best: string; base: string; component?: string }): string {
  return [
    'Follow these steps to write a better instruction for an AI assistant that solves a task.',
    ...partNote(args.component),
    'Step 1: compare instruction 1 and instruction 2 and find the parts in which they differ.',
    fenced(args.donor1),
    '',
    fenced(args.donor2),
    '',
    'Step 2: mutate those differing parts at random.',
    'Step 3: put the mutated parts into instruction 3, replacing or extending the matching parts of it.',
    fenced(args.best),
    '',
    'Step 4: cross over the result of step 3 with instruction 4 to get the final instruction.',
    fenced(args.base),
    '',
    REPLY_IN_BLOCK.replace('the new instruction', 'the final instruction'),
  ].join('\n');
}

/** A variation of the seed, for the initial population (the paper paraphrases its manual prompts). */
export function variationPrompt(seed: string, component?: string): string {
  return [
    'Here is an instruction for an AI assistant that solves a task.',
    ...partNote(component),
    fenced(seed),
    '',
    'Write a variation of it: a new instruction for the same task that keeps its intent but words',
    'it differently and may change or add a detail.',
    '',
    REPLY_IN_BLOCK,
  ].join('\n');
}
