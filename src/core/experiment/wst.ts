/**
 * The WST baseline (arXiv 2508.16741): a small teacher writes an instruction for each problem and
 * the large student answers the problem with it. The paper trains the teacher with RL; our arm
 * optimizes the teacher's own prompt with GEPA on the student's score, a compile-time stand-in
 * that needs no weights. The optimizer stays unaware: the arm's stage and evaluations run their
 * rollouts in teacher-then-student mode (`TeacherInput`), and the candidate is the teacher prompt.
 *
 * The student sees the config's seed prompt P0 (the task's own instruction, the same every arm
 * starts from) followed by the teacher's instruction for the problem.
 */
import { z } from 'zod';
import type { ModelCallPolicy } from '../../llm/call-policy';

export interface WstConfig {
  /** The teacher's seed prompt (default DEFAULT_TEACHER_PROMPT). */
  teacher?: string;
}

export const wstSchema = z
  .strictObject({
    teacher: z.string().min(1).optional().describe('The teacher\'s seed prompt: it reads one problem and writes an instruction for the student.'),
  })
  .describe('The wst arm (S writes a per-problem instruction, L answers with it; GEPA optimizes the teacher prompt).');

/** The teacher's starting prompt: what WST's teacher is asked to do, in plain words. */
export const DEFAULT_TEACHER_PROMPT = [
  'You are a teacher. Read the problem below and write a short instruction for a student who will solve it:',
  'the steps to take and the pitfalls to avoid. Do not solve the problem or give its answer.',
].join(' ');

export function teacherPrompt(config: { wst?: WstConfig }): string {
  return config.wst?.teacher ?? DEFAULT_TEACHER_PROMPT;
}

/**
 * A rollout in teacher-then-student mode: the candidate being scored is the teacher's prompt;
 * the teacher model writes an instruction for the problem, and the student (the rollout's model)
 * answers with `frame` followed by that instruction.
 */
export interface TeacherInput {
  model: string;
  /** The student's fixed prompt, before the teacher's instruction (the seed prompt P0). */
  frame: string;
  /** How the teacher is called (its timeout, outage limit, queue). */
  callPolicy: ModelCallPolicy;
}

/** What the student reads: its fixed prompt, then the teacher's instruction for this problem. */
export function studentInstruction(frame: string, instruction: string): string {
  return [frame.trim(), instruction.trim()].filter(Boolean).join('\n\n');
}
