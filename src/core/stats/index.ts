/** Statistics for the experiment's evaluation: pure and deterministic, importable from workflows. */
export { accuracy, wilson, isCorrect, FULL_CREDIT } from './proportion';
export { pairedBootstrap, quantileSorted, DEFAULT_RESAMPLES, type PairedDifference } from './paired-bootstrap';
export { mcnemarExact, discordance, type Discordance } from './mcnemar';
export { passAtK, reportedKs } from './pass-at-k';
export { meanAndSd, signOf, countSigns, type RepeatSpread, type Sign, type SignCounts } from './repeats';
export {
  summarizeResults,
  problemOutcomes,
  compareArms,
  type ProblemOutcome,
  type ArmModelOutcomes,
  type ProblemResult,
  type SummaryOptions,
  type ResultsSummary,
  type ArmAccuracy,
  type ArmPair,
  type RepeatAccuracy,
  type RepeatDifference,
  type PassAtK,
} from './summary';
export { mcnemarPower, minDetectableDifference, discordanceRate, type PowerOptions } from './power';
export { holmAdjust } from './holm';
export { studentTCdf, studentTQuantile } from './student-t';
export {
  answerPrimary,
  secondaryPairs,
  ruleText,
  DEFAULT_RULE,
  type AnswerRule,
  type PrimaryAnswer,
  type PrimaryComparison,
  type RepeatsEvidence,
  type SecondaryPair,
  type Verdict,
} from './answer';
