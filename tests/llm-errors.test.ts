/**
 * Pieces of error classification that need no server: Retry-After parsing, message sanitizing,
 * and failures that are already classified passing through. (Classification of real HTTP
 * failures is in llm-gateway.test.ts.)
 */
import { ApplicationFailure } from '@temporalio/common';
import { classifyModelError, retryAfterMs, sanitizeMessage } from '../src/llm/errors';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const h = (init: Record<string, string>) => new Headers(init);

  test('seconds, fractions, retry-after-ms, HTTP dates', () => {
    expect(retryAfterMs(h({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(h({ 'retry-after-ms': '1234', 'retry-after': '9' }), now)).toBe(1234);
    expect(retryAfterMs(h({ 'retry-after': 'Sun, 22 Nov 2026 12:00:30 GMT' }), now)).toBe(30_000);
  });

  test('absent, unreadable or past values leave the delay to the retry policy', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(h({}), now)).toBeUndefined();
    expect(retryAfterMs(h({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(h({ 'retry-after': 'Sun, 22 Nov 2026 11:59:00 GMT' }), now)).toBeUndefined();
  });
});

describe('sanitizeMessage', () => {
  test('one line, bounded, keys masked', () => {
    const s = sanitizeMessage(`line one\nline two\twith sk-abc123def456ghi and Bearer tok_123456 ${'x'.repeat(500)}`);
    expect(s).not.toMatch(/[\n\t]/);
    expect(s).toContain('sk-***');
    expect(s).not.toContain('abc123def456ghi');
    expect(s).not.toContain('tok_123456');
    expect(s.length).toBeLessThanOrEqual(200);
  });

  test('a given secret is masked whole and in pieces', () => {
    const secret = 'or-v1-9f8e7d6c5b4a39281706';
    const s = sanitizeMessage(`key ${secret} rejected; key ending 9f8e7d6c5b4a39281706 rejected`, [secret]);
    expect(s).toBe('key *** rejected; key ending *** rejected');
  });
});

test('an already classified failure passes through unchanged', () => {
  const f = ApplicationFailure.create({ type: 'MissingApiKey', message: 'x', nonRetryable: true });
  expect(classifyModelError(f)).toBe(f);
});

test('an unforeseen error is retryable, typed, one line and carries the model name', () => {
  const f = classifyModelError(new RangeError('weird\nthing'), { model: 'm' });
  expect(f).toMatchObject({ type: 'ModelCallFailed', nonRetryable: false, message: "model 'm': call failed: RangeError: weird thing" });
});
