/**
 * Our math grader against Hugging Face's math-verify, on the committed fixture of (gold,
 * prediction) pairs built from MATH-500's golds plus hand-written cases
 * (scripts/math-verify/make_pairs.py; math-verify's verdicts recorded once by verdicts.py).
 * Every disagreement is printed, and must carry a note saying why we judge differently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gradeMath } from '../src/tasks/math-grader';

interface Pair {
  id: string;
  gold: string;
  prediction: string;
  mathVerify: boolean;
  kind: string;
  intent: 'equal' | 'differ';
  what?: string;
  note?: string;
}

const FIXTURE = path.join(__dirname, 'fixtures', 'math-verify', 'pairs.jsonl');

function loadPairs(): Pair[] {
  return fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    const p = JSON.parse(l) as Pair;
    if (typeof p.gold !== 'string' || typeof p.prediction !== 'string' || typeof p.mathVerify !== 'boolean') {
      throw new Error(`${FIXTURE}:${i + 1}: a pair needs string gold and prediction and a boolean mathVerify`);
    }
    return p;
  });
}

describe('agreement with math-verify', () => {
  const pairs = loadPairs();
  let results: { pair: Pair; ours: boolean; tier: string; reason: string }[] = [];
  let disagreements: typeof results = [];

  beforeAll(() => {
    // Both graders see the prediction as a model writes it: inside \boxed{}.
    results = pairs.map((p) => {
      const grade = gradeMath(`The final answer is $\\boxed{${p.prediction}}$.`, p.gold);
      return { pair: p, ours: grade.score === 1, tier: grade.details?.tier as string, reason: grade.details?.reason as string };
    });
    disagreements = results.filter((r) => r.ours !== r.pair.mathVerify);
  });

  test('the fixture covers MATH-500 answer shapes with at least 300 pairs, equal and unequal', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set(pairs.map((p) => p.kind));
    for (const k of ['identity', 'restyle', 'value', 'reorder', 'near-miss', 'shape', 'hand']) expect(kinds).toContain(k);
    expect(pairs.filter((p) => p.mathVerify).length).toBeGreaterThan(100);
    expect(pairs.filter((p) => !p.mathVerify).length).toBeGreaterThan(100);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
  });

  test('agrees on at least 98% of pairs; every disagreement printed and explained', () => {
    const lines = disagreements.map((r) =>
      `${r.pair.id}: gold ${r.pair.gold} | prediction ${r.pair.prediction} | math-verify ${r.pair.mathVerify}, ours ${r.ours} (${r.tier}: ${r.reason})\n    note: ${r.pair.note ?? '(none)'}`);
    const rate = (pairs.length - disagreements.length) / pairs.length;
    console.log(`math grader vs math-verify: ${pairs.length - disagreements.length}/${pairs.length} agree (${(100 * rate).toFixed(2)}%); ${disagreements.length} disagreements:\n${lines.join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(0.98);
    expect(disagreements.filter((r) => !r.pair.note).map((r) => r.pair.id)).toEqual([]);
  });

  test('notes sit only on pairs where we disagree (none is stale)', () => {
    const noted = pairs.filter((p) => p.note).map((p) => p.id).sort();
    expect(noted).toEqual(disagreements.map((r) => r.pair.id).sort());
  });

  test('every tier takes part in the verdicts', () => {
    const tiers = new Set(results.map((r) => r.tier));
    for (const t of ['string', 'numeric', 'symbolic']) expect(tiers).toContain(t);
  });
});

interface OutputPair {
  id: string;
  gold: string;
  output: string;
  mathVerify: boolean;
  kind: string;
  template: string;
  boxed: boolean;
  intent: 'equal' | 'differ';
  note?: string;
}

const OUTPUTS = path.join(__dirname, 'fixtures', 'math-verify', 'outputs.jsonl');

/**
 * The second fixture, from a different generator (scripts/math-verify/make_outputs.py): whole
 * model outputs in other templates, boxed and unboxed, with other answer forms. Both graders read
 * the whole output; an unboxed answer counts by its verdict (details.fallbackCorrect), since the
 * box requirement is ours and not math-verify's.
 */
describe('agreement with math-verify on whole outputs (second fixture)', () => {
  const pairs = fs.readFileSync(OUTPUTS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as OutputPair);
  const results = pairs.map((p) => {
    const g = gradeMath(p.output, p.gold);
    const ours = g.score === 1 || g.details?.fallbackCorrect === true;
    return { pair: p, ours, reason: `${g.details?.tier}: ${g.details?.reason ?? g.feedback}` };
  });
  const disagreements = results.filter((r) => r.ours !== r.pair.mathVerify);

  test('at least 400 pairs, boxed and unboxed, equal and unequal', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(400);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
    expect(pairs.filter((p) => !p.boxed).length).toBeGreaterThan(100);
    expect(pairs.filter((p) => p.mathVerify).length).toBeGreaterThan(100);
    expect(pairs.filter((p) => !p.mathVerify).length).toBeGreaterThan(100);
    expect(new Set(pairs.map((p) => p.template)).size).toBeGreaterThanOrEqual(5);
  });

  test('agrees on at least 97% of pairs; every disagreement printed and explained, no stale note', () => {
    const rate = (pairs.length - disagreements.length) / pairs.length;
    console.log(`math grader vs math-verify on outputs: ${pairs.length - disagreements.length}/${pairs.length} agree (${(100 * rate).toFixed(2)}%); ` +
      `${disagreements.length} disagreements:\n${disagreements.map((r) => `${r.pair.id}: gold ${r.pair.gold} | math-verify ${r.pair.mathVerify}, ours ${r.ours} (${r.reason})\n    note: ${r.pair.note ?? '(none)'}`).join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(0.97);
    expect(disagreements.filter((r) => !r.pair.note).map((r) => r.pair.id)).toEqual([]);
    expect(pairs.filter((p) => p.note).map((p) => p.id).sort()).toEqual(disagreements.map((r) => r.pair.id).sort());
  });
});
