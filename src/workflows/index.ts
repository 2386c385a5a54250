/** Every workflow type the worker hosts. */
export { evaluatePrompt, evaluateProgressQuery } from './evaluate';
