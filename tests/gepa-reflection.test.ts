/** The reflection request, reading replies, malformed replies, multi-component candidates. */
import {
  applyResult,
  buildReflectionPrompt,
  capRecord,
  feedbackFor,
  initGepaState,
  nextAction,
  parseReflection,
  renderCandidate,
  summarize,
  truncateMiddle,
  type EvaluateAction,
  type GepaAction,
  type ReflectAction,
  type ReflectionResult,
} from '../src/core/gepa';
import { ids, resultsFor, runWith } from './gepa-drivers';

/** Fenced blocks as a generic reader (the simulator) finds them: ``` lines open and close. */
function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^```/.test(line)) {
      if (current) {
        blocks.push(current.join('\n'));
        current = null;
      } else current = [];
    } else if (current) current.push(line);
  }
  if (current) throw new Error('unclosed block');
  return blocks;
}

describe('the reflection request', () => {
  const records = [
    { exampleId: 'a', input: 'What is 2+2?', output: 'It is 4.\n#### 4', feedback: 'correct: expected 4, extracted 4', score: 1, passed: true },
    { exampleId: 'b', input: 'What is 10% of 50?', output: 'The answer is 500', feedback: 'incorrect: expected 5, extracted 500', score: 0, passed: false },
  ];

  it('puts the current instruction in the first fenced block and the examples in the second', () => {
    const prompt = buildReflectionPrompt({ currentText: 'Solve the problem.', records, component: 'instruction', componentCount: 1 });
    const blocks = fencedBlocks(prompt);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toBe('Solve the problem.');
    expect(blocks[1]).toBe(
      [
        '### Example 1',
        'Input: What is 2+2?',
        'Output: It is 4.\n#### 4',
        'Feedback: correct: expected 4, extracted 4',
        '',
        '### Example 2',
        'Input: What is 10% of 50?',
        'Output: The answer is 500',
        'Feedback: incorrect: expected 5, extracted 500',
      ].join('\n'),
    );
    // The ask comes after the examples and names the reply's form.
    expect(prompt.slice(prompt.lastIndexOf('```'))).toMatch(/new instruction only, inside one fenced code block/);
    expect(prompt).not.toMatch(/\bpart named\b/);
  });

  it('keeps its two blocks when the content itself has fences, and names the component of a multi-part instruction', () => {
    const withCode = [{ ...records[1], output: 'Here:\n```python\nprint(5)\n```' }];
    const prompt = buildReflectionPrompt({ currentText: 'Use ```code``` fences.', records: withCode, component: 'format', componentCount: 2 });
    const blocks = fencedBlocks(prompt);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toBe('Use ~~~code~~~ fences.');
    expect(blocks[1]).toContain('~~~python\nprint(5)\n~~~');
    expect(prompt).toContain('part named "format"');
  });

  it('caps a record by cutting long fields in the middle, keeping short ones whole', () => {
    const long = { ...records[1], output: 'A'.repeat(3000) + 'END', input: 'short question' };
    const capped = capRecord(long, 600);
    expect(capped.input).toBe('short question');
    expect(capped.feedback).toBe(records[1].feedback);
    expect(capped.output.startsWith('AAAA')).toBe(true);
    expect(capped.output.endsWith('END')).toBe(true);
    expect(capped.output).toMatch(/\[\.\.\. \d+ characters omitted \.\.\.\]/);
    expect(capped.input.length + capped.output.length + capped.feedback.length).toBeLessThanOrEqual(600);
    expect(truncateMiddle('short', 100)).toBe('short');
    const cut = truncateMiddle('x'.repeat(1000), 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut.length).toBeGreaterThan(95);
  });
});

describe('reading the reply', () => {
  it('takes the text of the fenced block, with or without an info string', () => {
    expect(parseReflection('Here it is:\n```\nBe careful.\nCheck units.\n```\nGood luck.')).toEqual({ ok: true, text: 'Be careful.\nCheck units.' });
    expect(parseReflection('```text\nBe careful.\n```')).toEqual({ ok: true, text: 'Be careful.' });
    expect(parseReflection('```Be careful with units.```')).toEqual({ ok: true, text: 'Be careful with units.' });
    // A block that itself shows a code fence: from the first fence to the last.
    expect(parseReflection('```\nWrite code as:\n```python\nx = 1\n```\nThen test.\n```')).toEqual({
      ok: true,
      text: 'Write code as:\n```python\nx = 1\n```\nThen test.',
    });
  });

  it('rejects a reply with no fence (and no label) or an empty block', () => {
    expect(parseReflection('Be careful with units.')).toMatchObject({ ok: false, reason: expect.stringContaining('no fenced block') });
    expect(parseReflection('```\n\n```')).toMatchObject({ ok: false, reason: 'the fenced block is empty' });
  });
});

describe('malformed replies inside the optimizer', () => {
  function firstIteration(reply: ReflectionResult) {
    const state = initGepaState({
      seedCandidate: 'Solve it.',
      trainIds: ids('t', 6),
      valIds: ids('v', 4),
      grant: { amount: 100, unit: 'metricCalls' },
    });
    const seen: GepaAction[] = [];
    const step = () => {
      const a = nextAction(state, { nowMs: 0 });
      seen.push(a);
      return a;
    };
    let a = step();
    applyResult(state, a as EvaluateAction, resultsFor(a as EvaluateAction, () => 0)); // seed val
    a = step();
    expect(a).toMatchObject({ kind: 'evaluate', purpose: 'parent-minibatch' });
    applyResult(state, a as EvaluateAction, resultsFor(a as EvaluateAction, () => 0));
    a = step();
    expect(a.kind).toBe('reflect');
    applyResult(state, a as ReflectAction, reply);
    return { state, next: step() };
  }

  it.each([
    ['no fence', { rawText: 'Be more careful.' }, 'reflectionRejections'],
    ['empty fenced block', { rawText: '```\n\n```' }, 'reflectionRejections'],
    ['length-truncated reply', { rawText: '```\nBe more careful.\n```', truncated: true }, 'reflectionRejections'],
    ['failed call', { error: 'HTTP 400' }, 'reflectionFailures'],
  ] as const)('%s: the iteration ends with no child evaluation', (_name, reply, counter) => {
    const { state, next } = firstIteration(reply as ReflectionResult);
    // The next action starts iteration 2 with a new parent minibatch: no child-minibatch.
    expect(next).toMatchObject({ kind: 'evaluate', purpose: 'parent-minibatch' });
    expect(state.iteration).toBe(2);
    expect(state.counters[counter]).toBe(1);
    expect(state.counters.reflectionCalls).toBe(1);
    // Spend: |V| + b, and the second iteration's reservation is held (per-step, the default:
    // b parent + b child; |V| is reserved only once a child is accepted).
    expect(state.ledger.accounts.gepa.metricCalls).toBe(4 + 3);
    expect(state.ledger.accounts.gepa.reserved).toBe(3 + 3);
  });

  it('refuses results that do not belong to the pending action', () => {
    const state = initGepaState({ seedCandidate: 'x', trainIds: ids('t', 3), valIds: ids('v', 2), grant: { amount: 50, unit: 'metricCalls' } });
    const a = nextAction(state, { nowMs: 0 }) as EvaluateAction;
    expect(nextAction(state, { nowMs: 0 })).toEqual(a); // pending: asked again, the same action
    expect(() => applyResult(state, { ...a, seq: a.seq + 1 }, resultsFor(a, () => 0))).toThrow('pending action is evaluate #1');
    expect(() => applyResult(state, a, { results: { v0: { score: 0, feedback: '', output: '', input: '' } } })).toThrow('lacks example "v1"');
    expect(() => applyResult(state, a, { results: { ...resultsFor(a, () => 0).results, v9: { score: 0, feedback: '', output: '', input: '' } } }))
      .toThrow('has example "v9", which was not asked for');
    expect(() => applyResult(state, a, resultsFor(a, () => NaN))).toThrow('example "v0" has score NaN');
    applyResult(state, a, resultsFor(a, () => 0));
    expect(() => applyResult(state, a, resultsFor(a, () => 0))).toThrow('no action is pending');
  });
});

describe('multi-component candidates', () => {
  const seed = { components: { reasoning: 'Think step by step.', format: 'End with #### <number>.' }, order: ['reasoning', 'format'] };

  it('render their components in order, separated by a blank line', () => {
    expect(renderCandidate(seed)).toBe('Think step by step.\n\nEnd with #### <number>.');
  });

  it('round_robin: each candidate changes its components in turn, and a child continues its parent\'s turn', () => {
    const state = initGepaState({
      config: { selector: 'current_best', stop: { maxIterations: 4 } },
      seedCandidate: seed,
      trainIds: ids('t', 6),
      valIds: ids('v', 3),
      grant: { amount: 1000, unit: 'metricCalls' },
    });
    const reflected: Array<[string, string]> = [];
    // Every rewrite is better, so each iteration's parent is the previous child.
    runWith(state, {
      evaluate: (a) => resultsFor(a, (text) => Math.min(0.9, 0.1 * (text.match(/ v\d/g)?.length ?? 0))),
      reflect: (a) => {
        reflected.push([a.candidateId, a.component]);
        return { rawText: '```\n' + a.currentText + ' v' + a.seq + '\n```' };
      },
    });
    expect(reflected).toEqual([
      ['c0', 'reasoning'],
      ['c1', 'format'],
      ['c2', 'reasoning'],
      ['c3', 'format'],
    ]);
    const best = summarize(state).best.candidate;
    expect(best.order).toEqual(['reasoning', 'format']);
    expect(best.components.reasoning).toMatch(/^Think step by step\. v\d+ v\d+$/);
    expect(best.components.format).toMatch(/^End with #### <number>\. v\d+ v\d+$/);
  });

  it('all: one reflection per component, in order, before the child is evaluated', () => {
    const state = initGepaState({
      config: { componentSelector: 'all', stop: { maxIterations: 1 } },
      seedCandidate: seed,
      trainIds: ids('t', 6),
      valIds: ids('v', 3),
      grant: { amount: 1000, unit: 'metricCalls' },
    });
    const steps: string[] = [];
    runWith(
      state,
      {
        evaluate: (a) => resultsFor(a, (text) => (text.includes('NEW') ? 0.8 : 0.2)),
        reflect: (a) => ({ rawText: '```\nNEW ' + a.component + '\n```' }),
      },
      (a) => steps.push(a.kind === 'evaluate' ? a.purpose : a.kind === 'reflect' ? `reflect:${a.component}` : 'done'),
    );
    expect(steps).toEqual(['seed-val', 'parent-minibatch', 'reflect:reasoning', 'reflect:format', 'child-minibatch', 'child-val', 'done']);
    expect(summarize(state).best.candidate.components).toEqual({ reasoning: 'NEW reasoning', format: 'NEW format' });
  });

  it('all: a rejected reply for any component ends the iteration without a child', () => {
    const state = initGepaState({
      config: { componentSelector: 'all', stop: { maxIterations: 1 } },
      seedCandidate: seed,
      trainIds: ids('t', 6),
      valIds: ids('v', 3),
      grant: { amount: 1000, unit: 'metricCalls' },
    });
    const steps: string[] = [];
    runWith(
      state,
      {
        evaluate: (a) => resultsFor(a, () => 0.2),
        reflect: (a) => ({ rawText: a.component === 'format' ? 'no fence here' : '```\nNEW\n```' }),
      },
      (a) => steps.push(a.kind === 'evaluate' ? a.purpose : a.kind),
    );
    expect(steps).toEqual(['seed-val', 'parent-minibatch', 'reflect', 'reflect', 'done']);
    expect(state.counters.reflectionRejections).toBe(1);
    expect(state.pool).toHaveLength(1);
  });

  it('reflection records show failures plainly and passes as "correct", capped per record', () => {
    const state = initGepaState({
      config: { reflection: { maxRecordChars: 300, maxRecords: 2 } },
      seedCandidate: 'Solve it.',
      trainIds: ids('t', 3),
      valIds: ids('v', 2),
      grant: { amount: 100, unit: 'metricCalls' },
    });
    let reflect: ReflectAction | null = null;
    runWith(state, {
      evaluate: (a) => ({
        results: Object.fromEntries(a.exampleIds.map((id) => [id, {
          score: id === 't1' ? 1 : 0,
          feedback: id === 't1' ? 'matches the expected answer' : 'expected 5, got 7',
          output: 'reasoning '.repeat(100),
          input: `question ${id}`,
        }])),
      }),
      reflect: (a) => {
        reflect ??= a;
        return { error: 'stop here' };
      },
    }, () => {}, (s) => ({ nowMs: 0, stopRequested: s.counters.iterations >= 1 }));
    const r = reflect as unknown as ReflectAction;
    expect(r.records).toHaveLength(2); // maxRecords: the two failures come first
    expect(r.records.every((x) => !x.passed && x.feedback === 'expected 5, got 7')).toBe(true);
    for (const x of r.records) expect(x.input.length + x.output.length + x.feedback.length).toBeLessThanOrEqual(300);
    expect(r.prompt).toContain('[... ');
    // How a pass and a failure are shown whatever words the grader used.
    expect(feedbackFor(1, true, 'matches the expected answer')).toBe('correct (score 1): matches the expected answer');
    expect(feedbackFor(1, true, 'correct: expected 4')).toBe('correct: expected 4');
    expect(feedbackFor(0.5, false, 'correct format, partly right')).toBe('not correct (score 0.5): correct format, partly right');
    expect(feedbackFor(0, false, '', true)).toBe('the rollout failed (score 0)');
  });
});
