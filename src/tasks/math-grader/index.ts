/** The MATH-style answer grader: extraction, normalization, tiered equivalence, feedback. */
export { compareAnswers, DEFAULT_REL_TOL, DEFAULT_TIME_LIMIT_MS, type CompareOptions, type Tier, type Verdict } from './compare';
export { extractFinalAnswer, lastBoxed, type Extraction, type ExtractionMethod } from './extract';
export { normalizeAnswer, type NormalizedAnswer } from './normalize';
export { gradeMath, gradeAime, aimeGoldInteger, type MathGradeOptions } from './grade';
