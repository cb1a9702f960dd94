/**
 * The completeness report (`<prefix>/reports/completeness/<YYYY-MM-DD>.json`): for each UTC day of the sweep's
 * window, every file link Dixa's Message Export API lists for it, and where each one stands. For every day that
 * was read completely, `linked = archived + erased + deadLettered + queued`:
 *   complete   every linked file is archived (or was erased on request): the archive holds the day;
 *   incomplete some were missing (queued now: webhooks missed them) or failed for good (waiting in the DLQ);
 *   unproven   the day could not be read or checked completely (Dixa or S3 failed): nothing is claimed for it.
 * The `anonymization` section lists the archived conversations Dixa anonymized and the archived messages it redacted
 * (lambdas/sweep/anonymization.ts), and what the `followAnonymization` policy did with each.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Archive } from '../compliance/archive.ts';
import type { ErasureReceipt } from '../compliance/erase.ts';
import { completenessReportKey } from '../core/keys.ts';

export const REPORT_VERSION = 1;

export type DayStatus = 'complete' | 'incomplete' | 'unproven';
export type AnonymizationPolicy = 'report' | 'erase' | 'off';
export const ANONYMIZATION_POLICIES: readonly AnonymizationPolicy[] = ['report', 'erase', 'off'];

export interface ReasonCount {
  /** The archiver's short reason (e.g. `not-found`). */
  code: string;
  count: number;
  /** One failure's full reason, as an example. */
  example: string;
}

export interface FileCounts {
  /** Distinct file links (on the files host) in the day's messages. */
  linked: number;
  archived: number;
  /** Missing from the archive and queued by this run (webhooks missed them, or they are still in flight). */
  queued: number;
  /** Failed for good earlier (dead-lettered; `redrive` retries them), or refused by the queue now (queue-refused). */
  deadLettered: number;
  /** The conversation was erased (tombstoned) and the message predates the erasure. */
  erased: number;
  /** Links that are not on the files host (another host, invalid): never fetched, by design. */
  notArchivable: number;
}

export interface DayReport extends FileCounts {
  day: string;
  status: DayStatus;
  /** Export rows of the day. */
  messages: number;
  deadLetteredReasons: ReasonCount[];
  /** Why the day is unproven (Dixa, S3 or queue failures); empty otherwise. */
  errors: string[];
}

/**
 * What the follower did with one anonymized conversation or redacted message that has files in the archive:
 *   listed       policy `report`: nothing changed, the files stay archived;
 *   erased       policy `erase`: erased as `erase` does it (tombstone, receipt);
 *   held         a legal hold holds the conversation: never erased by the follower (`heldBy` names the matters);
 *   locked       Object Lock retention or an S3 legal hold refuses the deletion (nothing deleted; `detail` says until when);
 *   unconfirmed  the conversation export says anonymized, the conversation resource does not: nothing done;
 *   failed       Dixa or S3 failed (`detail`); the run is unproven and tomorrow's run tries again.
 */
export type FollowAction = 'listed' | 'erased' | 'held' | 'locked' | 'unconfirmed' | 'failed';

export interface AnonymizationFinding {
  conversationId: string;
  /** For a redacted message: its id (the files whose records name it). */
  messageId?: string;
  /** When Dixa anonymized the conversation or redacted the message. */
  anonymizedAt: string;
  /** Archived files concerned: the conversation's, or the message's. */
  files: number;
  /** For a redacted message: how many files Dixa says it deleted. */
  dixaDeletedFiles?: number;
  action: FollowAction;
  heldBy?: string[];
  /** The erasure receipt, when erased. */
  receiptKey?: string;
  /** Why it was not erased (locked, unconfirmed, failed). */
  detail?: string;
  /** An erasure whose receipt could not be stored: the receipt itself, kept here. */
  unsavedReceipt?: ErasureReceipt;
}

export interface AnonymizationReport {
  policy: AnonymizationPolicy;
  /** checked: Dixa was asked and every finding handled; unproven: something could not be (see `errors`); off: not asked. */
  status: 'checked' | 'unproven' | 'off';
  conversations: AnonymizationFinding[];
  messages: AnonymizationFinding[];
  errors: string[];
}

export interface CompletenessReport {
  reportVersion: typeof REPORT_VERSION;
  /** First and last UTC day of the window, both included. */
  from: string;
  to: string;
  trigger: 'schedule' | 'cli';
  startedAt: string;
  finishedAt: string;
  bucket: string;
  prefix: string;
  followAnonymization: AnonymizationPolicy;
  /** The worst day: complete only when every day is (the anonymization follower has a status of its own). */
  status: DayStatus;
  totals: FileCounts & { messages: number; errors: number; unprovenDays: number };
  days: DayReport[];
  /** Conversations Dixa anonymized and messages it redacted, among the archived ones, and what was done. */
  anonymization: AnonymizationReport;
}

/** Whether the run proved everything it set out to: every day read and checked, and the follower done. */
export function runFailed(report: CompletenessReport): boolean {
  return report.status === 'unproven' || report.anonymization.status === 'unproven';
}

export const emptyCounts = (): FileCounts => ({
  linked: 0,
  archived: 0,
  queued: 0,
  deadLettered: 0,
  erased: 0,
  notArchivable: 0,
});

export function dayStatus(day: Omit<DayReport, 'status'>): DayStatus {
  if (day.errors.length > 0) return 'unproven';
  return day.queued === 0 && day.deadLettered === 0 ? 'complete' : 'incomplete';
}

export function overallStatus(days: readonly DayReport[]): DayStatus {
  if (days.some((d) => d.status === 'unproven')) return 'unproven';
  return days.every((d) => d.status === 'complete') ? 'complete' : 'incomplete';
}

export function totalsOf(days: readonly DayReport[]): CompletenessReport['totals'] {
  const totals = { ...emptyCounts(), messages: 0, errors: 0, unprovenDays: 0 };
  for (const day of days) {
    for (const key of Object.keys(emptyCounts()) as (keyof FileCounts)[]) totals[key] += day[key];
    totals.messages += day.messages;
    totals.errors += day.errors.length;
    if (day.status === 'unproven') totals.unprovenDays++;
  }
  return totals;
}

export function reportKey(archive: Archive, report: CompletenessReport): string {
  return completenessReportKey(archive.prefix, report.startedAt.slice(0, 10));
}

/** Writes the report under the day the run started (a rerun that day replaces it; the bucket keeps versions). */
export async function writeReport(archive: Archive, report: CompletenessReport): Promise<string> {
  const key = reportKey(archive, report);
  await archive.s3.send(
    new PutObjectCommand({
      Bucket: archive.bucket,
      Key: key,
      Body: `${JSON.stringify(report, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
  return key;
}
