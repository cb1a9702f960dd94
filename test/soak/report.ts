/** The soak report: what was planned, what happened, what was found; and the verdict (every problem named). */
import type { LogCounts } from './local-process.ts';
import type { FaultLabel } from './plan.ts';
import type { ArchiveCheck, DeadLetterCheck } from './verify.ts';

export interface SoakReport {
  seed: number;
  options: { files: number; webhooks: number; big: number; faultRate: number; missingRate: number; kills: number };
  settings: Record<string, string>;
  plan: {
    files: number;
    bytes: number;
    largestBytes: number;
    missing: number;
    faultedFiles: number;
    faults: Partial<Record<FaultLabel, number>>;
    webhooks: number;
    deliveries: number;
    outOfOrder: number;
  };
  deliveries: { accepted: number; retried: number; rejected: string[]; jobsQueued: number };
  downloads: { requests: number; byStatus: Record<string, number> };
  drained: boolean;
  /** Jobs still on the job queue / in the journal when the run ended (0 when drained). */
  leftJobs: { queue: number; journal: number };
  archive: ArchiveCheck;
  deadLetters: DeadLetterCheck;
  pipelineLog: LogCounts;
  crashes: { requested: number; done: number; replayed: number[] };
  multipart: { fromFinalRun: string[]; fromKilledRuns: number };
  leaks: { inOutput: string[]; linesScanned: number; authorizationOffHost: string[] };
  localExitCode: number | null;
  peakRssBytes: number;
  wallSeconds: number;
  phases: { deliverSeconds: number; drainSeconds: number; verifySeconds: number };
  archiveLocation: string;
  problems: string[];
}

/** Everything that makes a run fail; empty means clean. */
export function problemsOf(report: Omit<SoakReport, 'problems'>): string[] {
  const { archive, deadLetters: dlq } = report;
  const problems: string[] = [];
  const add = (count: number, what: string, examples: string[] = []) => {
    if (count > 0)
      problems.push(`${count} ${what}${examples.length ? `, e.g. ${examples.slice(0, 3).join(' | ')}` : ''}`);
  };
  if (!report.drained) problems.push('the queue did not drain before the time limit');
  add(report.leftJobs.queue, 'job(s) still on the job queue');
  add(report.leftJobs.journal, 'job(s) still in the journal');
  add(report.deliveries.rejected.length, 'webhook deliveries rejected', report.deliveries.rejected);
  add(archive.missing.length, 'file(s) missing', archive.missing);
  add(archive.corrupted.length, 'file(s) corrupted', archive.corrupted);
  add(archive.unrecorded.length, 'object(s) without a provenance record (partial writes)', archive.unrecorded);
  add(archive.duplicated.length, 'duplicate or unexpected key(s)', archive.duplicated);
  add(dlq.absent.length, 'missing file(s) not on the dead-letter queue', dlq.absent);
  add(dlq.unexpected.length, 'existing file(s) dead-lettered', dlq.unexpected);
  add(dlq.withoutReason, 'dead-letter message(s) without a permanent failure reason');
  add(
    report.multipart.fromFinalRun.length,
    'incomplete multipart upload(s) left on disk',
    report.multipart.fromFinalRun,
  );
  add(report.leaks.inOutput.length, 'secret(s) in local mode output', report.leaks.inOutput);
  add(report.leaks.authorizationOffHost.length, 'Authorization header(s) sent off the files host');
  if (report.localExitCode !== 0) problems.push(`local mode exited with ${report.localExitCode} on SIGTERM`);
  if (report.crashes.done < report.crashes.requested)
    problems.push(`only ${report.crashes.done} of ${report.crashes.requested} kills happened before the queue drained`);
  return problems;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 2 : 0)} MiB`;
const percent = (n: number) => `${Math.round(n * 1000) / 10} %`;
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

export function renderReport(r: SoakReport): string {
  const a = r.archive;
  const d = r.deadLetters;
  const o = r.options;
  const lines = [
    `dixa-archiver soak — seed ${r.seed}`,
    `  plan        ${r.plan.files} files (${mib(r.plan.bytes)}, largest ${mib(r.plan.largestBytes)}) in ${r.plan.webhooks} webhooks; ` +
      `${r.plan.faultedFiles} files faulted (${percent(o.faultRate)}): ${list(r.plan.faults)}; ` +
      `${r.plan.missing} missing (${percent(o.missingRate)})`,
    `  deliveries  ${r.plan.deliveries} (every webhook twice, ${r.plan.outOfOrder} first deliveries out of order): ` +
      `${r.deliveries.accepted} accepted, ${r.deliveries.retried} retried after a refused connection or 5xx, ` +
      `${r.deliveries.rejected.length} rejected; ${r.deliveries.jobsQueued} jobs queued`,
    `  downloads   ${r.downloads.requests} requests to the files host: ${list(r.downloads.byStatus)}`,
    `  archiver    ${r.pipelineLog.archived} archived, ${r.pipelineLog.skipped} skipped as already archived, ` +
      `retries: ${list(r.pipelineLog.retries)}; ${r.pipelineLog.deadLettered} dead-lettered`,
    `  crashes     ${r.crashes.done} of ${r.crashes.requested} SIGKILLs` +
      (r.crashes.done ? `, jobs replayed from the journal at each restart: ${r.crashes.replayed.join(', ')}` : ''),
    '',
    `  files expected           ${a.expected}`,
    `  archived byte-exact      ${a.exact} (${mib(a.bytes)}; sha256 = generator = provenance record)`,
    `  duplicated               ${a.duplicated.length}`,
    `  missing                  ${a.missing.length}`,
    `  corrupted                ${a.corrupted.length}`,
    `  partial (no record)      ${a.unrecorded.length}`,
    `  dead-lettered            ${d.files} files in ${d.messages} messages (expected ${d.expected} files); ` +
      `reasons: ${list(d.reasons)}`,
    `  left on the queue        ${r.leftJobs.queue} (journal ${r.leftJobs.journal})`,
    `  multipart leftovers      ${r.multipart.fromFinalRun.length}` +
      (r.multipart.fromKilledRuns ? ` (+${r.multipart.fromKilledRuns} started by killed processes)` : ''),
    `  secrets in output        ${r.leaks.inOutput.length} in ${r.leaks.linesScanned} lines; ` +
      `Authorization off the files host: ${r.leaks.authorizationOffHost.length}`,
    `  peak RSS (local mode)    ${mib(r.peakRssBytes)}`,
    `  wall time                ${r.wallSeconds.toFixed(1)} s (all webhooks acknowledged after ` +
      `${r.phases.deliverSeconds.toFixed(1)} s, queue empty after ${(r.phases.deliverSeconds + r.phases.drainSeconds).toFixed(1)} s, ` +
      `checks ${r.phases.verifySeconds.toFixed(1)} s)`,
    `  settings                 ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; archive on ${r.archiveLocation}`,
    '',
    r.problems.length === 0
      ? 'CLEAN: nothing lost, duplicated or corrupted'
      : `FAILED:\n  - ${r.problems.join('\n  - ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
