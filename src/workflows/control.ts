/**
 * The signals and queries every lsl workflow understands, defined once: the experiment, its
 * stages, evaluations, the forwarding between them and the CLI all use these references.
 */
import { defineQuery, defineSignal, log, setDefaultSignalHandler } from '@temporalio/workflow';

/** Hold new work (calls already in flight finish). */
export const pauseSignal = defineSignal('pause');
/** Go on after a pause, or retry what a block held back. */
export const resumeSignal = defineSignal('resume');
/** Stop spending: a stage ends after its current iteration. */
export const stopSignal = defineSignal('stop');

/** The names above, for forwarding a signal to a child by name. */
export const ControlSignals = { pause: pauseSignal, resume: resumeSignal, stop: stopSignal } as const;
export type ControlSignalName = keyof typeof ControlSignals;

/**
 * Every workflow answers `progress`; its shape is the workflow's own (ExperimentProgress,
 * StageProgress, EvaluateProgress), so each declares its typed query with this name.
 */
export const PROGRESS_QUERY = 'progress';
export const progressQuery = <T>() => defineQuery<T>(PROGRESS_QUERY);

/**
 * A signal name no handler knows (a typo such as `pasue`) is not dropped silently: it is logged
 * by the worker and handed to `warn`, which the workflow shows in its progress and its details.
 */
export function warnOnUnknownSignals(warn: (message: string) => void): void {
  setDefaultSignalHandler((name: string) => {
    const message = `unknown signal '${name}' ignored (this workflow understands ${Object.keys(ControlSignals).join(', ')})`;
    log.warn(message);
    warn(message);
  });
}
