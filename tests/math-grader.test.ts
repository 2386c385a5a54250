/**
 * The MATH answer grader on its own: extraction, normalization, the three comparison tiers,
 * tuples/intervals/sets, feedback, and the per-comparison time limit. Real algebra library,
 * no mocks.
 */
import {
  compareAnswers,
  extractFinalAnswer,
  gradeAime,
  gradeMath,
  normalizeAnswer,
} from '../src/tasks/math-grader';

const boxed = (answer: string) => `Some reasoning first.\n\nSo the final answer is $\\boxed{${answer}}$.`;

describe('extraction', () => {
  test('takes the last \\boxed{} and keeps nested braces', () => {
    const ex = extractFinalAnswer('First \\boxed{1}, then corrected: \\boxed{\\frac{\\sqrt{3}}{2}}.');
    expect(ex).toEqual({ answer: '\\frac{\\sqrt{3}}{2}', boxed: true, method: 'boxed' });
  });

  test('reads \\fbox, \\boxed with a space, and escaped set braces inside', () => {
    expect(extractFinalAnswer('Answer: \\fbox{42}').answer).toBe('42');
    expect(extractFinalAnswer('so it is \\boxed 5$.').answer).toBe('5');
    expect(extractFinalAnswer('\\boxed{\\{1,2\\}}').answer).toBe('\\{1,2\\}');
    expect(extractFinalAnswer('\\[ \\boxed{ (1, 2] } \\]').answer).toBe('(1, 2]');
  });

  test('explains why there is no boxed answer', () => {
    expect(extractFinalAnswer('truncated \\boxed{\\frac{1}{2').boxProblem).toMatch(/unbalanced braces/);
    expect(extractFinalAnswer('\\boxed{}').boxProblem).toMatch(/empty/);
    expect(extractFinalAnswer('nothing here').boxProblem).toBe('no \\boxed{} in the output');
    expect(extractFinalAnswer('nothing here').answer).toBeNull();
  });

  test('falls back to "the answer is" and then to the last math span, marked unboxed', () => {
    expect(extractFinalAnswer('The final answer is $\\frac{3}{4}$. Thanks')).toMatchObject({ answer: '\\frac{3}{4}', boxed: false, method: 'answer-phrase' });
    expect(extractFinalAnswer('The answer is 0.5.')).toMatchObject({ answer: '0.5', method: 'answer-phrase' });
    expect(extractFinalAnswer('we get $x=2$ and then $y = 7$')).toMatchObject({ answer: 'y = 7', method: 'last-math' });
  });
});

describe('normalization (Hendrycks style)', () => {
  test.each([
    ['\\dfrac12', '\\frac{1}{2}'],
    ['\\tfrac{3}{4}', '\\frac{3}{4}'],
    ['\\frac 59', '\\frac{5}{9}'],
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '(3,\\frac{\\pi}{2})'],
    ['30^\\circ', '30'],
    ['30^{\\circ}', '30'],
    ['5.4 \\text{ cents}', '5.4'],
    ['864 \\mbox{ inches}^2', '864'],
    ['12 square units', '12'],
    ['\\$18.90', '18.9'],
    ['0.50', '0.5'],
    ['.5', '0.5'],
    ['10,\\!080', '10080'],
    ['11,\\! 111,\\! 111,\\! 100', '11111111100'],
    ['10{,}080', '10080'],
    ['x = 5.', 'x=5'],
    ['1\\frac{4}{5}', '\\frac{9}{5}'],
    ['2516_8', '2516'],
    ['11\\sqrt2', '11\\sqrt{2}'],
    ['3/4', '\\frac{3}{4}'],
    ['\\cot x', '\\cot x'],
    ['(−∞, 2π]', '(-\\infty,2\\pi]'],
  ])('%s → %s', (raw, text) => {
    expect(normalizeAnswer(raw).text).toBe(text);
  });

  test('a comma followed by a space lists answers; without one it separates thousands', () => {
    expect(normalizeAnswer('58,500').text).toBe('58500');
    expect(normalizeAnswer('58, 500').text).toBe('58,500');
    expect(compareAnswers('58500', '58, 500').equal).toBe(false);
  });

  test('flags percent and words', () => {
    expect(normalizeAnswer('25\\%')).toEqual({ text: '25', percent: true, isText: false });
    expect(normalizeAnswer('\\text{Evelyn}')).toEqual({ text: 'Evelyn', percent: false, isText: true });
  });
});

describe('equivalence tiers', () => {
  test.each([
    ['\\frac{1}{2}', '\\dfrac12', 'string'],
    ['\\frac{1}{2}', '0.5', 'numeric'],
    ['0.5', '\\frac{2}{4}', 'numeric'],
    ['\\frac{\\sqrt{3}}{3}', '\\frac{1}{\\sqrt{3}}', 'numeric'],
    ['2\\sqrt{2}', '\\sqrt{8}', 'numeric'],
    ['\\pi', '3.1415926', 'numeric'],
    ['6+9i', '9i+6', 'numeric'],
    ['10', '\\binom{5}{2}', 'numeric'],
    ['x^2+2x+1', '(x+1)^2', 'symbolic'],
    ['8n^2 + 4n + 1', '1+4n+8n^2', 'symbolic'],
    ['\\cot x', '\\frac{\\cos x}{\\sin x}', 'symbolic'],
    ['5x - 7y + 11z + 4 = 0', '10x - 14y + 22z + 8 = 0', 'symbolic'],
  ])('%s equals %s (decided by the %s tier)', (gold, pred, tier) => {
    const v = compareAnswers(gold, pred);
    expect(v).toMatchObject({ equal: true, tier });
  });

  test.each([
    ['\\frac{1}{2}', '\\frac{1}{3}', 'numeric'],
    ['11111111100', '11111111101', 'numeric'], // exact: no tolerance for integers
    ['28800', '28800.01', 'numeric'], // exact: both sides have finite decimals
    ['\\frac{1}{3}', '0.3333', 'numeric'],
    ['\\sqrt{2}', '1.4142', 'numeric'],
    ['x^2+2x+1', '(x-1)^2', 'symbolic'],
    ['2k', '2n', 'symbolic'],
    ['x', '\\sqrt{x^2}', 'symbolic'],
    ['\\text{(C)}', '\\text{(D)}', 'string'],
  ])('%s differs from %s (decided by the %s tier)', (gold, pred, tier) => {
    expect(compareAnswers(gold, pred)).toMatchObject({ equal: false, tier });
  });

  test('a decimal may stand for a non-terminating fraction within the relative tolerance', () => {
    expect(compareAnswers('\\frac{13}{18}', '0.7222222222').equal).toBe(true);
    expect(compareAnswers('\\frac{13}{18}', '0.72').equal).toBe(false);
    expect(compareAnswers('\\frac{13}{18}', '0.72', { relTol: 0.01 }).equal).toBe(true);
  });

  test('equivalent forms of one half', () => {
    for (const form of ['\\frac{1}{2}', '0.5', '\\dfrac12', '1/2', '\\frac{2}{4}', '.5', '0.50', '\\left(\\frac{1}{2}\\right)']) {
      expect(compareAnswers('\\frac12', form)).toMatchObject({ equal: true });
    }
  });

  test('percent: 10% may be written 10 or 0.1', () => {
    expect(compareAnswers('10\\%', '10').equal).toBe(true);
    expect(compareAnswers('10\\%', '0.1').equal).toBe(true);
    expect(compareAnswers('10\\%', '0.2').equal).toBe(false);
  });

  test('words and choices compare case-insensitively', () => {
    expect(compareAnswers('\\text{Evelyn}', 'Evelyn')).toMatchObject({ equal: true, tier: 'string' });
    expect(compareAnswers('\\text{(C)}', 'C').equal).toBe(true);
    expect(compareAnswers('\\text{east}', 'East').equal).toBe(true);
    expect(compareAnswers('\\text{even}', '\\text{odd}').equal).toBe(false);
  });

  test('assignments and equations', () => {
    expect(compareAnswers('x=5', '5').equal).toBe(true);
    expect(compareAnswers('5', 'x = 5').equal).toBe(true);
    expect(compareAnswers('y = 2x + 3', '2x+3').equal).toBe(true);
    expect(compareAnswers('y=-2x', '2x+y=0').equal).toBe(true);
    expect(compareAnswers('y = 2x + 3', 'y = 2x - 3').equal).toBe(false);
    expect(compareAnswers('x + y = 1', '1').equal).toBe(false);
  });
});

describe('tuples, intervals, sets, matrices', () => {
  test('interval ends matter', () => {
    expect(compareAnswers('(3,4]', '\\left(3, 4\\right]')).toMatchObject({ equal: true });
    const v = compareAnswers('(3,4]', '(3,4)');
    expect(v.equal).toBe(false);
    expect(v.reason).toMatch(/brackets differ/);
    expect(compareAnswers('[2,5)', '(2,5)').equal).toBe(false);
    expect(compareAnswers('(-\\infty, 0]', '(-\\infty,0)').equal).toBe(false);
  });

  test('unions compare part by part in any order', () => {
    expect(compareAnswers('(-\\infty, 2) \\cup (3, \\infty)', '(3,\\infty)\\cup(-\\infty,2)').equal).toBe(true);
    expect(compareAnswers('(-\\infty, 2) \\cup (3, \\infty)', '(-\\infty, 2] \\cup (3, \\infty)').equal).toBe(false);
    expect(compareAnswers('(0,9) \\cup (9,36)', '(0,36)').equal).toBe(false);
  });

  test('tuples are ordered, element by element with the numeric tier', () => {
    expect(compareAnswers('\\left( 3, \\frac{\\pi}{2} \\right)', '(3, 1.5707963268)')).toMatchObject({ equal: true, tier: 'numeric' });
    expect(compareAnswers('(8,-2)', '(-2,8)').equal).toBe(false);
    expect(compareAnswers('(1,2,3)', '(1,2)').equal).toBe(false);
  });

  test('sets and solution lists are unordered; \\pm expands to two solutions', () => {
    expect(compareAnswers('\\{1\\pm\\sqrt{5},-2\\}', '\\{-2, 1+\\sqrt5, 1-\\sqrt5\\}').equal).toBe(true);
    expect(compareAnswers('1,-2', '-2, 1').equal).toBe(true);
    expect(compareAnswers('1,-2', '1').equal).toBe(false);
    expect(compareAnswers('3 \\pm 2\\sqrt{2}', '3-2\\sqrt{2}, 3+2\\sqrt{2}').equal).toBe(true);
    expect(compareAnswers('3 \\pm 2\\sqrt{2}', '3+2\\sqrt{2}').equal).toBe(false);
  });

  test('matrices compare entry by entry', () => {
    const gold = '\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}';
    expect(compareAnswers(gold, '\\begin{pmatrix} 0.2 \\\\ -3.6 \\end{pmatrix}').equal).toBe(true);
    expect(compareAnswers(gold, '\\begin{pmatrix} 0.2 \\\\ 3.6 \\end{pmatrix}').equal).toBe(false);
    expect(compareAnswers(gold, '\\begin{pmatrix} 0.2 & -3.6 \\end{pmatrix}').equal).toBe(false);
  });
});

describe('time limit', () => {
  test('pathological answers get a verdict within the limit', () => {
    const limitMs = 1000;
    for (const [gold, pred] of [
      ['5', '10^{10^{10^{10}}}'],
      ['5', '100000!'],
      ['x', '(x+1)^{100000}'],
      ['5', '9^{9^{9}}-9^{9^{9}}+5'],
      ['x', '(x'.repeat(150) + ')'.repeat(150)],
      ['2', '\\sqrt{'.repeat(300) + '2' + '}'.repeat(300)],
    ]) {
      const started = performance.now();
      const v = compareAnswers(gold, pred, { timeLimitMs: limitMs });
      const elapsed = performance.now() - started;
      expect(v.equal).toBe(false);
      expect(elapsed).toBeLessThan(limitMs);
    }
  });

  test('a comparison past its deadline stops with a timed-out verdict', () => {
    let clock = 0;
    const now = () => (clock += 1); // every deadline check costs 1 ms of this clock
    const v = compareAnswers('x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1', '\\frac{x^9-1}{x-1}', { timeLimitMs: 4, now });
    expect(v).toMatchObject({ equal: false, tier: 'none', timedOut: true });
    expect(v.reason).toMatch(/time limit \(4 ms\)/);
    // The same comparison with time to spare decides it symbolically.
    expect(compareAnswers('x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1', '\\frac{x^9-1}{x-1}')).toMatchObject({ equal: true, tier: 'symbolic' });
  });

  test('a bad time limit is refused with a clear message', () => {
    expect(() => compareAnswers('1', '1', { timeLimitMs: 0 })).toThrow(/time limit must be a positive number/);
  });
});

describe('grading and feedback', () => {
  test('a boxed correct answer scores 1 and names the deciding tier', () => {
    const g = gradeMath(boxed('0.5'), '\\frac12');
    expect(g).toMatchObject({ score: 1, extracted: '0.5', details: { boxed: true, tier: 'numeric' } });
    expect(g.feedback).toMatch(/^correct: expected \\frac12, extracted 0\.5/);
  });

  test('a wrong boxed answer says what was expected and what was found', () => {
    const g = gradeMath(boxed('(3,4)'), '(3,4]');
    expect(g.score).toBe(0);
    expect(g.feedback).toMatch(/^incorrect: expected \(3,4\], extracted \(3,4\)/);
    expect(g.feedback).toMatch(/brackets differ/);
  });

  test('an unboxed right answer is reported but not scored unless allowed', () => {
    const out = 'The answer is $0.5$.';
    const g = gradeMath(out, '\\frac12');
    expect(g).toMatchObject({ score: 0, extracted: '0.5', details: { boxed: false, extraction: 'answer-phrase', fallbackCorrect: true } });
    expect(g.feedback).toMatch(/must be in \\boxed\{\}/);
    expect(gradeMath(out, '\\frac12', { acceptUnboxed: true }).score).toBe(1);
  });

  test('failed extraction explains why', () => {
    const g = gradeMath('... so \\boxed{\\frac{1}{2', '\\frac12');
    expect(g).toMatchObject({ score: 0, extracted: null, details: { tier: 'none', extraction: 'none' } });
    expect(g.feedback).toMatch(/unbalanced braces.*expected \\frac12/);
  });

  test('grading is deterministic whatever was graded before (symbol types do not leak)', () => {
    // The library fixes a symbol's type on first use: after `x_{1}` (indexing) `x` would be a
    // list, after `\\sin x` a number. Each comparison parses in its own scope, so neither leaks.
    const pairs: [string, string][] = [
      ['\\sin x + \\frac{x}{2}', '\\frac{1}{2}x + \\sin x'],
      ['x_{2} + x_{1}', 'x_{1} + x_{2}'],
      ['x_{n+1} + 1', '1 + x_{n+1}'],
      ['y_{1}', 'y'],
    ];
    const forward = pairs.map(([gold, pred]) => gradeMath(boxed(pred), gold));
    const backward = [...pairs].reverse().map(([gold, pred]) => gradeMath(boxed(pred), gold)).reverse();
    expect(backward).toEqual(forward);
    expect(forward.map((g) => g.score)).toEqual([1, 1, 1, 0]);
  });

  test('AIME: integers, zero padding ignored', () => {
    expect(gradeAime(boxed('25'), '025').score).toBe(1);
    expect(gradeAime(boxed('025'), '25').score).toBe(1);
    expect(gradeAime(boxed('26'), '025').score).toBe(0);
    expect(() => gradeAime(boxed('1'), '2.5')).toThrow(/AIME answer must be a non-negative integer/);
  });

  test('an empty gold answer is refused with a clear message', () => {
    expect(() => gradeMath(boxed('1'), '  ')).toThrow(/gold answer .* is empty/);
  });
});

describe('bounded and exact (issue 10)', () => {
  const LIMIT = 2000;
  const timed = (output: string, gold: string) => {
    const started = performance.now();
    const g = gradeMath(output, gold, { timeLimitMs: LIMIT });
    return { g, ms: performance.now() - started };
  };

  test('a \\boxed{} with 40 \\pm signs gets a prompt failed verdict', () => {
    const { g, ms } = timed(`$\\boxed{${'1\\pm '.repeat(40)}1}$`, '5');
    expect(g.score).toBe(0);
    expect(g.feedback).toMatch(/40 \\pm\/\\mp signs/);
    expect(ms).toBeLessThan(LIMIT);
  });

  test('100 KB outputs and backtracking bait are graded within the time limit', () => {
    const cases = [
      'answer is ' + ' '.repeat(100_000) + 'x',
      'The answer is ' + 'a'.repeat(100_000),
      '\\('.repeat(30_000) + ' 5',
      '$$'.repeat(20_000) + 'x',
      'x '.repeat(50_000) + '\\boxed{' + '5 '.repeat(20_000) + '}',
      'Answer: ' + '1.'.repeat(50_000),
      `\\boxed{5${' '.repeat(5000)}units}`,
    ];
    for (const output of cases) {
      const { g, ms } = timed(output, '5');
      expect({ output: output.slice(0, 30), ms: ms < LIMIT }).toEqual({ output: output.slice(0, 30), ms: true });
      expect(typeof g.feedback).toBe('string');
    }
  });

  test('numbers beyond double range compare exactly', () => {
    expect(compareAnswers('10^{400}', '10^{401}').equal).toBe(false);
    expect(compareAnswers('10^{400}', '(10^{200})^{2}').equal).toBe(true);
    expect(compareAnswers('\\infty', '1000!').equal).toBe(false);
    expect(compareAnswers('1000!', '1000\\cdot 999!').equal).toBe(true);
    expect(compareAnswers('2^{1000}+1', '2^{1000}').equal).toBe(false);
    expect(compareAnswers('\\frac{10^{400}}{7}', '\\frac{2\\cdot 10^{400}}{14}').equal).toBe(true);
    expect(compareAnswers('-\\infty', '\\infty').equal).toBe(false);
    expect(compareAnswers('\\infty', '+\\infty').equal).toBe(true);
    expect(compareAnswers('1' + '0'.repeat(400), '10^{400}').equal).toBe(true);
  });

  test('sets and a scalar times a matrix compare as values', () => {
    expect(compareAnswers('\\mathbb{R}\\setminus\\{0\\}', '(-\\infty,0)\\cup(0,\\infty)').equal).toBe(true);
    expect(compareAnswers('(-\\infty,0)\\cup(0,\\infty)', '\\mathbb{R}\\setminus\\{0\\}').equal).toBe(true);
    expect(compareAnswers('\\mathbb{R}\\setminus\\{0\\}', '(-\\infty,0]\\cup(0,\\infty)').equal).toBe(false);
    expect(compareAnswers('(-\\infty,1)\\cup(1,2)\\cup(2,\\infty)', '\\mathbb{R}\\setminus\\{2,1\\}').equal).toBe(true);
    expect(compareAnswers('\\begin{pmatrix}3&6\\\\9&12\\end{pmatrix}', '3\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}').equal).toBe(true);
    expect(compareAnswers('\\begin{pmatrix}3&6\\\\9&12\\end{pmatrix}', '3\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}').equal).toBe(false);
    expect(compareAnswers('\\begin{pmatrix}-1\\\\-2\\end{pmatrix}', '-\\begin{pmatrix}1\\\\2\\end{pmatrix}').equal).toBe(true);
  });
});
