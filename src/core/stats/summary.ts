/**
 * Every number a report states about test results, computed from the per-problem results alone,
 * so anyone can recompute them from results.jsonl: accuracy per arm and model with a Wilson
 * interval (and pass@k with several samples), every pair of arms on the same model (paired
 * difference with a bootstrap interval, discordant problems, exact McNemar), and the spread over
 * repeats.
 *
 * Per problem with K samples of which c are correct, the problem's rate is c / K and it counts as
 * solved when the rate is above 1/2 (with K = 1: when the one rollout is correct). Accuracy is the
 * mean rate over problems (the unbiased pass@1); its Wilson interval uses problems as n, because
 * samples of one problem are not independent.
 */
import { mcnemarExact, discordance } from './mcnemar';
import { pairedBootstrap, DEFAULT_RESAMPLES } from './paired-bootstrap';
import { passAtK, reportedKs } from './pass-at-k';
import { isCorrect, wilson } from './proportion';
import { countSigns, meanAndSd, signOf, type Sign, type SignCounts } from './repeats';

/** One graded test rollout: one problem, one sample, one arm's final prompt, one model. */
export interface ProblemResult {
  /** Index of the repeated run (0-based); repeats differ by seed. */
  repeat: number;
  /** Arm whose final prompt was evaluated: seed, base, lsl, matched, small-only, cycles-k. */
  arm: string;
  /** Registry name of the model that answered (as in ReportInput.models[].name). */
  model: string;
  /** Task example id (stable across runs). */
  id: string;
  /** Sample index within the problem, 0..K-1. */
  sample: number;
  /** Grader score in [0, 1]; 1 is a correct answer. */
  score: number;
  /** Answer the grader extracted, null when it found none. */
  extracted: string | null;
  /** Full model output. */
  output: string;
  /** Grader feedback (expected vs got, failing test, extraction problem). */
  feedback: string;
}

export interface SummaryOptions {
  /** Seed of the paired bootstraps (each pair derives its own stream from it). Default 0. */
  seed?: number;
  /** Bootstrap resamples. Default 10,000. */
  resamples?: number;
  /** Normal quantile of the Wilson interval. Default 1.96 (95%). */
  z?: number;
}

export interface PassAtK { k: number; value: number }

export interface ArmAccuracy {
  repeat: number;
  arm: string;
  model: string;
  /** Distinct problems graded. */
  problems: number;
  /** Most samples of any problem (K). */
  samples: number;
  rollouts: number;
  /** Mean over problems of the fraction of correct samples. */
  accuracy: number;
  /** Wilson interval of the accuracy. */
  low: number;
  high: number;
  /** Problems solved (rate above 1/2). */
  solved: number;
  /** pass@k for k in 1, 2, 5, 10, ..., K; empty when K = 1. */
  passAtK: PassAtK[];
}

export interface ArmPair {
  repeat: number;
  model: string;
  /** The difference is a - b. */
  a: string;
  b: string;
  /** Problems graded for both arms. */
  n: number;
  accuracyA: number;
  accuracyB: number;
  /** Mean per-problem difference of rates (= accuracyA - accuracyB on the paired problems). */
  difference: number;
  /** Paired bootstrap 95% percentile interval of the difference. */
  low: number;
  high: number;
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** Exact McNemar two-sided p on onlyA vs onlyB. */
  mcnemarP: number;
}

export interface RepeatAccuracy {
  arm: string;
  model: string;
  repeats: number;
  mean: number;
  sd: number | null;
  perRepeat: { repeat: number; accuracy: number }[];
}

export interface RepeatDifference {
  model: string;
  a: string;
  b: string;
  repeats: number;
  mean: number;
  sd: number | null;
  perRepeat: { repeat: number; difference: number; sign: Sign }[];
  signs: SignCounts;
}

export interface ResultsSummary {
  options: Required<SummaryOptions>;
  /** Sorted by repeat, model, arm. */
  accuracies: ArmAccuracy[];
  /** Sorted by repeat, model, then pair order (lsl - matched first). */
  pairs: ArmPair[];
  /** Present when results hold more than one repeat. */
  overRepeats: { accuracies: RepeatAccuracy[]; differences: RepeatDifference[] } | null;
}

/** The order arms are shown in: the experiment's own story. */
const DISPLAY_ORDER = ['seed', 'base', 'lsl', 'matched', 'small-only'];
/** The order that decides which side of a pair is `a`: treatments before their controls, so lsl - matched, lsl - base, base - seed, cycles-2 - cycles-1. */
const PAIR_ORDER = ['lsl', 'matched', 'small-only', 'base', 'seed'];

function cycleIndex(arm: string): number | null {
  const m = /^cycles?-(\d+)$/.exec(arm);
  return m ? Number(m[1]) : null;
}

/** Rank of an arm in `order`; cycles-k arms go right after lsl in display order, and first (latest cycle first) in pair order. */
function rankIn(order: readonly string[], arm: string): [number, number, string] {
  const cyc = cycleIndex(arm);
  if (cyc !== null) return order === PAIR_ORDER ? [-1, -cyc, arm] : [order.indexOf('lsl') + 0.5, cyc, arm];
  const i = order.indexOf(arm);
  return i >= 0 ? [i, 0, arm] : [order.length, 0, arm];
}

function compareRank(x: [number, number, string], y: [number, number, string]): number {
  return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

/** Compares arms in display order: seed, base, lsl, cycles-1.., matched, small-only, then others by name. */
export function compareArms(x: string, y: string): number {
  return compareRank(rankIn(DISPLAY_ORDER, x), rankIn(DISPLAY_ORDER, y));
}

/** Compares arms in pair order: later cycles, lsl, matched, small-only, base, seed, then others by name. */
function comparePairOrder(x: string, y: string): number {
  return compareRank(rankIn(PAIR_ORDER, x), rankIn(PAIR_ORDER, y));
}

/** True when `x` is the `a` side of a pair with `y`. */
function pairsBefore(x: string, y: string): boolean {
  return comparePairOrder(x, y) < 0;
}

const byString = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** One problem's outcome for one arm and model: c correct of K samples. */
export interface ProblemOutcome {
  correct: number;
  samples: number;
  /** correct / samples. */
  rate: number;
  /** Rate above 1/2 (with one sample: that sample is correct). */
  solved: boolean;
}

export interface ArmModelOutcomes {
  repeat: number;
  arm: string;
  model: string;
  /** Problem id -> outcome. */
  problems: Map<string, ProblemOutcome>;
}

function checkRow(r: ProblemResult, i: number): void {
  const where = `results[${i}]`;
  if (!Number.isInteger(r.repeat) || r.repeat < 0) throw new Error(`${where}.repeat must be a whole number >= 0, got ${JSON.stringify(r.repeat)}`);
  if (typeof r.arm !== 'string' || r.arm === '') throw new Error(`${where}.arm must be a non-empty string`);
  if (typeof r.model !== 'string' || r.model === '') throw new Error(`${where}.model must be a non-empty string`);
  if (typeof r.id !== 'string' || r.id === '') throw new Error(`${where}.id must be a non-empty string`);
  if (!Number.isInteger(r.sample) || r.sample < 0) throw new Error(`${where}.sample must be a whole number >= 0, got ${JSON.stringify(r.sample)}`);
  if (!(typeof r.score === 'number' && r.score >= 0 && r.score <= 1)) throw new Error(`${where}.score must be a number in [0, 1], got ${JSON.stringify(r.score)}`);
}

const SEP = '\u0000';

/** Validates the results and groups them per (repeat, model, arm) into per-problem outcomes, in display order. */
export function problemOutcomes(results: readonly ProblemResult[]): ArmModelOutcomes[] {
  const groups = new Map<string, ArmModelOutcomes>();
  const seen = new Set<string>();
  results.forEach((r, i) => {
    checkRow(r, i);
    const rollout = [r.repeat, r.model, r.arm, r.id, r.sample].join(SEP);
    if (seen.has(rollout)) {
      throw new Error(`results[${i}] repeats repeat ${r.repeat}, arm ${r.arm}, model ${r.model}, problem ${r.id}, sample ${r.sample}`);
    }
    seen.add(rollout);
    const key = [r.repeat, r.model, r.arm].join(SEP);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { repeat: r.repeat, model: r.model, arm: r.arm, problems: new Map() }));
    let p = g.problems.get(r.id);
    if (!p) g.problems.set(r.id, (p = { rate: 0, correct: 0, samples: 0, solved: false }));
    p.samples++;
    if (isCorrect(r.score)) p.correct++;
  });
  for (const g of groups.values()) {
    for (const p of g.problems.values()) {
      p.rate = p.correct / p.samples;
      p.solved = p.rate > 0.5;
    }
  }
  return [...groups.values()].sort((x, y) => x.repeat - y.repeat || byString(x.model, y.model) || compareArms(x.arm, y.arm));
}

export function summarizeResults(results: readonly ProblemResult[], options: SummaryOptions = {}): ResultsSummary {
  const opts: Required<SummaryOptions> = { seed: options.seed ?? 0, resamples: options.resamples ?? DEFAULT_RESAMPLES, z: options.z ?? 1.96 };
  const ordered = problemOutcomes(results);

  const accuracies: ArmAccuracy[] = ordered.map((g) => {
    const outcomes = [...g.problems.values()];
    const rateSum = outcomes.reduce((s, p) => s + p.rate, 0);
    const samples = Math.max(...outcomes.map((p) => p.samples));
    const [low, high] = wilson(rateSum, outcomes.length, opts.z);
    const ks = samples > 1 ? reportedKs(samples) : [];
    return {
      repeat: g.repeat,
      arm: g.arm,
      model: g.model,
      problems: outcomes.length,
      samples,
      rollouts: outcomes.reduce((s, p) => s + p.samples, 0),
      accuracy: rateSum / outcomes.length,
      low,
      high,
      solved: outcomes.filter((p) => p.solved).length,
      // A problem with fewer samples than k (e.g. a stopped evaluation) cannot give pass@k; such k are left out.
      passAtK: ks
        .filter((k) => outcomes.every((p) => p.samples >= k))
        .map((k) => ({ k, value: outcomes.reduce((s, p) => s + passAtK(p.samples, p.correct, k), 0) / outcomes.length })),
    };
  });

  const pairs: ArmPair[] = [];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
      let [ga, gb] = [ordered[i], ordered[j]];
      if (ga.repeat !== gb.repeat || ga.model !== gb.model) continue;
      if (!pairsBefore(ga.arm, gb.arm)) [ga, gb] = [gb, ga];
      const ids = [...ga.problems.keys()].filter((id) => gb.problems.has(id)).sort(byString);
      if (ids.length === 0) continue;
      const ra = ids.map((id) => ga.problems.get(id)!.rate);
      const rb = ids.map((id) => gb.problems.get(id)!.rate);
      const boot = pairedBootstrap(ra, rb, {
        seed: `paired-bootstrap:${opts.seed}:${ga.repeat}:${ga.model}:${ga.arm}:${gb.arm}`,
        resamples: opts.resamples,
      });
      const table = discordance(ids.map((id) => ga.problems.get(id)!.solved), ids.map((id) => gb.problems.get(id)!.solved));
      pairs.push({
        repeat: ga.repeat,
        model: ga.model,
        a: ga.arm,
        b: gb.arm,
        n: ids.length,
        accuracyA: ra.reduce((s, v) => s + v, 0) / ids.length,
        accuracyB: rb.reduce((s, v) => s + v, 0) / ids.length,
        difference: boot.mean,
        low: boot.low,
        high: boot.high,
        ...table,
        mcnemarP: mcnemarExact(table.onlyA, table.onlyB),
      });
    }
  }
  // The headline comparison (lsl - matched) first, then the rest in pair order.
  pairs.sort((x, y) => x.repeat - y.repeat || byString(x.model, y.model) || comparePairOrder(x.a, y.a) || comparePairOrder(x.b, y.b));

  const repeatIds = new Set(accuracies.map((a) => a.repeat));
  let overRepeats: ResultsSummary['overRepeats'] = null;
  if (repeatIds.size > 1) {
    const accGroups = new Map<string, ArmAccuracy[]>();
    for (const a of accuracies) {
      const k = [a.model, a.arm].join(SEP);
      accGroups.set(k, [...(accGroups.get(k) ?? []), a]);
    }
    const repeatAccuracies: RepeatAccuracy[] = [...accGroups.values()]
      .map((list) => {
        const spread = meanAndSd(list.map((a) => a.accuracy));
        return {
          arm: list[0].arm,
          model: list[0].model,
          repeats: spread.n,
          mean: spread.mean,
          sd: spread.sd,
          perRepeat: list.map((a) => ({ repeat: a.repeat, accuracy: a.accuracy })),
        };
      })
      .sort((x, y) => byString(x.model, y.model) || compareArms(x.arm, y.arm));
    const diffGroups = new Map<string, ArmPair[]>();
    for (const p of pairs) {
      const k = [p.model, p.a, p.b].join(SEP);
      diffGroups.set(k, [...(diffGroups.get(k) ?? []), p]);
    }
    const differences: RepeatDifference[] = [...diffGroups.values()]
      .map((list) => {
        const spread = meanAndSd(list.map((p) => p.difference));
        const perRepeat = list.map((p) => ({ repeat: p.repeat, difference: p.difference, sign: signOf(p.difference) }));
        return {
          model: list[0].model,
          a: list[0].a,
          b: list[0].b,
          repeats: spread.n,
          mean: spread.mean,
          sd: spread.sd,
          perRepeat,
          signs: countSigns(perRepeat.map((r) => r.sign)),
        };
      })
      .sort((x, y) => byString(x.model, y.model) || comparePairOrder(x.a, y.a) || comparePairOrder(x.b, y.b));
    overRepeats = { accuracies: repeatAccuracies, differences };
  }

  return { options: opts, accuracies, pairs, overRepeats };
}
