/**
 * A task call: the simulated model answers a known instance, correct with probability
 *
 *   p = sigmoid(a * (skill - difficulty)) * prod over uncovered traps (1 - w_t * (1 - skill)) * saturation
 *
 * drawn from a hash of (world seed, model, instruction, instance, sample index), so the same call
 * always gives the same answer and a different instruction gives an independent draw. Pure.
 */
import { Rng } from '../core/random';
import type { SimProfile } from './profiles';
import { normalizeText, sigmoid } from './text';
import { WORLDS, type InstanceFacts, type SimInstance, type Trap } from './world';
import { covers } from './world/rulebook';

export interface ModelContext {
  worldSeed: string;
  model: string;
  profile: SimProfile;
}

export interface TaskCall {
  instance: SimInstance;
  facts: InstanceFacts;
  /** The instruction as the model sees it: system text plus any user text that is not the question. */
  instruction: string;
  /** Tokens of `instruction` (for prompt saturation). */
  instructionTokens: number;
  /** Distinguishes samples; 0 at temperature 0. */
  sampleIndex: number;
}

export interface TaskAnswer {
  content: string;
  /** The final answer alone (for JSON-mode replies). */
  answer: string;
  p: number;
  correct: boolean;
  formatted: boolean;
  formatAsked: boolean;
  uncoveredTraps: string[];
}

/** Past the threshold, each further `tokensPerRule` of instruction costs a weak model a little. */
export function saturationFactor(profile: SimProfile, instructionTokens: number): number {
  const { thresholdTokens, tokensPerRule, costPerRule } = profile.saturation;
  if (instructionTokens <= thresholdTokens) return 1;
  const extraRules = Math.ceil((instructionTokens - thresholdTokens) / tokensPerRule);
  return Math.pow(Math.max(0, 1 - costPerRule * (1 - profile.skill)), extraRules);
}

export function successProbability(
  profile: SimProfile,
  facts: InstanceFacts,
  instructionLower: string,
  instructionTokens: number,
): { p: number; uncovered: Trap[] } {
  const uncovered = facts.traps.filter((t) => !covers(instructionLower, t));
  let p = sigmoid(profile.steepness * (profile.skill - facts.difficulty));
  for (const t of uncovered) p *= 1 - t.weight * (1 - profile.skill);
  p *= saturationFactor(profile, instructionTokens);
  return { p, uncovered };
}

/** The draw's key: everything a real model's answer could depend on, and nothing else. */
export function taskDrawKey(ctx: ModelContext, call: TaskCall): string {
  const { task, example } = call.instance;
  return [ctx.worldSeed, ctx.model, call.instruction, `${task}:${example.id}`, String(call.sampleIndex)].join('\u0000');
}

export function answerTask(ctx: ModelContext, call: TaskCall): TaskAnswer {
  const world = WORLDS[call.instance.kind];
  const lower = normalizeText(call.instruction);
  const { p, uncovered } = successProbability(ctx.profile, call.facts, lower, call.instructionTokens);
  const rng = Rng.fromSeed(taskDrawKey(ctx, call));
  const correct = rng.next() < p;
  const formatAsked = covers(lower, world.format);
  // Asked for the format, a model still slips now and then; unasked, it often uses its own.
  const slip = formatAsked ? ctx.profile.formatSlipRate * 0.1 : ctx.profile.formatSlipRate;
  const formatted = rng.next() >= slip;
  const { text, answer } = world.render(call.instance, call.facts, { correct, formatted }, rng);
  return { content: text, answer, p, correct, formatted, formatAsked, uncoveredTraps: uncovered.map((t) => t.name) };
}
