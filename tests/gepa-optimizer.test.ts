/**
 * GEPA through the optimizer interface (as the stage workflow drives it) ends exactly where the
 * engine driven directly ends; every iteration's outcome is counted, and the counts add up.
 */
import {
  gepaOptimizer, initGepaState, summarize, type EvaluateAction, type GepaState, type ReflectAction,
} from '../src/core/gepa';
import { getOptimizer } from '../src/core/optimizer';
import { ids, randomWorld, runWith } from './gepa-drivers';

const world = randomWorld({ seed: 7, pValid: 0.6, levels: 4, pPerfect: 0.3 });
const args = { trainIds: ids('t', 12), valIds: ids('v', 6), grant: { amount: 400, unit: 'metricCalls' as const }, holder: 'stage' };
const config = { seed: 2, minibatchSize: 3, useMerge: true };

function viaInterface(): GepaState {
  const o = gepaOptimizer;
  let state = o.init({ config, start: { kind: 'seed', seed: { components: { instruction: 'v1 solve it' }, order: ['instruction'] } }, ...args });
  for (;;) {
    const action = o.nextAction(state, { nowMs: 0 });
    if (action.kind === 'done') return state;
    if (action.kind === 'evaluate') {
      expect(action.requests).toHaveLength(1);
      const engineAction = state.pending as EvaluateAction;
      state = o.applyResult(state, action, { kind: 'evaluate', results: [world.evaluate(engineAction, state).results] });
    } else {
      expect(action.requests).toHaveLength(1);
      state = o.applyResult(state, action, { kind: 'generate', outputs: [world.reflect(state.pending as ReflectAction, state)] });
    }
  }
}

test('GEPA through the interface ends where the engine driven directly ends', () => {
  const direct = initGepaState({ config, seedCandidate: 'v1 solve it', ...args });
  runWith(direct, world);
  const through = viaInterface();
  expect(summarize(through)).toEqual(summarize(direct));
  expect(getOptimizer('gepa')).toBe(gepaOptimizer);
  expect(() => getOptimizer('nope')).toThrow("unknown optimizer 'nope' (known: gepa");
});

test('every iteration ends in exactly one counted outcome; the counts add up to the iterations', () => {
  const s = summarize(viaInterface());
  const total = Object.values(s.outcomes).reduce((a, b) => a + b, 0);
  expect(total).toBe(s.iterations);
  expect(s.iterations).toBeGreaterThan(5);
  // This world makes every kind of reflection trouble and perfect minibatches happen.
  expect(s.outcomes['reflection-malformed'] + s.outcomes['reflection-failed']).toBeGreaterThan(0);
  expect(s.outcomes['skipped-perfect-minibatch']).toBeGreaterThan(0);
  expect(s.outcomes.accepted).toBe(s.accepted);
  expect(s.outcomes['merge-accepted'] + s.outcomes['merge-rejected']).toBe(s.counts.mergesTried);
  expect(gepaOptimizer.progress(viaInterface()).outcomes).toEqual(s.outcomes);
});
