/**
 * The task interface: everything the engine, the activities and the simulator need to know
 * about a benchmark, and nothing about the optimizer.
 */

export type TaskName =
  | 'gsm8k' | 'math500' | 'aime2024' | 'aime2025' | 'svamp' | 'gsm-hard'
  | 'humaneval' | 'mbpp' | 'mbpp-sanitized';

export type TaskKind = 'math' | 'code';

/** One benchmark instance. `id` is stable across runs (derived from the source, not a line number when the source has ids). */
export interface TaskExample {
  id: string;
  /** The problem text shown to the model (for code: the prompt to complete). */
  question: string;
  /** The gold answer: a number as text, a LaTeX answer, or for code the reference solution. */
  gold: string;
  /** Task-specific fields: MATH level/subject, code tests, entry point, ... */
  meta?: Record<string, unknown>;
}

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface Grade {
  /** In [0, 1]. */
  score: number;
  /** The answer extracted from the output (null when none could be). */
  extracted: string | null;
  /** Written for a reflecting model: what was expected, what was found, why it failed. */
  feedback: string;
  /** Extra verdict facts, e.g. GSM8K's flexible-extraction score, the math tier that decided. */
  details?: Record<string, unknown>;
}

/**
 * A dataset's published data split (its train or test file; GSM8K has both), which an
 * experiment's train/val/test splits are drawn from. Fields named `pool` in workflow and
 * activity inputs hold one (their names stay: they are durable payloads).
 */
export type DataSplit = 'train' | 'test';

export interface Task {
  name: TaskName;
  kind: TaskKind;
  /** The format the grader's strict extraction needs, stated so a prompt can ask for it. */
  answerFormat: string;
  /** Files (relative to the datasets dir) this task reads, checked by `lsl datasets verify`. */
  files: string[];
  /** Loads a data split. Tasks with a single file return the same examples for both. */
  load(datasetsDir: string, split: DataSplit): Promise<TaskExample[]>;
  /** True when `train` and `test` are different files (then test never overlaps train/val). */
  separatePools: boolean;
  /** The chat messages for one rollout: the instruction as system message, the problem as user message. */
  buildMessages(instruction: string, example: TaskExample): ChatMessage[];
  /** Deterministic grading with feedback. May be async (code runs in a sandbox). */
  grade(output: string, example: TaskExample): Promise<Grade>;
}
