/** Every workflow type the worker hosts. */
export { evaluatePrompt, evaluateProgressQuery } from './evaluate';
export { gepaStage, stageProgressQuery, pauseSignal, resumeSignal, stopSignal } from './gepa-stage';
export { experiment, experimentProgressQuery } from './experiment';
