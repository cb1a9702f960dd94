import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_SECONDS,
  BACKOFF_CAP_SECONDS,
  MAX_VISIBILITY_SECONDS,
  parseRetryAfter,
  retryDelaySeconds,
} from '../../../lambdas/archiver/retry-delay.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 0],
    ['Wed, 01 Jan 2025 12:01:30 GMT', 90],
    ['Wed, 01 Jan 2025 11:00:00 GMT', 0], // in the past: now
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
  ])('%j → %s', (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });

  it('absent → undefined', () => expect(parseRetryAfter(undefined, NOW)).toBeUndefined());
});

describe('retryDelaySeconds', () => {
  it("honours Retry-After, at least 1 s and at most SQS's 12-hour visibility limit", () => {
    expect(retryDelaySeconds('120', 1, NOW)).toBe(120);
    expect(retryDelaySeconds('0', 1, NOW)).toBe(1);
    expect(retryDelaySeconds('999999', 1, NOW)).toBe(MAX_VISIBILITY_SECONDS);
    expect(retryDelaySeconds('Wed, 01 Jan 2025 12:05:00 GMT', 3, NOW)).toBe(300);
  });

  it('without Retry-After: exponential in the receive count, jittered in [ceiling/2, ceiling], capped', () => {
    const low = () => 0;
    const high = () => 0.999999;
    const cases: [number, number][] = [
      [1, BACKOFF_BASE_SECONDS],
      [2, 2 * BACKOFF_BASE_SECONDS],
      [3, 4 * BACKOFF_BASE_SECONDS],
      [10, BACKOFF_CAP_SECONDS],
      [500, BACKOFF_CAP_SECONDS],
    ];
    for (const [count, ceiling] of cases) {
      expect(retryDelaySeconds(undefined, count, NOW, low)).toBe(Math.ceil(ceiling / 2));
      expect(retryDelaySeconds(undefined, count, NOW, high)).toBe(ceiling);
    }
    expect(retryDelaySeconds('garbage', 1, NOW, low)).toBe(BACKOFF_BASE_SECONDS / 2);
  });
});
