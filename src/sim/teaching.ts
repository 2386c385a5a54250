/**
 * Per-problem instruction requests (spec: shared/specs/simulator.md, "Other optimizers'
 * requests"): a known problem, and directions that ask for an instruction, hints or guidance for
 * someone else who will solve it (a student, a solver, another model), as WST's teacher is asked.
 * Recognised by that generic shape, never by any project wording.
 *
 * The answer is the instruction a teacher of reflection skill s writes for this one problem: for
 * each pitfall of the problem, the rule when its own directions state it (a teacher carries what
 * it was told, only where it applies), else the rule it notices itself with probability s / 2,
 * right with probability s (else vague or wrong); the answer format when the directions ask for
 * it. Rules the directions state for pitfalls this problem does not have are left out: a teacher
 * writes for the problem in front of it, so a long teacher prompt costs the student nothing.
 * The draw is keyed by (world seed, model, directions, instance, sample), so reruns agree. Pure.
 */
import { Rng } from '../core/random';
import { Draft, OPENERS } from './evolution';
import type { ModelContext } from './task-call';
import { normalizeText } from './text';
import { WORLDS, type InstanceFacts, type SimInstance } from './world';
import { covers } from './world/rulebook';

/** Asked to write guidance (not to answer)... */
const WRITE_GUIDANCE = /\b(write|give|provide|draft|compose|create|generate|produce|prepare)\b[^.!?\n]{0,60}?\b(instructions?|guidance|hints?|advice|tips|guidelines)\b/i;
/** ...for someone else who will solve the problem. */
const FOR_A_SOLVER = /\b(student|learner|solver|pupil|another (?:model|assistant|ai)|(?:smaller|larger|stronger|weaker|other) model|(?:who|that|which) will (?:then )?(?:solve|answer|work))\b/i;

/** True when `directions` (everything the model reads but the problem) ask for a per-problem instruction. */
export function isTeachingRequest(directions: string): boolean {
  return WRITE_GUIDANCE.test(directions) && FOR_A_SOLVER.test(directions);
}

export function answerTeaching(
  ctx: ModelContext,
  call: { instance: SimInstance; facts: InstanceFacts; directions: string; sampleIndex: number },
): { content: string; instruction: string } {
  const { task, example } = call.instance;
  const rng = Rng.fromSeed([ctx.worldSeed, ctx.model, 'teaching', call.directions, `${task}:${example.id}`, String(call.sampleIndex)].join('\u0000'));
  const skill = ctx.profile.reflectionSkill;
  const world = WORLDS[call.instance.kind];
  const told = normalizeText(call.directions);
  const draft = new Draft([OPENERS[world.kind]]);
  for (const trap of call.facts.traps) {
    if (covers(told, trap)) draft.add(trap.rule);
    else if (rng.next() < skill / 2) draft.rule(rng, skill, trap);
  }
  if (covers(told, world.format) || rng.next() < 0.25 * skill) draft.add(world.format.rule);
  const instruction = draft.text();
  return { content: instruction, instruction };
}
