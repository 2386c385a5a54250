/**
 * Plausible bugs planted in a reference Python program: the wrong answers of the code world.
 * Each mutation edits code outside strings, comments and docstrings, and names the traps it
 * embodies, so an instance's traps make its own kind of mistake likelier. Whether a mutant
 * fails is left to the real test run, as with a real model's near-miss.
 */
import type { Rng } from '../../core/random';

interface Site {
  line: number;
  /** Replace [start, end) of the line with `text`; an empty `text` with start 0 and end -1 removes the line. */
  start: number;
  end: number;
  text: string;
  /** Further lines to remove (a guard's body). */
  alsoRemove?: number[];
}

interface Mutation {
  name: string;
  /** Trap names this mistake belongs to. */
  traps: readonly string[];
  sites(code: CodeView): Site[];
}

/** The program's lines, with strings, comments and docstrings blanked out for matching. */
export interface CodeView {
  lines: string[];
  /** Same length as `lines`; string contents, comments and docstring lines replaced by spaces. */
  masked: string[];
}

export function viewCode(program: string): CodeView {
  const lines = program.replace(/\r\n?/g, '\n').split('\n');
  const masked: string[] = [];
  let inTriple: string | null = null;
  for (const line of lines) {
    let out = '';
    let i = 0;
    let quote: string | null = null;
    while (i < line.length) {
      if (inTriple) {
        const end = line.indexOf(inTriple, i);
        if (end < 0) { out += ' '.repeat(line.length - i); i = line.length; break; }
        out += ' '.repeat(end + 3 - i);
        i = end + 3;
        inTriple = null;
        continue;
      }
      const c = line[i];
      if (quote) {
        if (c === '\\') { out += '  '; i += 2; continue; }
        if (c === quote) quote = null;
        out += ' ';
        i++;
        continue;
      }
      if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        inTriple = line.slice(i, i + 3);
        out += '   ';
        i += 3;
        continue;
      }
      if (c === '"' || c === "'") { quote = c; out += ' '; i++; continue; }
      if (c === '#') { out += ' '.repeat(line.length - i); break; }
      out += c;
      i++;
    }
    masked.push(out.slice(0, line.length).padEnd(line.length, ' '));
  }
  return { lines, masked };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Index just after the `)` that closes the `(` at `open`, or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(' || text[i] === '[' || text[i] === '{') depth++;
    else if (text[i] === ')' || text[i] === ']' || text[i] === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Top-level comma positions inside the parenthesis span [open, close). */
function topLevelCommas(text: string, open: number, close: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = open + 1; i < close - 1; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) out.push(i);
  }
  return out;
}

function regexSites(view: CodeView, re: RegExp, replace: (m: RegExpExecArray) => string | null): Site[] {
  const sites: Site[] = [];
  view.masked.forEach((m, line) => {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    for (let x = g.exec(m); x; x = g.exec(m)) {
      const text = replace(x);
      if (text !== null) sites.push({ line, start: x.index, end: x.index + x[0].length, text });
      if (x[0].length === 0) g.lastIndex++;
    }
  });
  return sites;
}

const MUTATIONS: readonly Mutation[] = [
  {
    name: 'range-bound',
    traps: ['off-by-one'],
    sites: (view) => {
      const sites: Site[] = [];
      view.masked.forEach((m, line) => {
        for (const x of m.matchAll(/\brange\(/g)) {
          const open = (x.index ?? 0) + 5;
          const close = closingParen(m, open);
          if (close < 0) continue;
          const commas = topLevelCommas(m, open, close);
          // The stop argument: the only one, or the second of (start, stop[, step]).
          const from = commas.length === 0 ? open + 1 : commas[0] + 1;
          const to = commas.length >= 2 ? commas[1] : close - 1;
          const arg = view.lines[line].slice(from, to);
          const trimmed = arg.trim();
          if (!trimmed) continue;
          let next: string;
          if (/\s*\+\s*1$/.test(trimmed)) next = trimmed.replace(/\s*\+\s*1$/, '');
          else if (/\s*-\s*1$/.test(trimmed)) next = trimmed.replace(/\s*-\s*1$/, '');
          else next = `${trimmed} - 1`;
          const lead = arg.slice(0, arg.length - arg.trimStart().length);
          sites.push({ line, start: from, end: to, text: lead + next });
        }
      });
      return sites;
    },
  },
  {
    name: 'comparison-flip',
    traps: ['off-by-one', 'negative-numbers', 'float-precision'],
    sites: (view) => regexSites(view, /(?<![-<>=!])(<=|>=|==|!=|<|>)(?![<>=])/, (m) => {
      const flip: Record<string, string> = { '<=': '<', '>=': '>', '<': '<=', '>': '>=', '==': '!=', '!=': '==' };
      return flip[m[1]] ?? null;
    }),
  },
  {
    name: 'drop-guard',
    traps: ['empty-input'],
    sites: (view) => {
      const sites: Site[] = [];
      const guard = /^\s*if\s+(not\s+\w+|len\(\w+\)\s*(==|<=?)\s*[012]|\w+\s*==\s*(0|\[\]|''|"")|\w+\s+is\s+None)\s*:\s*(.*)$/;
      view.masked.forEach((m, line) => {
        const g = guard.exec(m);
        if (!g) return;
        if (g[4].trim()) {
          sites.push({ line, start: 0, end: -1, text: '' });
          return;
        }
        const body = line + 1;
        if (body >= view.lines.length || indentOf(view.lines[body]) <= indentOf(view.lines[line])) return;
        const after = body + 1;
        const single = after >= view.lines.length || !view.lines[after].trim() || indentOf(view.lines[after]) <= indentOf(view.lines[line]);
        if (single && /^\s*return\b/.test(view.masked[body])) sites.push({ line, start: 0, end: -1, text: '', alsoRemove: [body] });
      });
      return sites;
    },
  },
  {
    name: 'constant-change',
    traps: [],
    sites: (view) => regexSites(view, /(?<![\w.])\d+(\.\d+)?(?![\w.])/, (m) => (m[1] ? String(Number(m[0]) + 0.5) : String(Number(m[0]) + 1))),
  },
  {
    name: 'case-drop',
    traps: ['string-case'],
    sites: (view) => regexSites(view, /\.(lower|upper|casefold|isupper|islower)\(\)/, (m) => {
      const swap: Record<string, string> = { isupper: '.islower()', islower: '.isupper()' };
      return swap[m[1]] ?? '';
    }),
  },
  {
    name: 'abs-drop',
    traps: ['negative-numbers'],
    sites: (view) => {
      const sites: Site[] = [];
      view.masked.forEach((m, line) => {
        for (const x of m.matchAll(/\babs\(/g)) {
          const open = (x.index ?? 0) + 3;
          const close = closingParen(m, open);
          if (close < 0) continue;
          sites.push({ line, start: x.index ?? 0, end: close, text: `(${view.lines[line].slice(open + 1, close - 1)})` });
        }
      });
      return sites;
    },
  },
  {
    name: 'set-drop',
    traps: ['duplicates'],
    sites: (view) => regexSites(view, /\bset\((?=\S)/, () => 'list('),
  },
  {
    name: 'sort-flip',
    traps: ['sort-order'],
    sites: (view) => [
      ...regexSites(view, /reverse\s*=\s*True/, () => 'reverse=False'),
      ...regexSites(view, /reverse\s*=\s*False/, () => 'reverse=True'),
      ...regexSites(view, /\.sort\(\)/, () => '.sort(reverse=True)'),
    ],
  },
  {
    name: 'true-division',
    traps: ['float-precision'],
    sites: (view) => [
      ...regexSites(view, /(?<![/*])\/(?![/=])/, () => '//'),
      ...regexSites(view, /\/\/(?!=)/, () => '/'),
    ],
  },
  {
    name: 'length-off-by-one',
    traps: ['off-by-one', 'empty-input'],
    sites: (view) => {
      const sites: Site[] = [];
      view.masked.forEach((m, line) => {
        for (const x of m.matchAll(/\blen\(/g)) {
          const close = closingParen(m, (x.index ?? 0) + 3);
          if (close > 0 && !/^\s*[-+]\s*1\b/.test(m.slice(close))) sites.push({ line, start: close, end: close, text: ' - 1' });
        }
      });
      return sites;
    },
  },
  {
    name: 'index-shift',
    traps: ['off-by-one'],
    // A plain subscript x[i] read one place off: x[i + 1].
    sites: (view) => regexSites(view, /(?<=[\w)\]]\[)(\w+)(?=\])/, (m) => `${m[1]} + 1`),
  },
  {
    name: 'arithmetic-swap',
    traps: [],
    // Binary operators only: an operand (name, number, closing bracket) on both sides; not `**`, `+=`, `*args`.
    sites: (view) => regexSites(view, /(?<=[\w)\]]\s*)(?<![*])([-+*%])(?![*=])(?=\s*[\w(\[])/, (m) => ({ '+': '-', '-': '+', '*': '+', '%': '//' })[m[1]] ?? null),
  },
  {
    name: 'builtin-swap',
    traps: ['sort-order'],
    sites: (view) => [
      ...regexSites(view, /\b(max|min)\(/, (m) => (m[1] === 'max' ? 'min(' : 'max(')),
      ...regexSites(view, /\.(startswith|endswith)\(/, (m) => (m[1] === 'startswith' ? '.endswith(' : '.startswith(')),
      ...regexSites(view, /\.swapcase\(\)/, () => '.lower()'),
      ...regexSites(view, /\bn(largest|smallest)\(/, (m) => (m[1] === 'largest' ? 'nsmallest(' : 'nlargest(')),
      ...regexSites(view, /\bsorted\((?=[^()]*\)|[^()]*\([^()]*\)[^()]*\))/, () => 'reversed('),
    ],
  },
  {
    name: 'negate-condition',
    traps: [],
    sites: (view) => [
      ...regexSites(view, /\bif not\s+/, () => 'if '),
      ...regexSites(view, /\bif\s+(?!not\b)/, () => 'if not '),
      ...regexSites(view, /(?<=\bif\b[^:\n]*\s)in(?=\s)/, () => 'not in'),
    ],
  },
  {
    name: 'return-flip',
    traps: [],
    sites: (view) => regexSites(view, /\breturn (True|False)\b/, (m) => `return ${m[1] === 'True' ? 'False' : 'True'}`),
  },
];

function applySite(view: CodeView, site: Site): string {
  const lines = [...view.lines];
  const remove = new Set(site.alsoRemove ?? []);
  if (site.end === -1) remove.add(site.line);
  else lines[site.line] = lines[site.line].slice(0, site.start) + site.text + lines[site.line].slice(site.end);
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (!remove.has(i)) out.push(l);
    else if (i === site.line && site.end === -1 && leavesEmptyBlock(view, site.line, remove)) {
      // The guard was a block's only statement: `pass` keeps the program valid.
      out.push(`${l.slice(0, indentOf(l))}pass`);
    }
  });
  return out.join('\n');
}

/** True when removing `remove` leaves the block that holds `line` without any statement. */
function leavesEmptyBlock(view: CodeView, line: number, remove: Set<number>): boolean {
  const indent = indentOf(view.lines[line]);
  for (let i = line - 1; i >= 0; i--) {
    if (!view.masked[i].trim()) continue;
    if (indentOf(view.lines[i]) < indent) break;
    if (indentOf(view.lines[i]) === indent) return false;
  }
  for (let i = line + 1; i < view.lines.length; i++) {
    if (remove.has(i) || !view.masked[i].trim()) continue;
    return indentOf(view.lines[i]) < indent;
  }
  return true;
}

/** Mistakes of no particular trap, made less often than the trap-linked ones. */
const GENERIC = new Set(['return-flip', 'constant-change', 'arithmetic-swap', 'negate-condition']);

/**
 * A mutant of `program`: mistakes tied to `trapNames` are three times as likely. Returns the
 * mutant and the mutation's name, or null when no mutation applies (then the caller writes a
 * different wrong answer).
 */
export function mutateProgram(program: string, trapNames: readonly string[], rng: Rng): { code: string; mutation: string } | null {
  const view = viewCode(program);
  const candidates: { mutation: Mutation; sites: Site[]; weight: number }[] = [];
  for (const mutation of MUTATIONS) {
    const sites = mutation.sites(view);
    if (sites.length === 0) continue;
    const linked = mutation.traps.some((t) => trapNames.includes(t));
    const weight = GENERIC.has(mutation.name) ? 0.5 : linked ? 3 : 1;
    candidates.push({ mutation, sites, weight });
  }
  if (candidates.length === 0) return null;
  const chosen = candidates[rng.weightedIndex(candidates.map((c) => c.weight))];
  const site = chosen.sites[rng.int(chosen.sites.length)];
  const code = applySite(view, site);
  return { code, mutation: chosen.mutation.name };
}

export const MUTATION_NAMES = MUTATIONS.map((m) => m.name);
