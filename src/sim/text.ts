/**
 * Text helpers the simulator reads requests with: normalization that remembers where each
 * character came from (so a question found in normalized text can be cut out of the raw text),
 * fenced blocks, and keyword mentions. Pure.
 */

/** Lower-case with whitespace runs collapsed to one space and trimmed: the form instances are indexed in. */
export function normalizeText(text: string): string {
  return normalizeChars(text, null);
}

export interface MappedText {
  /** Same as normalizeText(raw). */
  norm: string;
  /** For each char of `norm`, the index in `raw` it came from. */
  map: Int32Array;
}

/** normalizeText with a map back to raw positions (lower-casing can change a char's length). */
export function normalizeWithMap(raw: string): MappedText {
  const idx: number[] = [];
  const norm = normalizeChars(raw, idx);
  return { norm, map: Int32Array.from(idx) };
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f ||
    code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Char by char (not String.toLowerCase on the whole) so the map and the plain form always agree. */
function normalizeChars(raw: string, idx: number[] | null): string {
  let out = '';
  let pendingSpace = -1;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (isSpace(code)) {
      if (out.length > 0 && pendingSpace < 0) pendingSpace = i;
      continue;
    }
    if (pendingSpace >= 0) {
      out += ' ';
      idx?.push(pendingSpace);
      pendingSpace = -1;
    }
    let lower: string;
    if (code < 128) lower = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : raw[i];
    else lower = raw[i].toLowerCase();
    out += lower;
    if (idx) for (let k = 0; k < lower.length; k++) idx.push(i);
  }
  return out;
}

export interface FencedBlock {
  /** The text between the fences (no trailing newline). */
  body: string;
  /** The info string after the opening fence (e.g. `python`). */
  info: string;
  /** Char offsets of the whole block (opening fence to end of closing fence) in the source. */
  start: number;
  end: number;
}

/**
 * Fenced code blocks as CommonMark reads them: an opening line of 3+ backticks (or tildes)
 * closed by a line of at least as many of the same char. An unclosed fence runs to the end.
 */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.split('\n');
  let offset = 0;
  let open: { char: string; len: number; info: string; start: number; bodyStart: number } | null = null;
  for (const line of lines) {
    const lineEnd = offset + line.length;
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line.replace(/\r$/, ''));
    if (!open) {
      if (m && !(m[1][0] === '`' && m[2].includes('`'))) {
        open = { char: m[1][0], len: m[1].length, info: m[2].trim(), start: offset, bodyStart: lineEnd + 1 };
      }
    } else if (m && m[1][0] === open.char && m[1].length >= open.len && m[2].trim() === '') {
      blocks.push({ body: text.slice(open.bodyStart, Math.max(open.bodyStart, offset - 1)), info: open.info, start: open.start, end: lineEnd });
      open = null;
    }
    offset = lineEnd + 1;
  }
  if (open) blocks.push({ body: text.slice(Math.min(open.bodyStart, text.length)).replace(/\n$/, ''), info: open.info, start: open.start, end: text.length });
  return blocks;
}

/** Wraps text in a fence longer than any backtick run inside it, so the block survives intact. */
export function fence(body: string, info = ''): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${info}\n${body}\n${ticks}`;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c);
}

/**
 * True when `lower` (already lower-case) mentions `keyword` starting at a word start, so
 * "rate" matches "rates" but not "separate". Keywords starting with a symbol match anywhere.
 */
export function mentions(lower: string, keyword: string): boolean {
  let from = 0;
  for (;;) {
    const at = lower.indexOf(keyword, from);
    if (at < 0) return false;
    if (!isWordChar(keyword[0]) || !isWordChar(lower[at - 1])) return true;
    from = at + 1;
  }
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
