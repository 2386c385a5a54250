/**
 * The report as a list of format-neutral blocks. document.ts decides what to say once; the
 * Markdown and HTML renderers only decide how, so both formats state the same numbers.
 */
import type { DiffLine } from './line-diff';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string }
  | { kind: 'paragraph'; text: string }
  /** A banner: `simulated` (models were simulated) or `warning` (stopped or failed run). */
  | { kind: 'notice'; tone: 'simulated' | 'warning'; text: string }
  /** `numeric[i]` right-aligns column i. */
  | { kind: 'table'; header: string[]; rows: string[][]; numeric?: boolean[] }
  | { kind: 'code'; text: string; language?: string }
  | { kind: 'diff'; lines: DiffLine[] }
  /** A chart by name; the renderer inlines or links its SVG. */
  | { kind: 'chart'; name: string; title: string; caption: string }
  /** Collapsed content (long prompts, outputs, id lists). */
  | { kind: 'details'; summary: string; blocks: Block[] };
