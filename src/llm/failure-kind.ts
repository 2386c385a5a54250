/**
 * The kinds of model-call failure and the `type` of each (see errors.ts for how a failure is
 * classified). Kept apart from errors.ts, which needs the `openai` client, so workflow code can
 * read a failure's kind without bundling it.
 */

/** Every `type` this module produces; activities' retry policies and tests refer to these. */
export const ModelErrorTypes = {
  rateLimited: 'ModelRateLimited',
  quotaExceeded: 'ModelQuotaExceeded',
  serverError: 'ModelServerError',
  conflict: 'ModelConflict',
  timeout: 'ModelTimeout',
  connection: 'ModelConnectionError',
  truncated: 'ModelTruncatedResponse',
  invalidResponse: 'ModelInvalidResponse',
  empty: 'ModelEmptyCompletion',
  cutOff: 'ModelCutOff',
  badRequest: 'ModelBadRequest',
  contextLength: 'ModelContextLength',
  unsupportedParameter: 'ModelUnsupportedParameter',
  auth: 'ModelAuthError',
  permission: 'ModelPermissionDenied',
  notFound: 'ModelNotFound',
  tooLarge: 'ModelRequestTooLarge',
  clientError: 'ModelClientError',
  contentFiltered: 'ModelContentFiltered',
  missingKey: 'MissingApiKey',
  unknownModel: 'UnknownModel',
  config: 'ModelConfigError',
  invalidRequest: 'InvalidChatRequest',
  unexpected: 'ModelCallFailed',
} as const;

export type ModelErrorType = (typeof ModelErrorTypes)[keyof typeof ModelErrorTypes];

export type FailureKind = 'account' | 'transient' | 'refusal';

/** The kind of every type: what the run does about it (block, wait, record). */
export const FAILURE_KIND: Readonly<Record<ModelErrorType, FailureKind>> = {
  ModelRateLimited: 'transient',
  ModelServerError: 'transient',
  ModelConflict: 'transient',
  ModelTimeout: 'transient',
  ModelConnectionError: 'transient',
  ModelTruncatedResponse: 'transient',
  ModelInvalidResponse: 'transient',
  ModelCallFailed: 'transient',
  ModelQuotaExceeded: 'account',
  ModelAuthError: 'account',
  ModelPermissionDenied: 'account',
  ModelNotFound: 'account',
  ModelClientError: 'account',
  ModelUnsupportedParameter: 'account',
  MissingApiKey: 'account',
  UnknownModel: 'account',
  ModelConfigError: 'account',
  ModelEmptyCompletion: 'refusal',
  ModelCutOff: 'refusal',
  ModelBadRequest: 'refusal',
  ModelContextLength: 'refusal',
  ModelRequestTooLarge: 'refusal',
  ModelContentFiltered: 'refusal',
  InvalidChatRequest: 'refusal',
};

/**
 * The kind of a failure by its `type` (the failure's own record survives Temporal's
 * serialization, the class does not). A type this module does not know is treated as account
 * trouble when non-retryable (block and tell the user, never a score), else as transient.
 */
export function failureKind(f: { type?: string | null; nonRetryable?: boolean | null }): FailureKind {
  const known = f.type ? FAILURE_KIND[f.type as ModelErrorType] : undefined;
  return known ?? (f.nonRetryable ? 'account' : 'transient');
}

/** What a completion that is then refused (empty, cut off, filtered) still cost. */
export interface SpentOnFailure { inputTokens: number; outputTokens: number; reasoningTokens: number; usd: number }

/** The first detail of every failure built here. */
export interface ModelFailureDetails {
  model: string | null;
  status: number | null;
  kind: FailureKind;
  spent?: SpentOnFailure;
}

/** The details of a failure built here (after Temporal's serialization too), or undefined. */
export function modelFailureDetails(f: { details?: unknown[] | null }): ModelFailureDetails | undefined {
  const d = f.details?.[0] as ModelFailureDetails | undefined;
  return d && typeof d === 'object' && typeof d.kind === 'string' ? d : undefined;
}
