/**
 * Live progress on stderr: a bar on a terminal (units done, jobs queued, ETA from the rate limit), one plain
 * line per unit otherwise (pipes, CI, log files).
 */
import { SingleBar } from 'cli-progress';
import { FILE_KINDS, type FileKind } from '../../lambdas/core/job.ts';
import type { BackfillSummary, UnitResult } from '../../lambdas/dixa/backfill.ts';
import type { DixaApi } from '../../lambdas/dixa/dixa-client.ts';
import type { FlowStatus } from '../../lambdas/dixa/flow-control.ts';
import type { Pacer } from '../../lambdas/dixa/pacer.ts';
import { inertText } from '../shared/output.ts';

export interface ProgressReporter {
  unitDone(result: UnitResult, summary: BackfillSummary): void;
  retrying(event: { api: DixaApi; reason: string; waitMs: number }): void;
  /** The job queue holds more than the archiver can drain well inside its retention: sending waits. */
  queueFull(status: FlowStatus): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** `windows` or `conversations`. */
  unitName: string;
  total: number;
  /** Units that still need a request (the rest are already done). */
  pending: number;
  /** The API's pacer: the ETA is the wait for its next slot plus one interval per further pending unit. */
  pacer: Pick<Pacer, 'intervalMs' | 'waitMs'>;
  dryRun: boolean;
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  return options.stream.isTTY ? barProgress(options) : lineProgress(options);
}

function barProgress({ stream, unitName, total, pending, pacer, dryRun }: ProgressOptions): ProgressReporter {
  const verb = dryRun ? 'to queue' : 'queued';
  const bar = new SingleBar({
    stream,
    format: `${unitName} [{bar}] {value}/{total} | {jobs} jobs ${verb} | ETA {etaText}{note}`,
    barsize: 30,
    clearOnComplete: false,
  });
  let remaining = pending;
  const eta = () => formatDuration(remaining === 0 ? 0 : pacer.waitMs() + (remaining - 1) * pacer.intervalMs);
  bar.start(total, 0, { jobs: 0, etaText: eta(), note: '' });
  return {
    unitDone(result, summary) {
      if (result.status !== 'already-done') remaining = Math.max(0, remaining - 1);
      bar.update(summary.units.length, { jobs: summary.jobCount, etaText: eta(), note: '' });
    },
    retrying({ reason, waitMs }) {
      bar.update({ note: ` | waiting ${formatDuration(waitMs)}: ${reason.slice(0, 60)}` });
    },
    queueFull(status) {
      bar.update({ note: ` | ${describeQueueFull(status)}` });
    },
    stop: () => bar.stop(),
  };
}

function lineProgress({ stream, total, dryRun }: ProgressOptions): ProgressReporter {
  const width = String(total).length;
  return {
    unitDone(result, summary) {
      const position = `[${String(summary.units.length).padStart(width)}/${total}]`;
      stream.write(inertText`${position} ${result.label}: ${describeUnit(result, dryRun)}\n`);
    },
    retrying({ reason, waitMs }) {
      stream.write(inertText`  waiting ${formatDuration(waitMs)} before retrying: ${reason}\n`);
    },
    queueFull(status) {
      stream.write(`  ${describeQueueFull(status)}\n`);
    },
    stop() {},
  };
}

export function describeQueueFull({ backlog, room, drainPerMinute, waitMs }: FlowStatus): string {
  const rate = drainPerMinute === undefined ? 'drain rate not measured yet' : `archiver drains ~${drainPerMinute}/min`;
  return `job queue holds ${backlog} jobs (room for ${room}; ${rate}): waiting ${formatDuration(waitMs)} for the archiver`;
}

export function describeUnit(result: UnitResult, dryRun: boolean): string {
  if (result.status === 'already-done') return 'already done in an earlier run, skipped';
  if (result.status === 'failed') return `FAILED: ${result.error?.replace(`${result.label}: `, '')}`;
  const kinds = formatKinds(result.jobs);
  const rejected = result.rejected ? `, ${plural(result.rejected, 'link')} rejected` : '';
  return `${plural(result.messages, 'message')}, ${plural(result.jobCount, 'job')} ${dryRun ? 'to queue' : 'queued'}${kinds ? ` (${kinds})` : ''}${rejected}`;
}

/** `attachment 40, recording 30` in the order of FILE_KINDS, zeros left out. */
export function formatKinds(jobs: Partial<Record<FileKind, number>>): string {
  return FILE_KINDS.filter((kind) => (jobs[kind] ?? 0) > 0)
    .map((kind) => `${kind} ${jobs[kind]}`)
    .join(', ');
}

export const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
