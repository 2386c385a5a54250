/**
 * What the simulated models "know" about an instance: how hard it is, which pitfalls (traps) it
 * hides, and how an answer to it is written. One module per kind of task (numeric word
 * problems, competition math, code) implements `KindWorld`. Pure.
 */
import type { Rng } from '../../core/random';
import type { TaskExample } from '../../tasks/types';

export type WorldKind = 'numeric' | 'math' | 'code';

/** A named pitfall with its rulebook entry. */
export interface Trap {
  name: string;
  kind: WorldKind;
  /** w_t: how much an uncovered trap costs, scaled by (1 - skill). */
  weight: number;
  /** The rule sentence that covers the trap (what a good reflection writes). */
  rule: string;
  /** A rewording of the rule that still covers it. */
  altRule: string;
  /** A vaguer sentence about the same worry that does not cover it. */
  vagueRule: string;
  /** A plausible but wrong rule that does not cover it either. */
  wrongRule: string;
  /** Lower-case keywords; an instruction covers the trap when it mentions one at a word start. */
  keywords: readonly string[];
}

/** The format a grader's strict extraction needs, as a rule with its coverage keywords. */
export interface FormatRule {
  rule: string;
  altRule: string;
  keywords: readonly string[];
}

/** One indexed instance: the example plus where it came from. */
export interface SimInstance {
  task: string;
  kind: WorldKind;
  example: TaskExample;
}

export interface InstanceFacts {
  /** In 0..1. */
  difficulty: number;
  traps: Trap[];
}

/** What the draw decided; the world turns it into text. */
export interface AnswerPlan {
  correct: boolean;
  /** Whether the final answer is written in the task's required format. */
  formatted: boolean;
}

export interface RenderedAnswer {
  text: string;
  answer: string;
}

export interface KindWorld {
  kind: WorldKind;
  /** Every trap this kind can have (its rulebook). */
  traps: readonly Trap[];
  format: FormatRule;
  /** Generic advice a reflection falls back to when it finds no specific trap; covers nothing. */
  genericAdvice: readonly string[];
  analyze(instance: SimInstance): InstanceFacts;
  /** The model's whole reply (a few lines of reasoning, then the final answer) and the final answer alone. */
  render(instance: SimInstance, facts: InstanceFacts, plan: AnswerPlan, rng: Rng): RenderedAnswer;
}
