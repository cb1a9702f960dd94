/** The end-of-run result on stdout: a summary for people (with a per-unit table in a dry run), or JSON. */
import { FILE_KINDS } from '../../lambdas/core/job.ts';
import type { BackfillSummary, UnitResult, UnitStatus } from '../../lambdas/dixa/backfill.ts';
import { type Column, formatTable, inertText } from '../shared/output.ts';
import { formatKinds, plural } from './progress.ts';

export interface RunDescription {
  mode: 'export' | 'conversations';
  /** `windows` or `conversations`. */
  unitName: string;
  from?: string;
  to?: string;
  windowDays?: number;
  queueUrl?: string;
  stateFile?: string;
}

export function statusCounts(summary: BackfillSummary): Record<UnitStatus, number> {
  const counts: Record<UnitStatus, number> = { queued: 0, 'would-queue': 0, 'already-done': 0, failed: 0 };
  for (const unit of summary.units) counts[unit.status]++;
  return counts;
}

export function toJson(run: RunDescription, summary: BackfillSummary) {
  const { unitName: _, ...description } = run;
  return {
    ...description,
    dryRun: summary.dryRun,
    units: summary.units,
    totals: {
      units: { total: summary.units.length, ...statusCounts(summary) },
      messagesSeen: summary.messagesSeen,
      jobs: summary.jobs,
      jobCount: summary.jobCount,
      rejected: summary.rejected,
      erased: summary.erased ?? null,
      errors: summary.errors,
    },
  };
}

export function formatSummary(run: RunDescription, summary: BackfillSummary): string {
  const lines: string[] = [];
  if (summary.dryRun) {
    lines.push('Dry run: nothing was sent to the queue and no progress was recorded.', '', dryRunTable(summary), '');
  }
  const counts = statusCounts(summary);
  const parts = [
    counts.queued && `${counts.queued} queued`,
    counts['would-queue'] && `${counts['would-queue']} counted`,
    counts['already-done'] && `${counts['already-done']} already done earlier`,
    counts.failed && `${counts.failed} failed`,
  ].filter(Boolean);
  const kinds = formatKinds(summary.jobs);
  const width = Math.max(run.unitName.length, 'messages'.length) + 2;
  const label = (name: string) => `  ${name.padEnd(width)}`;
  const indent = ' '.repeat(width + 4);
  lines.push(`Backfill summary${run.queueUrl && !summary.dryRun ? ` (queue ${run.queueUrl})` : ''}`);
  lines.push(`${label(run.unitName)}${summary.units.length}${parts.length ? ` (${parts.join(', ')})` : ''}`);
  lines.push(`${label('messages')}${summary.messagesSeen} seen`);
  lines.push(
    `${label('jobs')}${summary.jobCount} ${summary.dryRun ? 'would be queued' : 'queued'}${kinds ? `: ${kinds}` : ''}`,
  );
  const rejectedTotal = summary.rejected.reduce((sum, r) => sum + r.count, 0);
  const rejectedNote = summary.dryRun ? 'would not be archived' : 'NOT archived';
  lines.push(
    `${label('rejected')}${rejectedTotal === 0 ? 'none' : `${plural(rejectedTotal, 'link')} ${rejectedNote}`}`,
  );
  for (const r of summary.rejected) lines.push(inertText`${indent}${r.count} × ${r.reason} (e.g. ${r.example})`);
  lines.push(`${label('erased')}${describeErased(summary)}`);
  lines.push(`${label('errors')}${summary.errors.length === 0 ? 'none' : summary.errors.length}`);
  for (const error of summary.errors) lines.push(inertText`${indent}${error}`);
  if (run.stateFile) lines.push(`${label('state')}${run.stateFile}`);
  if (rejectedTotal > 0) {
    lines.push(
      '',
      `INCOMPLETE: ${plural(rejectedTotal, 'file link')} ${summary.dryRun ? 'would be' : 'were'} rejected; ` +
        `${rejectedTotal === 1 ? 'that file is' : 'those files are'} not archived.`,
    );
  }
  return lines.join('\n');
}

function dryRunTable(summary: BackfillSummary): string {
  const kinds = FILE_KINDS.filter((kind) => summary.jobs[kind] > 0);
  const number = (value: (u: UnitResult) => number) => (u: UnitResult) =>
    u.status === 'would-queue' ? String(value(u)) : '-';
  const columns: Column<UnitResult>[] = [
    { header: 'unit', value: (u) => u.label },
    { header: 'messages', value: number((u) => u.messages), align: 'right' },
    { header: 'jobs', value: number((u) => u.jobCount), align: 'right' },
    ...kinds.map((kind) => ({ header: kind, value: number((u) => u.jobs[kind] ?? 0), align: 'right' as const })),
    { header: 'rejected', value: number((u) => u.rejected), align: 'right' },
    {
      header: 'note',
      value: (u) => (u.status === 'failed' ? 'FAILED' : u.status === 'already-done' ? 'already done' : ''),
    },
  ];
  return formatTable(summary.units, columns);
}

function describeErased(summary: BackfillSummary): string {
  if (!summary.erased) return 'not checked (no archive bucket given); the archiver skips erased conversations anyway';
  const { jobs, conversations } = summary.erased;
  if (jobs === 0) return 'none';
  return `${plural(jobs, 'job')} of ${plural(conversations, 'erased conversation')} left out`;
}
