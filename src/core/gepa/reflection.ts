/**
 * The reflective dataset and the reflection request, and reading the new instruction back.
 *
 * The request has a fixed shape that any reflection model (and the simulator) can read: the
 * current instruction in the FIRST fenced block, the examples in the SECOND fenced block (each
 * as `### Example N` with `Input:`, `Output:` and `Feedback:`; feedback starting with
 * "correct" marks a pass), then the ask for one new instruction in a fenced block. The wording
 * is this project's own.
 */
import type { ReflectionRecord } from './types';

const FENCE = '```';

/** Shortens text to at most `max` characters by cutting out its middle, marking the cut. */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (omitted: number) => `\n[... ${omitted} characters omitted ...]\n`;
  // The marker's own length depends on the count; size it for the worst case.
  const room = max - marker(text.length).length;
  if (room <= 0) return text.slice(0, Math.max(0, max));
  const head = Math.ceil(room * 0.6);
  const tail = room - head;
  const omitted = text.length - head - tail;
  return text.slice(0, head) + marker(omitted) + (tail > 0 ? text.slice(text.length - tail) : '');
}

/**
 * Three or more backticks inside content would close our fenced blocks early; they become
 * `~~~` (still a recognisable fence to a reader, no longer ours).
 */
export function neutralizeFences(text: string): string {
  return text.replace(/`{3,}/g, '~~~');
}

/** Feedback as the reflection model reads it: "correct..." exactly for passing examples. */
export function feedbackFor(score: number, passed: boolean, feedback: string, failed?: boolean): string {
  const fb = feedback.trim();
  const saysCorrect = /^correct\b/i.test(fb);
  if (passed) return saysCorrect ? fb : `correct (score ${score})${fb ? `: ${fb}` : ''}`;
  const prefix = failed ? `the rollout failed (score ${score})` : `not correct (score ${score})`;
  if (saysCorrect) return `${prefix}: ${fb}`;
  return fb || prefix;
}

/**
 * Caps one record to `maxChars` over input, output and feedback: short fields are kept whole
 * and the long ones share what is left equally (max-min fair), each cut in the middle.
 */
export function capRecord(record: ReflectionRecord, maxChars: number): ReflectionRecord {
  const fields = ['input', 'output', 'feedback'] as const;
  const total = fields.reduce((n, f) => n + record[f].length, 0);
  if (total <= maxChars) return record;
  const order = [...fields].sort((x, y) => record[x].length - record[y].length);
  let left = maxChars;
  const limits: Record<string, number> = {};
  order.forEach((f, i) => {
    const share = Math.floor(left / (order.length - i));
    limits[f] = Math.min(record[f].length, share);
    left -= limits[f];
  });
  return {
    ...record,
    input: truncateMiddle(record.input, limits.input),
    output: truncateMiddle(record.output, limits.output),
    feedback: truncateMiddle(record.feedback, limits.feedback),
  };
}

/** Keeps at most `max` records, failures first, each group in minibatch order. */
export function chooseRecords(records: readonly ReflectionRecord[], max: number | undefined): ReflectionRecord[] {
  if (max === undefined || records.length <= max) return [...records];
  const failures = records.filter((r) => !r.passed);
  const passes = records.filter((r) => r.passed);
  return [...failures, ...passes].slice(0, max);
}

function renderExamples(records: readonly ReflectionRecord[]): string {
  return records
    .map((r, i) =>
      [
        `### Example ${i + 1}`,
        `Input: ${neutralizeFences(r.input)}`,
        `Output: ${neutralizeFences(r.output)}`,
        `Feedback: ${neutralizeFences(r.feedback)}`,
      ].join('\n'),
    )
    .join('\n\n');
}

/** The whole reflection request for one component. */
export function buildReflectionPrompt(args: {
  currentText: string;
  records: readonly ReflectionRecord[];
  component: string;
  componentCount: number;
}): string {
  const part =
    args.componentCount > 1
      ? `It is the part named "${args.component}" of a longer instruction; the other parts stay as they are.`
      : 'The assistant reads it before every task input.';
  return [
    'You are revising the instruction that an AI assistant follows when it solves a task.',
    part,
    '',
    'The instruction in use now:',
    FENCE,
    neutralizeFences(args.currentText.trim()),
    FENCE,
    '',
    'Here is how the assistant did with it on a few task inputs: each example gives the input, the',
    'assistant\'s output and an assessment of that output. An assessment that starts with "correct"',
    'means the output was right; every other assessment describes a failure.',
    '',
    FENCE,
    renderExamples(args.records),
    FENCE,
    '',
    'Work out why the failures happened: a missing piece of domain knowledge, a general rule or',
    'check that would have caught the mistake, or a way of presenting the answer that the',
    'assessments ask for. Keep whatever the current instruction already does well. Then write the',
    'complete new instruction. It has to work on unseen problems of this task, so state general',
    'rules and do not refer to these particular examples.',
    '',
    'Reply with the new instruction only, inside one fenced code block that opens and closes with',
    'a line of three backticks.',
  ].join('\n');
}

export type ParsedInstruction = { ok: true; text: string } | { ok: false; reason: string };

/**
 * A label a model puts before the instruction ("New instruction:", "**Revised Instruction:**",
 * "## Improved instruction"): dropped when it stands before the text or on the opening fence line.
 */
const LABEL = /^[ \t>#*_]*(?:(?:the|my|a|an)\s+)?(?:(?:new|revised|improved|updated|final|complete)\s+)*instruction[*_]*[ \t]*(?:[:\-–—][*_]*[ \t]*|(?=[ \t]*(?:\n|$)))/i;
/** Quotes or bold markers wrapped around the whole instruction. */
const WRAPPERS: Array<[string, string]> = [['**', '**'], ['"', '"'], ['\u201c', '\u201d'], ["'", "'"]];

/** The text after a leading label, or undefined when the text does not start with one. */
function afterLabel(text: string): string | undefined {
  const m = LABEL.exec(text);
  return m && m[0].trim() !== '' && /instruction/i.test(m[0]) ? text.slice(m[0].length) : undefined;
}

/** Drops a leading label line or prefix and quotes around the whole text. */
function tidy(text: string): string {
  let t = text.trim();
  const rest = afterLabel(t);
  if (rest !== undefined && /^[ \t]*(\n|$)|^\S/.test(rest)) t = rest.trim();
  for (const [open, close] of WRAPPERS) {
    if (t.length > open.length + close.length && t.startsWith(open) && t.endsWith(close) && !t.slice(open.length, -close.length).includes(close)) {
      t = t.slice(open.length, t.length - close.length).trim();
    }
  }
  return t;
}

/** The fenced block's text (first fence to last), or undefined when the reply has no fence. */
function fencedText(raw: string): ParsedInstruction | undefined {
  const open = raw.indexOf(FENCE);
  if (open < 0) return undefined;
  let bodyStart = open + FENCE.length;
  while (raw[bodyStart] === '`') bodyStart++;
  const eol = raw.indexOf('\n', bodyStart);
  const restOfLine = raw.slice(bodyStart, eol < 0 ? raw.length : eol);
  // An info string (one word: `text`, `markdown`) or a label is dropped; other text on the
  // opening line is the instruction itself.
  const labelOnly = afterLabel(restOfLine)?.trim() === '';
  if (eol >= 0 && (/^\s*[A-Za-z0-9_+.-]*\s*$/.test(restOfLine) || labelOnly)) bodyStart = eol + 1;
  const close = raw.lastIndexOf(FENCE);
  let bodyEnd = close < bodyStart ? raw.length : close;
  while (bodyEnd > bodyStart && raw[bodyEnd - 1] === '`') bodyEnd--;
  const text = tidy(raw.slice(bodyStart, bodyEnd));
  if (text === '') return { ok: false, reason: 'the fenced block is empty' };
  return { ok: true, text };
}

/** The text after a "New instruction:" line when the reply has no fence. */
function labelledText(raw: string): ParsedInstruction | undefined {
  const lines = raw.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const rest = afterLabel(lines[i]);
    if (rest === undefined) continue;
    const text = tidy([rest, ...lines.slice(i + 1)].join('\n'));
    return text === '' ? { ok: false, reason: 'nothing follows the "New instruction:" label' } : { ok: true, text };
  }
  return undefined;
}

/** What no instruction looks like: the prompt's examples copied back, or no words at all. */
function notAnInstruction(text: string): string | undefined {
  if (/^#{2,}\s*Example\s+\d+/im.test(text) && /^Feedback:/im.test(text)) return 'the reply repeats the examples instead of an instruction';
  if (!/\p{L}/u.test(text)) return 'the reply holds no words (an answer, not an instruction)';
  return undefined;
}

/**
 * Reads the new instruction from a reflection reply. Accepted, in this order:
 * - a fenced block: the text from the first fence to the last (so an instruction may itself show
 *   a fenced example), with an info string (```text, ```markdown) or a label ("```New
 *   instruction:") on the opening line dropped, prose before and after ignored, and a block the
 *   model never closed read to the end of the reply (a reply cut off by the token limit is
 *   rejected as truncated before it gets here, by the engine);
 * - no fence, but a line starting with a label ("New instruction:", "**Revised instruction:**"):
 *   the text after the label, to the end of the reply.
 * Inside either, a leading label and quotes or bold markers around the whole text are dropped.
 * Rejected (and counted by the engine as reflection rejections): a reply with neither a fence
 * nor a label (there is no telling an instruction from commentary), an empty block, a block that
 * copies the prompt's examples back, and text without a word in it.
 */
export function parseReflection(raw: string): ParsedInstruction {
  const found = fencedText(raw) ?? labelledText(raw);
  if (!found) return { ok: false, reason: 'the reply has no fenced block and no "New instruction:" label' };
  if (!found.ok) return found;
  const why = notAnInstruction(found.text);
  return why ? { ok: false, reason: why } : found;
}
