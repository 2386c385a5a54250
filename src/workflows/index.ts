/** Every workflow type the worker hosts. */
export { evaluatePrompt, evaluateProgressQuery } from './evaluate';
export { gepaStage, stageProgressQuery } from './gepa-stage';
export { pauseSignal, resumeSignal, stopSignal, progressQuery, PROGRESS_QUERY } from './control';
export { experiment, experimentProgressQuery } from './experiment';
