/** The model simulator: an OpenAI-compatible server with a simulated world behind it (spec: shared/specs/simulator.md). */
export { startSimulator, DEFAULT_SIM_PORT, type SimOptions, type RunningSimulator } from './server';
export { defaultProfiles, resolveProfiles, type SimProfile, type SimProfileOverride } from './profiles';
export { FAULT_KINDS, parseFaultConfig, type FaultConfig, type FaultKind, type FaultRates } from './faults';
export type { SimStats, ModelStats, CallKind } from './stats';
export { countPromptTokens, countTokens } from './tokens';
export { availableTasks, InstanceIndex, buildInstanceIndex, type ExtraExamples } from './instances';
export { WORLDS, ALL_TRAPS, worldKindFor, type Trap, type WorldKind, type SimInstance } from './world';
