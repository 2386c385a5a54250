/**
 * The budget ledger (pure, JSON-serializable): grants per holder (an arm's stage, the
 * evaluation), reservations that keep spend within a grant, and recorded usage per holder and
 * model (rollouts, reflection calls, tokens, dollars), with re-done work kept apart.
 */
export * from './ledger';
export { formatAmount, formatCount, formatUsd } from './format';
