/**
 * The failure marker: when the archiver dead-letters a job it also writes `<prefix>/ledger/<csid>/failures/<linkHash>.json`,
 * so the daily sweep can count a file that failed for good (with its reason) instead of queueing it again every day,
 * without draining the dead-letter queue to find out. Archiving the file later (a redrive) removes the marker.
 * No personal data: the conversation, the link (a files.dixa.io path), the kind and why it failed.
 */
import type { FileJob } from './job.ts';

export const FAILURE_MARKER_VERSION = 1;

export interface FailureMarker {
  markerVersion: typeof FAILURE_MARKER_VERSION;
  conversationId: string;
  linkHash: string;
  sourceUrl: string;
  kind: FileJob['kind'];
  messageId: string | null;
  /** permanent | exhausted (the DLQ's failureClass). */
  failureClass: string;
  /** The short reason slug (e.g. `not-found`), as in the PermanentFailures metric. */
  code: string;
  /** The one human line that went to the DLQ with the job. */
  reason: string;
  failedAt: string;
}

export function buildFailureMarker(
  job: FileJob,
  linkHash: string,
  failure: { failureClass: string; code: string; reason: string },
  now = new Date(),
): FailureMarker {
  return {
    markerVersion: FAILURE_MARKER_VERSION,
    conversationId: job.conversationId,
    linkHash,
    sourceUrl: job.url,
    kind: job.kind,
    messageId: job.messageId ?? null,
    failureClass: failure.failureClass,
    code: failure.code,
    reason: failure.reason,
    failedAt: now.toISOString(),
  };
}

/** A stored marker, or undefined when the text is not one (a marker is never trusted blindly). */
export function parseFailureMarker(text: string): FailureMarker | undefined {
  let value: Partial<FailureMarker>;
  try {
    value = JSON.parse(text) as Partial<FailureMarker>;
  } catch {
    return undefined;
  }
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof value.conversationId !== 'string' ||
    typeof value.linkHash !== 'string' ||
    typeof value.code !== 'string' ||
    typeof value.reason !== 'string'
  ) {
    return undefined;
  }
  return value as FailureMarker;
}
