/**
 * How an archive attempt can fail, and what the queue should do about it:
 *   retry      → the message returns to the queue after its visibility timeout (5xx, resets, timeouts, S3 errors)
 *   throttled  → the same, after the delay Dixa asked for (429 Retry-After) or an exponential backoff
 *   permanent  → retrying cannot help (404, 410, 401/403 after a token refresh, refused redirects):
 *                the job goes to the dead-letter queue with the reason
 * `code` is a short, fixed slug (a metric dimension); `message` is the one human line that lands in the DLQ.
 */
export type FailureKind = 'retry' | 'throttled' | 'permanent';

export class ArchiveFailure extends Error {
  override name = 'ArchiveFailure';
  constructor(
    readonly kind: FailureKind,
    readonly code: string,
    message: string,
    /** Only for `throttled`: the Retry-After header as sent, if any. */
    readonly retryAfter?: string,
  ) {
    super(oneLine(message));
  }
}

export const retryable = (code: string, message: string) => new ArchiveFailure('retry', code, message);
export const permanent = (code: string, message: string) => new ArchiveFailure('permanent', code, message);
export const throttled = (message: string, retryAfter?: string) =>
  new ArchiveFailure('throttled', 'throttled', message, retryAfter);

/** Anything thrown while archiving, as a failure: unknown errors (S3, network, bugs) are retried. */
export function toFailure(error: unknown): ArchiveFailure {
  if (error instanceof ArchiveFailure) return error;
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined) return retryable('s3-error', `S3 ${error.name} (${status}): ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    return retryable('error', `${code ?? error.name}: ${error.message}`);
  }
  return retryable('error', String(error));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
