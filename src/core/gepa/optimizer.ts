/**
 * GEPA as an implementation of the optimizer interface: the engine's own actions (one evaluate
 * of one candidate, one reflection) become batch actions of one request each, and their batch
 * results are taken apart again; parallel proposals' batch actions map one to one. The engine
 * knows nothing of this.
 */
import type { Optimizer, OptimizerAction, OptimizerInitArgs, OptimizerResult } from '../optimizer/types';
import { resolveGepaConfig } from './config';
import { applyResult, carryFrom, continueGepaState, cumulativeSpend, initGepaState, nextAction, recordUsage } from './engine';
import { progress, summarize } from './summary';
import type { EvaluationResult, GepaConfigInput, GepaState, ReflectionResult } from './types';

function init(args: OptimizerInitArgs<GepaState>): GepaState {
  const config = (args.config ?? {}) as GepaConfigInput;
  const { start, trainIds, valIds, grant, holder } = args;
  switch (start.kind) {
    case 'seed':
      return initGepaState({ config, seedCandidate: start.seed, trainIds, valIds, grant, holder });
    case 'continue':
      return continueGepaState(start.previous, { grant, holder, stop: config.stop });
    case 'best-of': {
      // A fresh pool seeded with the earlier stage's best, continuing its PRNG and sampler.
      const prev = start.previous;
      const best = summarize(prev).best.candidate;
      return initGepaState({
        config: { ...prev.config, ...config, stop: { ...config.stop } },
        seedCandidate: { components: best.components, order: best.order },
        trainIds, valIds, grant, holder, carry: carryFrom(prev), spendOffset: cumulativeSpend(prev),
      });
    }
  }
}

function next(state: GepaState, ctx: Parameters<typeof nextAction>[1]): OptimizerAction {
  const action = nextAction(state, ctx);
  switch (action.kind) {
    case 'done':
      return action;
    case 'evaluate':
      return {
        kind: 'evaluate', seq: action.seq, purpose: action.purpose,
        // Only minibatch rollouts feed reflection: validation rollouts need no text back.
        requests: [{
          candidate: action.candidate, split: action.split, exampleIds: action.exampleIds,
          needsText: action.split === 'train', textChars: state.config.reflection.maxRecordChars,
        }],
      };
    case 'reflect':
      return { kind: 'generate', seq: action.seq, purpose: `reflect on ${action.component} of ${action.candidateId}`, requests: [{ prompt: action.prompt }] };
    case 'evaluate-batch':
      return {
        kind: 'evaluate', seq: action.seq, purpose: action.purpose,
        requests: action.requests.map((r) => ({
          candidate: r.candidate, split: r.split, exampleIds: r.exampleIds,
          needsText: r.split === 'train', textChars: state.config.reflection.maxRecordChars,
        })),
      };
    case 'reflect-batch':
      return {
        kind: 'generate', seq: action.seq, purpose: `reflect (${action.requests.length} proposals' components)`,
        // The proposal index tells apart identical prompts (the same parent and minibatch twice).
        requests: action.requests.map((r) => ({ prompt: r.prompt, sampleIndex: r.sampleIndex })),
      };
  }
}

function apply(state: GepaState, action: OptimizerAction, result: OptimizerResult): GepaState {
  const pending = state.pending;
  if (!pending || action.kind === 'done' || action.seq !== pending.seq) {
    throw new Error(`gepa: a result for action #${action.kind === 'done' ? '-' : action.seq}, but the pending action is ${pending ? `#${pending.seq}` : 'none'}`);
  }
  if (result.kind === 'evaluate' && pending.kind === 'evaluate') {
    return applyResult(state, pending, { results: result.results[0] } as EvaluationResult);
  }
  if (result.kind === 'evaluate' && pending.kind === 'evaluate-batch') {
    return applyResult(state, pending, result.results.map((results) => ({ results })) as EvaluationResult[]);
  }
  if (result.kind === 'generate' && pending.kind === 'reflect-batch') {
    return applyResult(state, pending, result.outputs as ReflectionResult[]);
  }
  if (result.kind === 'generate' && pending.kind === 'reflect') {
    return applyResult(state, pending, result.outputs[0] as ReflectionResult);
  }
  throw new Error(`gepa: a ${result.kind} result for the pending ${pending.kind} action #${pending.seq}`);
}

export const gepaOptimizer: Optimizer<GepaState> = {
  name: 'gepa',
  resolveConfig: (config) => resolveGepaConfig((config ?? {}) as GepaConfigInput),
  init,
  nextAction: next,
  applyResult: apply,
  recordUsage,
  // The engine resumes exactly from any state with no action pending, once the seed is validated.
  isQuiescent: (state) => !state.pending && state.pool.length > 0,
  summarize,
  progress,
  account: (state) => state.ledger.accounts[state.holder],
};
