/**
 * Brace- and bracket-aware scanning of LaTeX answer strings: the small parsing chores every
 * other grader module shares (matching a `{`, splitting at top-level commas, unwrapping
 * `\text{...}`).
 */

/** Index just past the `}` that closes the `{` at `open`, or -1 when the braces do not balance. Escaped `\{`/`\}` are literal. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Nesting depth changes for one position: `( [ { \{` open, `) ] } \}` close. Interval
 * brackets may mismatch (`(3,4]`), so only the depth counts, not the bracket kinds.
 * Returns [delta, characters consumed].
 */
function step(s: string, i: number): [number, number] {
  const c = s[i];
  if (c === '\\') {
    const next = s[i + 1];
    if (next === '{') return [1, 2];
    if (next === '}') return [-1, 2];
    return [0, next === undefined ? 1 : 2];
  }
  if (OPENERS.has(c)) return [1, 1];
  if (CLOSERS.has(c)) return [-1, 1];
  return [0, 1];
}

/** Splits `s` at every top-level occurrence of `sep` (a literal string), respecting nesting. */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < s.length) {
    if (depth === 0 && s.startsWith(sep, i) && !isCommandPrefix(s, i, sep)) {
      parts.push(s.slice(start, i));
      i += sep.length;
      start = i;
      continue;
    }
    const [delta, width] = step(s, i);
    depth += delta;
    i += width;
  }
  parts.push(s.slice(start));
  return parts;
}

/** `\cup` must not match inside `\cups`, `\in` not inside `\infty`. */
function isCommandPrefix(s: string, i: number, sep: string): boolean {
  if (!/^\\[a-zA-Z]+$/.test(sep)) {
    // A bare "=" must not be the tail of `\leq`-like commands or `<=`; "," never is.
    return sep === '=' && (s[i - 1] === '<' || s[i - 1] === '>' || s[i - 1] === '!');
  }
  return /[a-zA-Z]/.test(s[i + sep.length] ?? '');
}

/**
 * When `s` is one bracketed group whose opener is at 0 and whose closer is the last
 * character, returns [opener, closer, inner]. `\{ ... \}` counts as a group too.
 */
export function outerGroup(s: string): { open: string; close: string; inner: string } | null {
  const setOpen = s.startsWith('\\{');
  if (!setOpen && !(s[0] === '(' || s[0] === '[')) return null;
  let depth = 0;
  let i = 0;
  while (i < s.length) {
    const [delta, width] = step(s, i);
    depth += delta;
    i += width;
    if (depth === 0) break;
  }
  if (depth !== 0 || i !== s.length) return null;
  if (setOpen) {
    if (!s.endsWith('\\}')) return null;
    return { open: '\\{', close: '\\}', inner: s.slice(2, -2) };
  }
  const close = s[s.length - 1];
  if (close !== ')' && close !== ']') return null;
  return { open: s[0], close, inner: s.slice(1, -1) };
}

/**
 * Replaces every `\cmd{arg}` (for the given command names) with `render(arg)`, matching nested
 * braces. A command without a following `{` is left alone.
 */
export function replaceCommandArg(s: string, commands: readonly string[], render: (arg: string, cmd: string) => string): string {
  const re = new RegExp(`\\\\(${commands.join('|')})(?![a-zA-Z])\\s*\\{`, 'g');
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const open = m.index + m[0].length - 1;
    const end = matchBrace(s, open);
    if (end < 0) break;
    out += s.slice(last, m.index) + render(s.slice(open + 1, end - 1), m[1]);
    last = end;
    re.lastIndex = end;
  }
  return out + s.slice(last);
}
