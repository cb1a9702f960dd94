/**
 * How long a throttled job waits before its next attempt: Dixa's Retry-After when it sends one (seconds or an
 * HTTP date), otherwise an exponential backoff on the receive count with jitter, so a burst of throttled jobs
 * does not come back in lockstep.
 */

/** SQS refuses a visibility timeout above 12 hours. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
export const BACKOFF_BASE_SECONDS = 30;
export const BACKOFF_CAP_SECONDS = 15 * 60;

export function retryDelaySeconds(
  retryAfter: string | undefined,
  receiveCount: number,
  now = Date.now(),
  random = Math.random,
): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return clamp(asked, 1, MAX_VISIBILITY_SECONDS);
  const attempt = Math.max(1, receiveCount);
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.min(attempt - 1, 20));
  // "Equal jitter": at least half the ceiling, so the delay still grows with every attempt.
  return Math.ceil(ceiling / 2 + random() * (ceiling / 2));
}

/** Seconds from now, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d{1,10}$/.test(text)) return Number(text);
  // An HTTP date (all three RFC 9110 forms start with the day name); Date.parse alone would accept "1.5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
