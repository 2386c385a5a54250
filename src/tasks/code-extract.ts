/**
 * Finding the program in a model's answer (pure string logic, no I/O):
 *   1. fenced blocks: the last one that defines the entry point, else the last ```python one,
 *      else the last unlabeled one, else the last of any language (an unclosed final fence runs
 *      to the end, as in a truncated answer);
 *   2. no fence: the `def <entryPoint>` block itself, with the top-level imports before it;
 *   3. HumanEval only: an answer that is just a function body (indented, as a raw completion) is
 *      appended to the prompt.
 * HumanEval programs are assembled as prompt + the model's code, so the prompt's imports and
 * helper functions are there even when the model repeats only the entry point; the model's
 * definition replaces the prompt's docstring-only stub.
 */

export type CodeSource = 'fenced-python' | 'fenced' | 'def' | 'body';

export interface ExtractedCode {
  code: string;
  source: CodeSource;
}

export interface FencedBlock {
  lang: string;
  body: string;
  closed: boolean;
}

const PYTHON_LANGS = new Set(['python', 'py', 'python3', 'py3', 'python3.11']);
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

/** Markdown fenced code blocks, in order. */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let open: { fence: string; lang: string; lines: string[] } | null = null;
  for (const line of lines) {
    if (!open) {
      const m = FENCE.exec(line);
      if (m) open = { fence: m[1], lang: m[2].toLowerCase(), lines: [] };
      continue;
    }
    const trimmed = line.trim();
    if (trimmed.length >= open.fence.length && trimmed === open.fence[0].repeat(trimmed.length)) {
      blocks.push({ lang: open.lang, body: open.lines.join('\n'), closed: true });
      open = null;
    } else {
      open.lines.push(line);
    }
  }
  if (open && open.lines.some((l) => l.trim())) blocks.push({ lang: open.lang, body: open.lines.join('\n'), closed: false });
  return blocks;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function definesFunction(code: string, name: string): boolean {
  return new RegExp(`^[ \\t]*(?:async[ \\t]+)?def[ \\t]+${escapeRegExp(name)}[ \\t]*\\(`, 'm').test(code);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The `def name(...)` block of unfenced text, with decorators and the imports before it. */
export function functionFromText(text: string, name: string): string | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const defRe = new RegExp(`^([ \\t]*)(?:async[ \\t]+)?def[ \\t]+${escapeRegExp(name)}[ \\t]*\\(`);
  const start = lines.findIndex((l) => defRe.test(l));
  if (start < 0) return null;
  const base = indentOf(lines[start]);
  let first = start;
  while (first > 0 && /^\s*@/.test(lines[first - 1]) && indentOf(lines[first - 1]) === base) first--;
  let end = start + 1;
  // The signature may span lines; then the body is everything more indented than the def.
  while (end < lines.length) {
    const l = lines[end];
    if (l.trim() && indentOf(l) <= base && !/^\s*[)\]}]/.test(l)) break;
    end++;
  }
  while (end > start + 1 && !lines[end - 1].trim()) end--;
  const dedent = (l: string) => l.slice(Math.min(base, indentOf(l)));
  const imports = lines.slice(0, first).filter((l) => /^(import\s+\w|from\s+[\w.]+\s+import\s)/.test(l.trim()) && indentOf(l) === base);
  return [...imports.map(dedent), ...lines.slice(first, end).map(dedent)].join('\n');
}

/** A body without a `def` line: indented lines, as a raw completion continues a prompt. */
export function looksLikeBody(code: string): boolean {
  const firstLine = code.split('\n').find((l) => l.trim());
  if (!firstLine) return false;
  if (/^\s/.test(firstLine)) return true;
  return !/^(?:async\s+)?(def|class)\s/m.test(code) && /\breturn\b/.test(code);
}

function pickBlock(blocks: FencedBlock[], entryPoint: string | undefined): FencedBlock | undefined {
  const pythonish = (b: FencedBlock) => PYTHON_LANGS.has(b.lang) || b.lang === '';
  const last = (pred: (b: FencedBlock) => boolean) => [...blocks].reverse().find(pred);
  return (entryPoint ? last((b) => pythonish(b) && definesFunction(b.body, entryPoint)) : undefined) ??
    last((b) => PYTHON_LANGS.has(b.lang)) ?? last((b) => b.lang === '') ?? last(() => true);
}

/** The program in a model answer, or null when it has none. */
export function extractCode(output: string, entryPoint?: string, opts: { allowBody?: boolean } = {}): ExtractedCode | null {
  const block = pickBlock(fencedBlocks(output).filter((b) => b.body.trim()), entryPoint);
  if (block) return { code: block.body, source: PYTHON_LANGS.has(block.lang) ? 'fenced-python' : 'fenced' };
  if (entryPoint) {
    const fn = functionFromText(output, entryPoint);
    if (fn) return { code: fn, source: 'def' };
  }
  const text = output.replace(/\r\n?/g, '\n');
  if (opts.allowBody && looksLikeBody(text)) return { code: text, source: 'body' };
  return null;
}

function indentBody(body: string): string {
  const lines = body.replace(/^\n+/, '').split('\n');
  const first = lines.find((l) => l.trim()) ?? '';
  if (/^\s/.test(first)) return lines.join('\n');
  return lines.map((l) => (l.trim() ? '    ' + l : l)).join('\n');
}

/** `from __future__` imports must open the module, so they move above the prompt. */
function hoistFutureImports(program: string): string {
  const future: string[] = [];
  const rest = program.split('\n').filter((l) => {
    if (/^from\s+__future__\s+import\s/.test(l)) {
      future.push(l);
      return false;
    }
    return true;
  });
  return future.length ? [...future, ...rest].join('\n') : program;
}

export type HumanEvalAssembly = 'prompt+function' | 'prompt+body' | 'prompt+code';

/** The HumanEval program: the prompt, then the model's function (or body). */
export function assembleHumanEval(prompt: string, extracted: ExtractedCode, entryPoint: string): { program: string; assembly: HumanEvalAssembly } {
  const head = prompt.endsWith('\n') ? prompt : prompt + '\n';
  if (definesFunction(extracted.code, entryPoint)) {
    return { program: hoistFutureImports(`${head}\n${extracted.code.trimEnd()}\n`), assembly: 'prompt+function' };
  }
  if (extracted.source === 'body' || looksLikeBody(extracted.code)) {
    return { program: `${head}${indentBody(extracted.code).trimEnd()}\n`, assembly: 'prompt+body' };
  }
  return { program: hoistFutureImports(`${head}\n${extracted.code.trimEnd()}\n`), assembly: 'prompt+code' };
}
