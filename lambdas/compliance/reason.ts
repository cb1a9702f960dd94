/** The reason an erasure records in its receipt: required, one line, bounded. Shared by `erase` and the console. */
import { UsageError } from '../commons/errors.ts';

export const MAX_REASON_LENGTH = 500;

/** Returns the trimmed reason, or throws a UsageError that names the field as the caller calls it. */
export function checkReason(
  reason: string | undefined,
  field = '--reason "<text>"',
  recordedIn = 'the erasure receipt',
): string {
  const name = field.split(' ')[0];
  const text = reason?.trim();
  if (!text) throw new UsageError(`${field} is required: it goes into ${recordedIn}`);
  if (text.length > MAX_REASON_LENGTH) throw new UsageError(`${name} is longer than ${MAX_REASON_LENGTH} characters`);
  if (/[\p{Cc}]/u.test(text)) throw new UsageError(`${name} must be one line of text`);
  return text;
}
