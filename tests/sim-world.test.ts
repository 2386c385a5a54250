/**
 * The simulator's world without the server: text helpers, the rulebooks, instance recognition,
 * and each kind's answers (math on hand-made examples; code mutants run by real Python).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../src/core/random';
import { datasetsDir } from '../src/paths';
import { InstanceIndex } from '../src/sim/instances';
import { defaultProfiles } from '../src/sim/profiles';
import { answerTask, saturationFactor, successProbability } from '../src/sim/task-call';
import { fence, fencedBlocks, mentions, normalizeText, normalizeWithMap } from '../src/sim/text';
import { WORLDS, type SimInstance } from '../src/sim/world';
import { mutateProgram } from '../src/sim/world/code-mutations';
import { equivalentForms, wrongLatex } from '../src/sim/world/math';
import { wrongNumber } from '../src/sim/world/numeric';
import { covers } from '../src/sim/world/rulebook';
import type { TaskExample } from '../src/tasks/types';

describe('text helpers', () => {
  test('normalizeWithMap maps normalized chars back to the raw text', () => {
    const raw = '  Hello\n\n  WORLD\tİs  here ';
    const { norm, map } = normalizeWithMap(raw);
    expect(norm).toBe(normalizeText(raw));
    expect(norm.startsWith('hello world')).toBe(true);
    const at = norm.indexOf('world');
    expect(raw.slice(map[at], map[at + 4] + 1)).toBe('WORLD');
  });

  test('fencedBlocks reads CommonMark fences, longer fences hold shorter ones', () => {
    const text = 'intro\n```\nfirst\n```\nmid\n````md\nhas ```python\ncode\n```\ninside\n````\nend';
    const blocks = fencedBlocks(text);
    expect(blocks.map((b) => b.body)).toEqual(['first', 'has ```python\ncode\n```\ninside']);
    expect(blocks[1].info).toBe('md');
    expect(fencedBlocks(fence('a\n```\nb'))[0].body).toBe('a\n```\nb');
  });

  test('mentions matches keywords at word starts only', () => {
    expect(mentions('use the rates given', 'rate')).toBe(true);
    expect(mentions('separate the parts', 'rate')).toBe(false);
    expect(mentions('end with #### 5', '####')).toBe(true);
    expect(mentions('put it in \\boxed{}', 'boxed')).toBe(true);
  });
});

describe('rulebooks', () => {
  for (const world of Object.values(WORLDS)) {
    test(`${world.kind}: rules cover their trap, vague and wrong rules do not, advice covers nothing`, () => {
      expect(world.traps.length).toBeGreaterThanOrEqual(5);
      const coveredBy = (sentence: string) => world.traps.filter((t) => covers(normalizeText(sentence), t)).map((t) => t.name);
      for (const trap of world.traps) {
        // A rule covers its own trap and no other, so experiments can tell which rule helped.
        expect([trap.rule, coveredBy(trap.rule)]).toEqual([trap.rule, [trap.name]]);
        expect([trap.altRule, coveredBy(trap.altRule)]).toEqual([trap.altRule, [trap.name]]);
        expect([trap.vagueRule, coveredBy(trap.vagueRule)]).toEqual([trap.vagueRule, []]);
        expect([trap.wrongRule, coveredBy(trap.wrongRule)]).toEqual([trap.wrongRule, []]);
        expect(trap.weight).toBeGreaterThan(0);
        expect(trap.weight).toBeLessThan(1);
      }
      expect(covers(normalizeText(world.format.rule), world.format)).toBe(true);
      expect(coveredBy(world.format.rule)).toEqual([]);
      expect(covers(normalizeText(world.format.altRule), world.format)).toBe(true);
      for (const advice of world.genericAdvice) {
        const lower = normalizeText(advice);
        expect([advice, world.traps.filter((t) => covers(lower, t)).map((t) => t.name)]).toEqual([advice, []]);
      }
    });
  }
  test('trap names are unique across kinds', () => {
    const names = Object.values(WORLDS).flatMap((w) => w.traps.map((t) => t.name));
    expect(new Set(names).size).toBe(names.length);
  });
});

const gsmExample = (id: string, question: string, gold: string, solution: string): SimInstance =>
  ({ task: 'gsm8k', kind: 'numeric', example: { id, question, gold, meta: { solution } } });

describe('instance index', () => {
  const janet = gsmExample('a', "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins with four. She sells the rest for $2 each. How much does she make?", '18', 'x\n#### 18');
  const hard = gsmExample('b', "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins with 4933828. She sells the rest for $2 each. How much does she make?", '-9867630', 'x\n#### -9867630');
  const short = gsmExample('c', 'What is 2 + 3?', '5', '2+3=5\n#### 5');
  const tiny = gsmExample('d', 'Find 7+8.', '15', '');
  const index = new InstanceIndex();
  for (const i of [janet, hard, short, tiny]) expect(index.add(i)).toBe(true);

  test('finds the question anywhere in a message, whatever its whitespace and case', () => {
    const msg = `Solve carefully.\n\nQUESTION:\n${janet.example.question.replace(/ /g, '  ').toUpperCase()}\nAnswer below.`;
    const m = index.find(msg);
    expect(m?.instance.example.id).toBe('a');
    expect(msg.slice(m!.start, m!.end).toLowerCase().replace(/\s+/g, ' ')).toBe(normalizeText(janet.example.question));
  });

  test('instances sharing a long prefix are told apart by their full text', () => {
    expect(index.find(`Q: ${hard.example.question}`)?.instance.example.id).toBe('b');
  });

  test('with few-shot demos the last question is the one asked; short questions are found too', () => {
    const msg = `Example: ${janet.example.question}\n#### 18\n\nNow: ${short.example.question}`;
    expect(index.find(msg)?.instance.example.id).toBe('c');
    expect(index.find('nothing known here')).toBeNull();
    expect(index.find('Please: find 7+8. Thanks')?.instance.example.id).toBe('d');
    expect(index.add(gsmExample('dup', short.example.question.toUpperCase(), '5', ''))).toBe(false);
  });

  test('GSM8K facts: difficulty in (0,1), traps read off the wording', () => {
    const percent = gsmExample('p', 'A shirt costs $20. It is on sale for 25% off. How much do I pay if I hand over $50 and get change?', '35', 'a\nb\n#### 35');
    const f = WORLDS.numeric.analyze(percent);
    expect(f.difficulty).toBeGreaterThan(0);
    expect(f.difficulty).toBeLessThan(1);
    expect(f.traps.map((t) => t.name)).toEqual(expect.arrayContaining(['percentages', 'money-change']));
    expect(WORLDS.numeric.analyze(short).traps).toEqual([]);
  });
});

describe('task-call probability', () => {
  const inst = gsmExample('p', 'Tom spends 30 minutes per page. What percent of 2 hours does reading 3 pages take?', '75', 'a\nb\nc\n#### 75');
  const facts = WORLDS.numeric.analyze(inst);

  test('covered traps raise p, more for the weak model; strong beats weak', () => {
    const small = defaultProfiles['sim-small'];
    const large = defaultProfiles['sim-large'];
    const rules = facts.traps.map((t) => t.rule).join(' ');
    const bare = successProbability(small, facts, 'solve it.', 10);
    const ruled = successProbability(small, facts, normalizeText(`solve it. ${rules}`), 10);
    expect(bare.uncovered.length).toBe(facts.traps.length);
    expect(ruled.uncovered).toEqual([]);
    expect(ruled.p).toBeGreaterThan(bare.p);
    const gainSmall = ruled.p / bare.p;
    const gainLarge = successProbability(large, facts, normalizeText(rules), 10).p / successProbability(large, facts, '', 10).p;
    expect(gainSmall).toBeGreaterThan(gainLarge);
    expect(successProbability(large, facts, '', 10).p).toBeGreaterThan(bare.p);
  });

  test('prompt saturation: past the threshold each extra rule costs the weak model a little', () => {
    const small = defaultProfiles['sim-small'];
    expect(saturationFactor(small, small.saturation.thresholdTokens)).toBe(1);
    const one = saturationFactor(small, small.saturation.thresholdTokens + 1);
    const ten = saturationFactor(small, small.saturation.thresholdTokens + 10 * small.saturation.tokensPerRule);
    expect(one).toBeCloseTo(1 - small.saturation.costPerRule * (1 - small.skill), 10);
    expect(ten).toBeLessThan(one);
    expect(saturationFactor(defaultProfiles['sim-large'], 2000)).toBeGreaterThan(saturationFactor(small, 2000));
  });

  test('the same call gives the same answer; the sample index changes the draw', () => {
    const ctx = { worldSeed: '0', model: 'sim-small', profile: defaultProfiles['sim-small'] };
    const call = { instance: inst, facts, instruction: 'Solve.', instructionTokens: 2, sampleIndex: 0 };
    expect(answerTask(ctx, call)).toEqual(answerTask(ctx, call));
    const outcomes = new Set(Array.from({ length: 40 }, (_, i) => answerTask(ctx, { ...call, sampleIndex: i }).content));
    expect(outcomes.size).toBeGreaterThan(1);
  });

  test('wrong numbers are plausible: near the gold or an intermediate, never the gold', () => {
    const rng = Rng.fromSeed(7);
    for (let i = 0; i < 200; i++) {
      const w = wrongNumber('120', facts, [30, 90], rng);
      expect(w).not.toBe('120');
      expect(Number.isFinite(Number(w))).toBe(true);
    }
    expect(Number(wrongNumber('3', { difficulty: 0.2, traps: [] }, [], Rng.fromSeed(1)))).toBeGreaterThanOrEqual(-3);
  });
});

describe('math world (hand-made examples)', () => {
  const mk = (id: string, question: string, gold: string, meta: Record<string, unknown>): SimInstance =>
    ({ task: 'math500', kind: 'math', example: { id, question, gold, meta } });
  const half = mk('m1', 'What is the probability of heads? Express your answer as a common fraction.', '\\frac{1}{2}', { level: 1, subject: 'Counting & Probability', solution: 'There are two outcomes. One is heads. So the answer is $\\boxed{\\frac{1}{2}}$.' });
  const interval = mk('m2', 'Find the domain of $f(x)=\\sqrt{x-2}$. Express your answer in interval notation.', '[2,\\infty)', { level: 5, subject: 'Algebra', solution: 'We need $x-2\\ge 0$. The domain is $\\boxed{[2,\\infty)}$.' });

  test('difficulty follows the level; traps follow the problem and the gold', () => {
    const a = WORLDS.math.analyze(half);
    const b = WORLDS.math.analyze(interval);
    expect(b.difficulty).toBeGreaterThan(a.difficulty + 0.4);
    expect(a.traps.map((t) => t.name)).toEqual(expect.arrayContaining(['simplified-form', 'common-fraction', 'counting-cases']));
    expect(b.traps.map((t) => t.name)).toEqual(expect.arrayContaining(['interval-notation', 'verify-steps']));
    const aime = WORLDS.math.analyze({ task: 'aime2025', kind: 'math', example: { id: 'x', question: 'Find n.', gold: '70' } });
    expect(aime.difficulty).toBeGreaterThan(0.85);
  });

  test('equivalent forms of 1/2 include \\dfrac12 and 0.5; of (3, \\frac{\\pi}{2}) a form without \\left', () => {
    expect(equivalentForms('\\frac{1}{2}')).toEqual(expect.arrayContaining(['\\dfrac{1}{2}', '\\dfrac12', '0.5', '1/2']));
    expect(equivalentForms('\\frac{1}{3}')).not.toContain('0.3333333333333333');
    expect(equivalentForms('\\left( 3, \\frac{\\pi}{2} \\right)')).toContain('(3, \\frac{\\pi}{2})');
  });

  test('wrong answers are near misses, never the gold', () => {
    const rng = Rng.fromSeed(3);
    for (const gold of ['\\frac{1}{2}', '[2,\\infty)', '17', 'p - q', '\\text{(C)}', '6 - 5i']) {
      for (let i = 0; i < 20; i++) expect(wrongLatex(gold, rng)).not.toBe(gold);
    }
    const flips = new Set(Array.from({ length: 30 }, () => wrongLatex('[2,\\infty)', rng)));
    expect(flips).toContain('(2,\\infty)');
  });

  test('answers are boxed when asked, otherwise often not; correct ones may use an equivalent form', () => {
    const ctx = { worldSeed: '1', model: 'sim-large', profile: { ...defaultProfiles['sim-large'], skill: 1, steepness: 60 } };
    const factsHalf = { difficulty: 0, traps: [] };
    const boxed = Array.from({ length: 60 }, (_, i) => answerTask(ctx, { instance: half, facts: factsHalf, instruction: 'Put the final answer in \\boxed{}.', instructionTokens: 10, sampleIndex: i }));
    expect(boxed.every((a) => a.correct && a.formatAsked)).toBe(true);
    expect(boxed.filter((a) => a.content.includes('\\boxed{')).length).toBeGreaterThanOrEqual(55);
    expect(new Set(boxed.map((a) => a.answer)).size).toBeGreaterThan(1);
    expect(boxed.every((a) => ['\\frac{1}{2}', ...equivalentForms('\\frac{1}{2}')].includes(a.answer))).toBe(true);
    const unasked = Array.from({ length: 60 }, (_, i) => answerTask(ctx, { instance: half, facts: factsHalf, instruction: 'Solve.', instructionTokens: 2, sampleIndex: i }));
    expect(unasked.filter((a) => !a.content.includes('\\boxed{')).length).toBeGreaterThan(3);
  });
});

describe('code world (HumanEval references as hand-made examples, run by real Python)', () => {
  const file = path.join(datasetsDir(), 'humaneval', 'HumanEval.jsonl');
  const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
  const examples: TaskExample[] = rows.map((r) => ({
    id: r.task_id,
    question: r.prompt,
    gold: r.prompt + r.canonical_solution,
    meta: { entryPoint: r.entry_point, tests: `${r.test}\ncheck(${r.entry_point})\n` },
  }));

  type Outcome = 'pass' | 'fail' | 'syntax';
  /** Runs each program with its tests in one Python process (1 s alarm each). */
  function runPython(items: { code: string; tests: string }[]): Outcome[] {
    const script = [
      'import json, sys, signal',
      'def alarm(*_): raise TimeoutError()',
      'signal.signal(signal.SIGALRM, alarm)',
      'out = []',
      'for item in json.load(sys.stdin):',
      '    try:',
      '        code = compile(item["code"], "candidate", "exec")',
      '    except SyntaxError:',
      '        out.append("syntax")',
      '        continue',
      '    signal.setitimer(signal.ITIMER_REAL, 1.0)',
      '    try:',
      '        env = {"__name__": "sim_test"}',
      '        exec(code, env)',
      '        exec(item["tests"], env)',
      '        out.append("pass")',
      '    except BaseException:',
      '        out.append("fail")',
      '    finally:',
      '        signal.setitimer(signal.ITIMER_REAL, 0)',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(items), encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Outcome[];
  }

  test('references pass; mutants differ from them and most fail the real tests', () => {
    const rng = Rng.fromSeed(11);
    const mutants = examples.map((ex) => {
      const traps = WORLDS.code.analyze({ task: 'humaneval', kind: 'code', example: ex }).traps.map((t) => t.name);
      return mutateProgram(ex.gold, traps, rng);
    });
    expect(mutants.filter((m) => m === null).length).toBeLessThanOrEqual(2);
    for (let i = 0; i < examples.length; i++) if (mutants[i]) expect(mutants[i]!.code).not.toBe(examples[i].gold);
    const refs = runPython(examples.map((ex) => ({ code: ex.gold, tests: ex.meta!.tests as string })));
    expect(refs.filter((o) => o === 'pass').length).toBe(examples.length);
    const withMutant = examples.map((ex, i) => ({ ex, m: mutants[i] })).filter((x) => x.m);
    const results = runPython(withMutant.map(({ ex, m }) => ({ code: m!.code, tests: ex.meta!.tests as string })));
    // Mutants are valid Python (a model's near-miss, not garbage), and most of them fail the tests.
    expect(results.filter((o) => o === 'syntax').length).toBeLessThanOrEqual(2);
    expect(results.filter((o) => o === 'fail').length / results.length).toBeGreaterThan(0.6);
    // Several kinds of mistake are made, not one.
    expect(new Set(withMutant.map(({ m }) => m!.mutation)).size).toBeGreaterThanOrEqual(5);
  });

  test('rendered answers: the reference in a python block when correct, a mutant when wrong', () => {
    const inst: SimInstance = { task: 'humaneval', kind: 'code', example: examples[0] };
    const facts = WORLDS.code.analyze(inst);
    expect(facts.difficulty).toBeGreaterThan(0);
    const right = WORLDS.code.render(inst, facts, { correct: true, formatted: true }, Rng.fromSeed(1));
    expect(right.text).toContain(`\`\`\`python\n${examples[0].gold.trimEnd()}\n\`\`\``);
    const wrong = WORLDS.code.render(inst, facts, { correct: false, formatted: true }, Rng.fromSeed(1));
    expect(wrong.answer).not.toBe(examples[0].gold.trimEnd());
    expect(wrong.text).toContain(`\`\`\`python\n${wrong.answer}\n\`\`\``);
    const plain = WORLDS.code.render(inst, facts, { correct: true, formatted: false }, Rng.fromSeed(1));
    expect(plain.text).not.toContain('```');
  });
});
