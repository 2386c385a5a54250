/**
 * The run plan (src/core/experiment/run-plan.ts), pure: which stages start when, what each is
 * given, how pause, stop and failures change that, which evaluations run in what order, and the
 * arm outcomes and report sources. No Temporal server: the workflow only carries these out.
 */
import {
  armSources, childBlocked, evaluationFinished, liveStatus, experimentResult, gepaSettings, initialProgress, nextStages, reportSources,
  requestPause, requestResume, requestStop, runStatus, stageFailed, stageFinished, stagesSettled, startEvaluations,
  safeRunId, startRun, startTransfers, transferFinished, transferStages, type ExperimentConfigInput, type ExperimentRun, type StageCall, type StageOutcome,
} from '../src/core/experiment';
import { accountOf, P0, preparedFor, TINY } from './helpers/prepared';

const ID = 'exp-test';
const newRun = (raw: ExperimentConfigInput = TINY, concurrency?: number): ExperimentRun =>
  startRun(initialProgress(ID), preparedFor(raw, concurrency));

function outcome(call: StageCall, over: Partial<StageOutcome> = {}): StageOutcome {
  return {
    stopReason: 'budget', bestScore: 0.5, bestCandidate: { text: `best of ${call.stage}` },
    stateKey: `state-${call.repeat}-${call.stage}`, summaryKey: `summary-${call.repeat}-${call.stage}`,
    account: accountOf(call.input.grant.amount - 1, call.input.grant.amount, call.input.taskModel), wallMs: 100,
    ...over,
  };
}

const names = (calls: Array<{ stage: string }>) => calls.map((c) => c.stage);
const status = (run: ExperimentRun) => Object.fromEntries(run.progress.stages.map((s) => [`${s.repeat}/${s.stage}`, s.status]));

/** Runs every stage to completion, finishing each as soon as it starts; returns the start order. */
function finishAll(run: ExperimentRun, over: (c: StageCall) => Partial<StageOutcome> = () => ({})): string[][] {
  const waves: string[][] = [];
  for (let calls = nextStages(run); calls.length; calls = nextStages(run)) {
    waves.push(names(calls));
    for (const c of calls) stageFinished(run, c, outcome(c, over(c)));
  }
  return waves;
}

test('startRun grants every stage of every repeat its budget and lists it pending', () => {
  const run = newRun({ ...TINY, repeats: 2 });
  expect(run.progress.phase).toBe('optimizing');
  expect(run.progress.stages.map((s) => `${s.repeat}/${s.stage}:${s.status}:${s.grant}`)).toEqual([
    '0/base:pending:90', '0/lsl:pending:60', '0/matched:pending:60', '0/small-only:pending:150',
    '1/base:pending:90', '1/lsl:pending:60', '1/matched:pending:60', '1/small-only:pending:150',
  ]);
  expect(run.progress.stages[5].workflowId).toBe(`${ID}-r1-lsl`);
  expect(run.ledger.accounts['r1/small-only'].grant).toEqual({ amount: 150, unit: 'metricCalls' });
});

test('stages start as soon as the stage they start from completed, each with its start and split', () => {
  const run = newRun();
  const first = nextStages(run);
  expect(names(first)).toEqual(['base', 'small-only']);
  expect(nextStages(run)).toEqual([]); // lsl and matched wait for base; nothing starts twice
  const base = first[0].input;
  expect(base.start).toEqual({ kind: 'seed', seed: { components: { instruction: P0 }, order: ['instruction'] } });
  expect(base).toMatchObject({
    stage: 'base', arm: 'base', experimentId: ID, task: 'gsm8k', pool: 'train', taskModel: 'L', reflector: 'L',
    grant: { amount: 90, unit: 'metricCalls' }, concurrency: 32, modelTimeoutMs: 7000, reflectorTimeoutMs: 7000,
  });
  expect(base.trainIds).toEqual(['r0-train-0', 'r0-train-1', 'r0-train-2', 'r0-train-3', 'r0-train-4', 'r0-train-5']);
  expect(base.valIds).toHaveLength(4);
  expect(first[1].input).toMatchObject({ taskModel: 'S', grant: { amount: 150, unit: 'metricCalls' }, modelTimeoutMs: 3000 });

  stageFinished(run, first[0], outcome(first[0]));
  const second = nextStages(run);
  expect(names(second)).toEqual(['lsl', 'matched']);
  expect(second[0].input.start).toEqual({ kind: 'best-of', stateKey: 'state-0-base' });
  expect(second[1].input.start).toEqual({ kind: 'continue', stateKey: 'state-0-base' });
  expect(stagesSettled(run)).toBe(false);
  for (const c of [first[1], ...second]) stageFinished(run, c, outcome(c));
  expect(stagesSettled(run)).toBe(true);
  expect(status(run)).toEqual({ '0/base': 'completed', '0/lsl': 'completed', '0/matched': 'completed', '0/small-only': 'completed' });
  expect(run.progress.stages[0]).toMatchObject({ spent: 89, best: 0.5 });
});

test('cycles run S then L in turn, each from the best of the stage before', () => {
  const run = newRun({ ...TINY, arms: ['base', { cycles: 2 }] });
  const starts: Record<string, unknown> = {};
  const waves: string[][] = [];
  for (let calls = nextStages(run); calls.length; calls = nextStages(run)) {
    waves.push(names(calls));
    for (const c of calls) {
      starts[c.stage] = c.input.start;
      stageFinished(run, c, outcome(c));
    }
  }
  expect(waves).toEqual([['base'], ['cycles-2-s1'], ['cycles-2-l1'], ['cycles-2-s2'], ['cycles-2-l2']]);
  expect(starts['cycles-2-s1']).toEqual({ kind: 'best-of', stateKey: 'state-0-base' });
  expect(starts['cycles-2-l2']).toEqual({ kind: 'best-of', stateKey: 'state-0-cycles-2-s2' });
});

test('a model with less concurrency than the cap keeps its own', () => {
  const run = newRun(TINY, 5);
  expect(nextStages(run).map((c) => c.input.concurrency)).toEqual([5, 5]);
});

test('GEPA settings reach the engine in its own names and units', () => {
  const cfg = preparedFor({ ...TINY, gepa: { minibatchSize: 2, merge: true, maxMerge: 3, selector: 'epsilon_greedy', stop: { maxWallClockMinutes: 1.5, scoreThreshold: 0.9 } } }).config;
  expect(gepaSettings(cfg.gepa, 7)).toEqual({
    seed: 7, minibatchSize: 2, selector: 'epsilon_greedy', epsilon: 0.1, componentSelector: 'round_robin',
    useMerge: true, maxMerge: 3, perfectScore: 1,
    stop: { noImprovementIterations: undefined, scoreThreshold: 0.9, maxWallClockMs: 90_000 },
  });
  // Each repeat's stages get that repeat's GEPA seed.
  const run = newRun({ ...TINY, seeds: [11, 12] });
  expect(nextStages(run).map((c) => `${c.repeat}:${c.input.config.seed}`)).toEqual(['0:11', '0:11', '1:12', '1:12']);
});

test('while paused no stage starts; on resume the waiting ones do', () => {
  const run = newRun();
  const [base, small] = nextStages(run);
  requestPause(run.progress);
  stageFinished(run, base, outcome(base));
  expect(nextStages(run)).toEqual([]);
  expect(status(run)['0/lsl']).toBe('pending');
  requestResume(run.progress);
  expect(names(nextStages(run))).toEqual(['lsl', 'matched']);
  expect(small.stage).toBe('small-only');
});

test('a stop skips every stage not yet started; running ones end by themselves; no evaluation runs', () => {
  const run = newRun();
  const [base, small] = nextStages(run);
  requestPause(run.progress);
  requestStop(run.progress);
  expect(run.progress.paused).toBe(false); // a stop ends a pause
  expect(nextStages(run)).toEqual([]);
  expect(status(run)).toMatchObject({ '0/base': 'running', '0/lsl': 'skipped', '0/matched': 'skipped', '0/small-only': 'running' });
  stageFinished(run, base, outcome(base, { stopReason: 'stop-requested' }));
  stageFinished(run, small, outcome(small));
  expect(stagesSettled(run)).toBe(true);
  expect(status(run)['0/base']).toBe('stopped');
  expect(startEvaluations(run)).toEqual([]);
  expect(runStatus(run)).toBe('stopped');
  const arms = Object.fromEntries(armSources(run).map((a) => [a.arm, a]));
  expect(arms.seed.finished).toBe(true);
  expect(arms.base.finished).toBe(false);
  expect(arms.base.stages.map((s) => s.stage)).toEqual(['base']); // its partial work is still reported
  expect(arms.lsl.finished).toBe(false);
  expect(arms['small-only'].finished).toBe(true);
});

test('a stage stopped by its own signal (not the experiment) skips the stages after it', () => {
  const run = newRun();
  const [base, small] = nextStages(run);
  stageFinished(run, base, outcome(base, { stopReason: 'stop-requested' }));
  stageFinished(run, small, outcome(small));
  expect(nextStages(run)).toEqual([]);
  expect(status(run)).toMatchObject({ '0/lsl': 'skipped', '0/matched': 'skipped' });
  expect(runStatus(run)).toBe('completed');
});

test('a failed stage skips the stages after it; the others go on; the run is failed', () => {
  const run = newRun();
  const [base, small] = nextStages(run);
  stageFailed(run, base);
  expect(nextStages(run)).toEqual([]);
  stageFinished(run, small, outcome(small));
  expect(stagesSettled(run)).toBe(true);
  expect(status(run)).toEqual({ '0/base': 'failed', '0/lsl': 'skipped', '0/matched': 'skipped', '0/small-only': 'completed' });
  expect(runStatus(run)).toBe('failed');
  expect(startEvaluations(run).map((e) => `${e.arm}/${e.model}`)).toEqual(['seed/L', 'seed/S', 'small-only/L', 'small-only/S']);
});

test('evaluations: every finished arm with every evaluation model, in plan order, on the test split', () => {
  const run = newRun({ ...TINY, repeats: 2 });
  finishAll(run);
  const evals = startEvaluations(run);
  expect(run.progress.phase).toBe('evaluating');
  expect(evals.map((e) => `${e.repeat}/${e.arm}/${e.model}`)).toEqual([
    '0/seed/L', '0/seed/S', '0/base/L', '0/base/S', '0/lsl/L', '0/lsl/S', '0/matched/L', '0/matched/S', '0/small-only/L', '0/small-only/S',
    '1/seed/L', '1/seed/S', '1/base/L', '1/base/S', '1/lsl/L', '1/lsl/S', '1/matched/L', '1/matched/S', '1/small-only/L', '1/small-only/S',
  ]);
  expect(evals[0].input).toMatchObject({
    instruction: P0, pool: 'test', samples: 1, temperature: 0, concurrency: 32, modelTimeoutMs: 7000,
    experimentId: ID, arm: 'seed', model: 'L',
  });
  expect(evals[13].input.ids).toEqual(['r1-test-0', 'r1-test-1', 'r1-test-2', 'r1-test-3', 'r1-test-4']);
  expect(evals[4].input.instruction).toBe('best of lsl');
  expect(evals[2].workflowId).toBe(`${ID}-r0-eval-base-L`);
  expect(run.progress.evaluations.every((e) => e.status === 'running')).toBe(true);
});

test('report sources list evaluations in plan order whatever order they finished in; the result sums each arm', () => {
  const run = newRun();
  finishAll(run);
  const evals = startEvaluations(run);
  [...evals].reverse().forEach((e, i) => evaluationFinished(run, e, {
    accuracy: i / 10, resultsKey: `results-${e.arm}-${e.model}`, inputTokens: 100, outputTokens: 10, usd: 0.5, modelCalls: 4, cachedCalls: 1,
  }));
  const sources = reportSources(run, { startedAt: 'a', finishedAt: 'b' });
  expect(run.progress.phase).toBe('reporting');
  expect(sources.status).toBe('completed');
  expect(sources.evaluations.map((e) => e.resultsKey)).toEqual(evals.map((e) => `results-${e.arm}-${e.model}`));
  expect(sources.evaluationLedger).toEqual([
    { model: 'L', calls: 25, inputTokens: 500, outputTokens: 50, usd: 2.5 },
    { model: 'S', calls: 25, inputTokens: 500, outputTokens: 50, usd: 2.5 },
  ]);
  const lsl = sources.arms.find((a) => a.arm === 'lsl')!;
  expect(lsl).toMatchObject({ finished: true, finalPrompt: 'best of lsl', grant: { amount: 150, unit: 'metricCalls' } });
  expect(lsl.stages.map((s) => [s.stage, s.summaryKey, s.continued])).toEqual([['base', 'summary-0-base', undefined], ['lsl', 'summary-0-lsl', undefined]]);
  const matched = sources.arms.find((a) => a.arm === 'matched')!;
  expect(matched.stages[1].continued).toBe('base');

  const result = experimentResult(run, sources, { dir: '/r', files: { html: 'h', markdown: 'm', latex: 'l', jsonl: 'j' } }, 'key');
  expect(run.progress.phase).toBe('done');
  expect(result).toMatchObject({ experimentId: ID, status: 'completed', simulated: true, reportSourcesKey: 'key', report: { dir: '/r', html: 'h' } });
  const byArm = Object.fromEntries(result.arms.map((a) => [a.arm, a]));
  expect(byArm.lsl).toMatchObject({ grant: 150, spent: 89 + 59, unit: 'metricCalls' });
  expect(byArm.seed).toMatchObject({ grant: 0, spent: 0, finalPrompt: P0 });
  // Accuracy by model; evaluations finished in reverse, so seed/L (the first planned) got the last value.
  expect(byArm.seed.testAccuracy).toEqual({ L: 0.9, S: 0.8 });
  expect(Object.keys(byArm.base.testAccuracy)).toEqual(['L', 'S']);
});

describe('transfer scoring', () => {
  // Stage pools as the stage summaries list them: matched continues base's state, so its pool starts with base's.
  const cand = (id: string, text: string) => ({ candidate: { id, parents: [], origin: 'reflection' as const }, text });
  const pools: Record<string, Array<ReturnType<typeof cand>>> = {
    'summary-0-base': [cand('0', P0), cand('1', 'base rule')],
    'summary-0-lsl': [cand('0', 'base rule'), cand('1', 'small rule')],
    'summary-0-matched': [cand('0', P0), cand('1', 'base rule'), cand('2', 'matched rule')],
    'summary-0-small-only': [cand('0', P0), cand('1', 'small-only rule')],
  };
  const poolOf = (key: string) => pools[key] as never;
  const res = (accuracy: number, modelCalls: number, cachedCalls = 0) => ({
    accuracy, resultsKey: 'unused', inputTokens: 7 * (modelCalls + cachedCalls), outputTokens: 3 * (modelCalls + cachedCalls), usd: 0.01, modelCalls, cachedCalls,
  });

  test('each stage\'s accepted candidates on the other model\'s validation set, in plan order, recorded as analysis spend', () => {
    const run = newRun();
    finishAll(run);
    const stages = transferStages(run);
    expect(stages).toEqual([
      { repeat: 0, stage: 'base', summaryKey: 'summary-0-base' },
      { repeat: 0, stage: 'lsl', summaryKey: 'summary-0-lsl' },
      { repeat: 0, stage: 'matched', summaryKey: 'summary-0-matched', continuedSummaryKey: 'summary-0-base' },
      { repeat: 0, stage: 'small-only', summaryKey: 'summary-0-small-only' },
    ]);
    const calls = startTransfers(run, stages, poolOf);
    // base (on L) → S; lsl (on S) → L; matched → S without the base candidates it continued (and 'base
    // rule' was scored on S already); small-only (on S) → L, its seed P0 too (base scored P0 on S only).
    expect(calls.map((c) => `${c.candidate}@${c.model}`)).toEqual([
      'base/0@S', 'base/1@S', 'lsl/0@L', 'lsl/1@L', 'matched/2@S', 'small-only/0@L', 'small-only/1@L',
    ]);
    expect(calls[2].input).toEqual({
      task: 'gsm8k', model: 'L', instruction: 'base rule', pool: 'train', ids: ['r0-val-0', 'r0-val-1', 'r0-val-2', 'r0-val-3'],
      samples: 1, concurrency: 32, modelTimeoutMs: 7000, experimentId: ID, arm: 'lsl',
    });
    expect(calls[0].workflowId).toBe(`${ID}-r0-transfer-base-0-S`);
    expect(new Set(calls.map((c) => c.workflowId)).size).toBe(calls.length);

    // Finish out of order: the ledger sums as analysis (no stage's account moves), sources keep plan order.
    const before = JSON.stringify(Object.fromEntries(Object.entries(run.ledger.accounts).filter(([k]) => k !== 'analysis')));
    [...calls].reverse().forEach((c, i) => transferFinished(run, c, res(0.25 * (i % 4), 4 - (i % 2), i % 2)));
    expect(JSON.stringify(Object.fromEntries(Object.entries(run.ledger.accounts).filter(([k]) => k !== 'analysis')))).toBe(before);
    expect(run.ledger.accounts.analysis.cacheHits).toBe(3);
    const src = reportSources(run, { startedAt: 'a', finishedAt: 'b' });
    // Calls = made + served from the cache (4 per scoring here): 3 scorings on S, 4 on L.
    expect(src.analysisLedger).toHaveLength(2);
    expect(src.analysisLedger).toEqual(expect.arrayContaining([
      { model: 'S', calls: 12, inputTokens: 84, outputTokens: 36, usd: expect.closeTo(0.03, 12) },
      { model: 'L', calls: 16, inputTokens: 112, outputTokens: 48, usd: expect.closeTo(0.04, 12) },
    ]));
    const lsl = src.arms.find((a) => a.arm === 'lsl')!;
    expect(lsl.stages.map((s) => [s.stage, s.transfer])).toEqual([
      ['base', [{ candidate: 'base/0', model: 'S', valMean: 0.5 }, { candidate: 'base/1', model: 'S', valMean: 0.25 }]],
      ['lsl', [{ candidate: 'lsl/0', model: 'L', valMean: 0 }, { candidate: 'lsl/1', model: 'L', valMean: 0.75 }]],
    ]);
    expect(src.evaluationLedger).toEqual([]);
  });

  test('off by the config switch, after a stop, or when L and S are one model: nothing is scored', () => {
    const off = newRun({ ...TINY, analysis: { transfer: false } });
    finishAll(off);
    expect(transferStages(off)).toEqual([]);
    const stopped = newRun();
    finishAll(stopped);
    requestStop(stopped.progress);
    expect(transferStages(stopped)).toEqual([]);
    const same = newRun({ ...TINY, models: { large: 'L', small: 'L' } });
    finishAll(same);
    expect(transferStages(same)).toEqual([]);
    const src = reportSources(off, { startedAt: 'a', finishedAt: 'b' });
    expect(src.analysisLedger).toBeUndefined();
    expect(src.arms.flatMap((a) => a.stages).every((s) => s.transfer === undefined)).toBe(true);
  });
});

test('a cache scope reaches every stage and evaluation input; without one the inputs have none', () => {
  const scoped = startRun(initialProgress(ID), preparedFor(TINY), { cacheScope: 'exp-test-20261201T030000Z' });
  const plain = newRun();
  const stagesOf = (run: ExperimentRun) => {
    const inputs: StageCall['input'][] = [];
    for (let calls = nextStages(run); calls.length; calls = nextStages(run)) {
      for (const c of calls) { inputs.push(c.input); stageFinished(run, c, outcome(c)); }
    }
    return inputs;
  };
  const scopedStages = stagesOf(scoped);
  expect(scopedStages.length).toBeGreaterThan(0);
  for (const i of scopedStages) expect(i.cacheScope).toBe('exp-test-20261201T030000Z');
  for (const c of startEvaluations(scoped)) expect(c.input.cacheScope).toBe('exp-test-20261201T030000Z');
  for (const i of stagesOf(plain)) expect('cacheScope' in i).toBe(false);
  for (const c of startEvaluations(plain)) expect('cacheScope' in c.input).toBe(false);
});

test('safeRunId drops what a path cannot hold and keeps the date', () => {
  expect(safeRunId('tiny-abc123-2026-12-01T03:00:00Z')).toBe('tiny-abc123-2026-12-01T030000Z');
  expect(safeRunId('exp-plain_1.2')).toBe('exp-plain_1.2');
  expect(safeRunId('a/b\\c d')).toBe('abcd');
});

test('wst: its stage, transfer scorings and test evaluations run teacher-then-student (the teacher S, the seed prompt as frame); the teacher\'s usage goes to the ledger under S', () => {
  const run = newRun({ ...TINY, arms: ['seed', 'base', 'wst'] });
  const first = nextStages(run);
  expect(names(first)).toEqual(['base', 'wst']);
  const [base, wst] = first.map((c) => c.input);
  expect(base.teacher).toBeUndefined();
  expect(wst.taskModel).toBe('L');
  expect(wst.teacher).toEqual({ model: 'S', frame: P0, callPolicy: { timeoutMs: 3000 } });
  expect(wst.start).toEqual({ kind: 'seed', seed: { components: { instruction: expect.stringMatching(/^You are a teacher\./) }, order: ['instruction'] } });
  for (const c of first) stageFinished(run, c, outcome(c));

  const stage = transferStages(run).find((t) => t.stage === 'wst')!;
  const transfers = startTransfers(run, [stage], () => [{ candidate: { id: 'wst/0' }, text: 'teach well' }] as never);
  expect(transfers.map((t) => [t.model, t.input.instruction, t.input.teacher?.model])).toEqual([['S', 'teach well', 'S']]);

  const evals = startEvaluations(run);
  const ofWst = evals.filter((e) => e.arm === 'wst');
  expect(ofWst.map((e) => [e.model, e.input.instruction, e.input.teacher?.model, e.input.teacher?.frame])).toEqual([
    ['L', 'best of wst', 'S', P0], ['S', 'best of wst', 'S', P0],
  ]);
  expect(evals.filter((e) => e.arm !== 'wst').every((e) => e.input.teacher === undefined)).toBe(true);
  expect(armSources(run).find((a) => a.arm === 'wst')!.teacher).toBe('S');
  evaluationFinished(run, ofWst[0], {
    accuracy: 0.6, resultsKey: 'k', inputTokens: 50, outputTokens: 20, usd: 0.5, modelCalls: 5, cachedCalls: 0,
    teacher: { model: 'S', inputTokens: 40, outputTokens: 10, usd: 0.1, modelCalls: 4, cachedCalls: 1 },
  });
  const byModel = run.ledger.accounts.evaluation.byModel;
  expect([byModel.L.first.calls, byModel.L.first.inputTokens, byModel.S.first.calls, byModel.S.first.inputTokens]).toEqual([5, 50, 5, 40]);
});

test("children's blocks: one line per distinct reason naming the children it holds, status blocked until all are lifted, a stop or pause first", () => {
  const p = initialProgress(ID);
  const quota = (m: string) => ({ model: m, reason: `model '${m}': insufficient quota (429)` });
  expect(liveStatus(p)).toBe('running');
  childBlocked(p, 'w-base', 'stage base', [quota('sim-large')]);
  childBlocked(p, 'w-small', 'stage small-only', [quota('sim-small')]);
  childBlocked(p, 'w-lsl', 'stage lsl', [quota('sim-large')]);
  expect(p.blocked).toBe("blocked: model 'sim-large': insufficient quota (429) (stage base, stage lsl); model 'sim-small': insufficient quota (429) (stage small-only)");
  expect(p.blocks).toHaveLength(3);
  expect(liveStatus(p)).toBe('blocked');
  requestPause(p);
  expect(liveStatus(p)).toBe('paused');
  requestResume(p);
  // A child's new report replaces its old one; an empty one (resumed, or ended) lifts its blocks.
  childBlocked(p, 'w-base', 'stage base', []);
  childBlocked(p, 'w-lsl', 'stage lsl', []);
  expect(p.blocked).toBe("blocked: model 'sim-small': insufficient quota (429) (stage small-only)");
  expect(liveStatus(p)).toBe('blocked');
  childBlocked(p, 'w-small', 'stage small-only', []);
  expect(p.blocked).toBeNull();
  expect(liveStatus(p)).toBe('running');
  requestStop(p);
  childBlocked(p, 'w-base', 'stage base', [quota('sim-large')]);
  expect(liveStatus(p)).toBe('stopping');
});
