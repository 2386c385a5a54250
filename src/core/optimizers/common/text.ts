/**
 * Pieces of the optimizer-model requests every search writes: instructions and examples in
 * fenced blocks (so any model, and the simulator, can tell them apart from the directions), and
 * the reply asked for in one fenced block (read back with GEPA's parser).
 */
import { neutralizeFences } from '../../gepa/reflection';

const FENCE = '```';

/** `text` in a fenced block of three backticks (backtick runs inside become ~~~). */
export function fenced(text: string): string {
  return `${FENCE}\n${neutralizeFences(text.trim())}\n${FENCE}`;
}

/** The closing request every proposal prompt ends with. */
export const REPLY_IN_BLOCK =
  'Reply with the new instruction only, inside one fenced code block that opens and closes with a line of three backticks.';

/** A training example with a correct solution, as shown to the optimizer model. */
export function workedExample(input: string, solution: string): string {
  return fenced(`Problem:\n${input.trim()}\n\nSolution:\n${solution.trim()}`);
}
