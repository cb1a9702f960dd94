/**
 * The daily sweep's completeness reports as they lie in the bucket (`<prefix>/reports/completeness/<YYYY-MM-DD>.json`,
 * written by lambdas/sweep/report.ts): listed from their keys, read one at a time. For the console's reports page.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { UsageError, UserError } from '../commons/errors.ts';
import { completenessReportKey } from '../core/keys.ts';
import type { CompletenessReport } from '../sweep/report.ts';
import { type Archive, listObjects } from './archive.ts';

export interface ReportListing {
  /** The UTC day the sweep ran (`YYYY-MM-DD`). */
  day: string;
  key: string;
  lastModified: string | null;
}

const MAX_REPORT_BYTES = 16 * 1024 * 1024;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Every report, newest first; objects of another shape under the folder are left out. */
export async function listReports(archive: Archive): Promise<ReportListing[]> {
  const root = completenessReportKey(archive.prefix, '');
  const folder = root.slice(0, -'.json'.length);
  const reports: ReportListing[] = [];
  for await (const object of listObjects(archive, folder)) {
    const day = object.key.slice(folder.length, -'.json'.length);
    if (!DAY.test(day) || object.key !== completenessReportKey(archive.prefix, day)) continue;
    reports.push({ day, key: object.key, lastModified: object.lastModified?.toISOString() ?? null });
  }
  return reports.sort((a, b) => b.day.localeCompare(a.day));
}

export async function readReport(archive: Archive, day: string): Promise<CompletenessReport> {
  if (!DAY.test(day)) throw new UsageError(`${JSON.stringify(day)} is not a day (YYYY-MM-DD)`);
  const key = completenessReportKey(archive.prefix, day);
  try {
    const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    if ((response.ContentLength ?? 0) > MAX_REPORT_BYTES) throw new UserError(`${key} is too large to be a report`);
    const report = JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as CompletenessReport;
    if (!Array.isArray(report.days) || typeof report.totals !== 'object' || report.totals === null) {
      throw new UserError(`${key} is not a completeness report`);
    }
    return report;
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') throw new UserError(`no completeness report for ${day}`);
    if (error instanceof SyntaxError) throw new UserError(`${key} is not valid JSON`);
    throw error;
  }
}
