/**
 * Diffs from a longest common subsequence: of lines (what reflection on the small model wrote
 * into the prompt that the matched baseline did not, and the reverse) and of sentences (what one
 * accepted mutation added to its parent and removed from it).
 */

export interface DiffLine {
  /** ' ' kept, '-' only in the old text, '+' only in the new text. */
  op: ' ' | '-' | '+';
  text: string;
}

/** Beyond this many LCS cells (prompts of thousands of lines), fall back to "all removed, all added". */
const MAX_CELLS = 4_000_000;

export function lineDiff(oldText: string, newText: string): DiffLine[] {
  return sequenceDiff(oldText.split('\n'), newText.split('\n'));
}

/**
 * Sentences of a prompt: split at line breaks and after ., ! or ? followed by a space, trimmed,
 * bullets and numbering kept as part of their sentence. Empty pieces are dropped.
 */
export function splitSentences(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=\S)/))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A sentence-level diff of two prompts (the same LCS as lineDiff, over sentences). */
export function sentenceDiff(oldText: string, newText: string): DiffLine[] {
  return sequenceDiff(splitSentences(oldText), splitSentences(newText));
}

/** LCS diff of two sequences of strings. */
export function sequenceDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  // Common prefix and suffix need no table; prompts that differ in a few rules shrink a lot.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const head: DiffLine[] = a.slice(0, pre).map((text) => ({ op: ' ', text }));
  const tail: DiffLine[] = a.slice(a.length - suf).map((text) => ({ op: ' ', text }));
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  const n = x.length;
  const m = y.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    return [...head, ...x.map((text) => ({ op: '-' as const, text })), ...y.map((text) => ({ op: '+' as const, text })), ...tail];
  }
  // lcs[i][j] = LCS length of x[i..] and y[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const middle: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      middle.push({ op: ' ', text: x[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      middle.push({ op: '-', text: x[i++] });
    } else {
      middle.push({ op: '+', text: y[j++] });
    }
  }
  while (i < n) middle.push({ op: '-', text: x[i++] });
  while (j < m) middle.push({ op: '+', text: y[j++] });
  return [...head, ...middle, ...tail];
}
