/** GEPA's candidates are the optimizer interface's (one module for every optimizer). */
export { renderCandidate, candidateHash, seedCandidateFrom, textHash64 } from '../optimizer/candidate';
