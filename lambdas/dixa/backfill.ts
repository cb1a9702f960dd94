/**
 * The backfill loop: for each unit of work (an export window or a conversation) that the checkpoint does not
 * already hold — fetch from Dixa, extract file jobs with the core, send them to the queue, then record the unit
 * as done. A unit is recorded only after every one of its jobs is on the queue, so a crash re-sends at most the
 * unit in flight (harmless: the archiver is idempotent) and never skips one.
 */

import { UserError } from '../commons/errors.ts';
import type { ErasableJob } from '../compliance/ledger.ts';
import { type Extraction, extractFromExport, extractFromMessageApi, type RejectedLink } from '../core/extract.ts';
import { FILE_KINDS, type FileJob, type FileKind } from '../core/job.ts';
import type { FilesOrigin } from '../core/links.ts';
import { type ParticipantsMessage, participantsFromExport, participantsFromMessageApi } from '../core/participants.ts';
import { type QueueMessage, type RefusedJob, refusalReport } from '../core/queue-message.ts';
import { type DixaClient, DixaError } from './dixa-client.ts';
import type { FlowControl } from './flow-control.ts';
import { inWindow, type Window } from './windows.ts';

export interface Harvest extends Extraction {
  /** Messages (export rows or message-API rows) looked at. */
  messages: number;
  /** Who took part, as person keys (participants.ts): sent with the jobs, indexed by the archiver. */
  participants: ParticipantsMessage[];
}

export interface WorkUnit {
  /** Checkpoint id: a window's `first..last` day or a conversation's csid. */
  id: string;
  /** For people: `window 2024-01-01..2024-01-30`, `conversation 1234`. */
  label: string;
  /** False for a window that reaches into the future: queued, but not recorded, so a later run looks again. */
  final: boolean;
  harvest(): Promise<Harvest>;
}

export type UnitStatus = 'queued' | 'would-queue' | 'already-done' | 'failed';

export interface UnitResult {
  id: string;
  label: string;
  status: UnitStatus;
  messages: number;
  jobs: Partial<Record<FileKind, number>>;
  jobCount: number;
  rejected: number;
  /** Jobs left out because their conversation was erased (a tombstone covers them). */
  erased: number;
  error?: string;
}

export interface RejectionCount {
  reason: string;
  count: number;
  example: string;
}

export interface BackfillSummary {
  dryRun: boolean;
  units: UnitResult[];
  messagesSeen: number;
  /** Queued (or, in a dry run, that would be queued) by kind. */
  jobs: Record<FileKind, number>;
  jobCount: number;
  rejected: RejectionCount[];
  /** Left out because an erasure covers them; undefined when the run could not check (no archive given). */
  erased?: { jobs: number; conversations: number };
  errors: string[];
}

/** Where finished units are remembered, so a rerun resumes (the CLI keeps a state file). */
export interface Checkpoint {
  /** Shown to people: where the finished work is kept. */
  readonly path: string;
  has(unitId: string): boolean;
  complete(unitId: string): Promise<void>;
}

export interface RunOptions {
  dryRun: boolean;
  /**
   * Puts jobs (and participants messages) on the queue; throws when they cannot all be queued (the run stops and
   * resumes there). Messages the queue refuses for their content are returned instead: they are reported as
   * rejected, and the run goes on. Not for a dry run.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a feeder with nothing to report returns nothing
  send?: (jobs: QueueMessage[], traceId: string) => Promise<{ refused: RefusedJob[] } | void>;
  checkpoint?: Checkpoint;
  /** Keeps the queue's backlog drainable within its retention (flow-control.ts); waits before a unit is sent. */
  flow?: Pick<FlowControl, 'beforeSend' | 'sent'>;
  /**
   * Whether an erasure covers this job (lambdas/compliance/ledger.ts): such jobs are not queued, only counted.
   * Without it nothing is filtered here; the archiver still skips them.
   */
  isErased?: (job: ErasableJob) => Promise<boolean>;
  /**
   * Which of a unit's jobs to queue (default: all). The daily sweep queues only files that are neither archived,
   * erased nor failed for good. A failure here fails the unit (reported), not the run.
   */
  select?: (jobs: FileJob[], unit: WorkUnit) => Promise<FileJob[]>;
  onUnit?: (result: UnitResult, summary: BackfillSummary) => void;
}

export function exportUnits(
  windows: Window[],
  dixa: Pick<DixaClient, 'exportMessages'>,
  files: FilesOrigin,
  now: number,
): WorkUnit[] {
  return windows.map((window) => ({
    id: window.id,
    label: `window ${window.id}`,
    final: window.endMs <= now,
    async harvest() {
      const rows = await dixa.exportMessages(window);
      const harvest: Harvest = { messages: 0, jobs: [], rejected: [], participants: [] };
      rows.forEach((row, i) => {
        if (!inWindow(window, (row as { created_at?: unknown } | null)?.created_at)) return;
        harvest.messages++;
        const extraction = extractFromExport(row, files, `rows[${i}]`);
        harvest.jobs.push(...extraction.jobs);
        harvest.rejected.push(...extraction.rejected);
        const people = participantsFromExport(row);
        if (people) harvest.participants.push(people);
      });
      return harvest;
    },
  }));
}

export function conversationUnits(
  csids: string[],
  dixa: Pick<DixaClient, 'conversationMessages'>,
  files: FilesOrigin,
): WorkUnit[] {
  return csids.map((csid) => ({
    id: csid,
    label: `conversation ${csid}`,
    final: true,
    async harvest() {
      const rows = await dixa.conversationMessages(csid);
      return {
        messages: rows.length,
        ...extractFromMessageApi(csid, rows, files),
        participants: participantsFromMessageApi(csid, rows),
      };
    },
  }));
}

export async function runBackfill(units: WorkUnit[], options: RunOptions): Promise<BackfillSummary> {
  if (!options.dryRun && !options.send) throw new Error('runBackfill: a real run needs send()');
  const summary: BackfillSummary = {
    dryRun: options.dryRun,
    units: [],
    messagesSeen: 0,
    jobs: Object.fromEntries(FILE_KINDS.map((kind) => [kind, 0])) as Record<FileKind, number>,
    jobCount: 0,
    rejected: [],
    ...(options.isErased ? { erased: { jobs: 0, conversations: 0 } } : {}),
    errors: [],
  };
  const rejections = new Map<string, RejectionCount>();
  const erasedConversations = new Set<string>();
  for (const unit of units) {
    const { result, rejected } = await processUnit(unit, options, erasedConversations);
    summary.units.push(result);
    summary.messagesSeen += result.messages;
    summary.jobCount += result.jobCount;
    for (const [kind, count] of Object.entries(result.jobs)) summary.jobs[kind as FileKind] += count;
    for (const link of rejected) countRejection(rejections, link);
    summary.rejected = [...rejections.values()].sort((a, b) => b.count - a.count);
    if (summary.erased) {
      summary.erased.jobs += result.erased;
      summary.erased.conversations = erasedConversations.size;
    }
    if (result.error) summary.errors.push(result.error);
    options.onUnit?.(result, summary);
  }
  return summary;
}

async function processUnit(
  unit: WorkUnit,
  { dryRun, send, checkpoint, isErased, select, flow }: RunOptions,
  erasedConversations: Set<string>,
): Promise<{ result: UnitResult; rejected: RejectedLink[] }> {
  const result: UnitResult = {
    id: unit.id,
    label: unit.label,
    status: 'already-done',
    messages: 0,
    jobs: {},
    jobCount: 0,
    rejected: 0,
    erased: 0,
  };
  if (checkpoint?.has(unit.id)) return { result, rejected: [] };

  let harvest: Harvest;
  try {
    harvest = await unit.harvest();
  } catch (error: unknown) {
    if (!(error instanceof DixaError)) throw error;
    if (error.fatal) throw new UserError(error.message);
    return { result: { ...result, status: 'failed', error: `${unit.label}: ${error.message}` }, rejected: [] };
  }

  let jobs: FileJob[] = [];
  let erased = 0;
  for (const job of uniqueJobs(harvest.jobs)) {
    if (isErased && (await isErased(job))) {
      erased++;
      erasedConversations.add(job.conversationId);
    } else {
      jobs.push(job);
    }
  }
  if (select) {
    try {
      jobs = await select(jobs, unit);
    } catch (error: unknown) {
      return { result: { ...result, status: 'failed', error: `${unit.label}: ${firstLine(error)}` }, rejected: [] };
    }
  }
  const participants: ParticipantsMessage[] = [];
  for (const message of harvest.participants) {
    if (!(isErased && (await isErased(message)))) participants.push(message);
  }
  const rejected = [...harvest.rejected];
  if (!dryRun) {
    if (jobs.length + participants.length > 0) {
      try {
        // Participants messages wait on the queue and are drained like file jobs: flow control counts both.
        const messages: QueueMessage[] = [...jobs, ...participants];
        await flow?.beforeSend(messages.length);
        const refused = (await send!(messages, `backfill ${unit.id}`))?.refused ?? [];
        flow?.sent(messages.length - refused.length);
        rejected.push(...refused.map(refusalReport));
        const notQueued = new Set(refused.map(({ job }) => job));
        jobs = jobs.filter((job) => !notQueued.has(job));
      } catch (error: unknown) {
        const saved = checkpoint ? `; finished work is saved in ${checkpoint.path}` : '';
        throw new UserError(
          `could not queue the jobs of ${unit.label}: ${firstLine(error)}${saved}; run the same command again to continue`,
        );
      }
    }
    if (unit.final) await checkpoint?.complete(unit.id);
  }
  for (const job of jobs) result.jobs[job.kind] = (result.jobs[job.kind] ?? 0) + 1;
  return {
    result: {
      ...result,
      status: dryRun ? 'would-queue' : 'queued',
      messages: harvest.messages,
      jobCount: jobs.length,
      rejected: rejected.length,
      erased,
    },
    rejected,
  };
}

/** The same file linked twice in one unit (a forwarded e-mail, a re-sent attachment) is one job. */
function uniqueJobs(jobs: FileJob[]): FileJob[] {
  const seen = new Set<string>();
  return jobs.filter((job) => {
    const key = `${job.conversationId} ${job.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function countRejection(counts: Map<string, RejectionCount>, rejected: RejectedLink) {
  const entry = counts.get(rejected.reason);
  if (entry) entry.count++;
  else counts.set(rejected.reason, { reason: rejected.reason, count: 1, example: rejected.link });
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || (error instanceof Error ? error.name : 'unknown error');
}
