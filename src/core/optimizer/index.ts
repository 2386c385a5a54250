export * from './types';
export { renderCandidate, candidateHash, seedCandidateFrom, textHash64 } from './candidate';
export { optimizers, registerOptimizer, getOptimizer, DEFAULT_OPTIMIZER } from './registry';
