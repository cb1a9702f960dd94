/**
 * The completeness sweep: reads the Message Export API for a window of UTC days through the backfill engine (one
 * export request per day, the same client, pacing and job extraction as `backfill`) and, for every file link of
 * every day, checks where it stands — archived (its record exists at the deterministic key), erased (the
 * conversation's tombstone), failed for good (a failure marker) — and queues only the rest. The scheduled Lambda
 * and `dixa-archiver sweep` both run this.
 *
 * Before the days, the anonymization follower (anonymization.ts) looks for conversations Dixa anonymized and
 * messages it redacted among the archived ones and applies the `followAnonymization` policy; the day checks then see
 * what it erased (counted `erased`).
 *
 * Two sweeps at once are harmless rather than prevented: both may queue the same missing file, and the archiver
 * stores it once (the key is deterministic, every write is conditional, a job whose record exists is a no-op).
 */
import { UserError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import type { Archive } from '../compliance/archive.ts';
import { coversJob, type Ledger, ledgerCache, readFailures } from '../compliance/ledger.ts';
import type { FailureMarker } from '../core/failure-marker.ts';
import type { FileJob } from '../core/job.ts';
import { linkHash, objectKey, recordKey } from '../core/keys.ts';
import { type FilesOrigin, normalizeLink } from '../core/links.ts';
import { isFileJob, type QueueMessage, type RefusedJob } from '../core/queue-message.ts';
import { exportUnits, runBackfill, type UnitResult, type WorkUnit } from '../dixa/backfill.ts';
import { type DixaClient, DixaError } from '../dixa/dixa-client.ts';
import type { FlowControl } from '../dixa/flow-control.ts';
import type { Clock } from '../dixa/pacer.ts';
import { planWindows } from '../dixa/windows.ts';
import { followAnonymization } from './anonymization.ts';
import {
  type AnonymizationPolicy,
  type CompletenessReport,
  type DayReport,
  dayStatus,
  emptyCounts,
  overallStatus,
  REPORT_VERSION,
  type ReasonCount,
  totalsOf,
} from './report.ts';

export const DEFAULT_SWEEP_DAYS = 3;
const CHECKS_IN_FLIGHT = 8;

export interface SweepDeps {
  dixa: Pick<DixaClient, 'exportMessages' | 'exportConversations' | 'conversation' | 'activityLog'>;
  archive: Archive;
  files: FilesOrigin;
  /** Puts jobs on the job queue; throws when they cannot all be queued; returns the jobs SQS refused for content. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a feeder with nothing to report returns nothing
  send: (jobs: FileJob[], traceId: string) => Promise<{ refused: RefusedJob[] } | void>;
  /**
   * The queue's flow control for one run (lambdas/dixa/flow-control.ts), as backfill's: after days of failing
   * webhooks the sweep is a bulk feeder too. It stops waiting at the run's deadline (the day is then unproven).
   */
  flowControl?: (deadline: number | undefined) => Pick<FlowControl, 'beforeSend' | 'sent'> | undefined;
  /** Whether the record at `key` exists (the archiver's own "already archived?" check). */
  exists: (key: string) => Promise<boolean>;
  clock: Pick<Clock, 'now'>;
  /** Who erases, for the receipts of the anonymization follower (policy `erase`); asked only when it erases. */
  erasedBy: () => Promise<string>;
}

export interface SweepOptions {
  /** First and last UTC day, both included. */
  from: string;
  to: string;
  followAnonymization: AnonymizationPolicy;
  trigger: CompletenessReport['trigger'];
  /** Unix ms after which no further day is started (a Lambda must still write its report). */
  deadline?: number;
  onDay?: (day: DayReport) => void;
}

/** The last `days` UTC days up to today, both included. */
export function sweepWindow(now: number, days: number): { from: string; to: string } {
  const to = new Date(now).toISOString().slice(0, 10);
  const from = new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

interface DayTally {
  counts: ReturnType<typeof emptyCounts>;
  reasons: Map<string, ReasonCount>;
  /** Jobs picked for the queue: counted as queued only once they are on it. */
  toQueue: number;
  /** Picked jobs SQS refused for their content even stripped to the bare job: failed for good. */
  refused: number;
}

/** The code under which jobs the queue refused are reported among the day's failures. */
export const QUEUE_REFUSED = 'queue-refused';

function countReason(tally: DayTally, code: string, example: string): void {
  const entry = tally.reasons.get(code) ?? { code, count: 0, example };
  entry.count++;
  tally.reasons.set(code, entry);
}

export async function runSweep(deps: SweepDeps, options: SweepOptions): Promise<CompletenessReport> {
  const { archive, clock } = deps;
  const startedAt = new Date(clock.now()).toISOString();
  const windows = planWindows(options.from, options.to, 1);
  const anonymization = await followAnonymization(
    { dixa: deps.dixa, archive, erasedBy: deps.erasedBy, clock },
    { from: options.from, to: options.to, policy: options.followAnonymization, deadline: options.deadline },
  );
  const tallies = new Map<string, DayTally>();
  const ledgers = ledgerCache(archive);
  const failures = new Map<string, Promise<Map<string, FailureMarker>>>();
  const ledgerOf = async (csid: string): Promise<{ ledger: Ledger; failures: Map<string, FailureMarker> }> => {
    const ledger = await ledgers(csid);
    let markers = failures.get(csid);
    if (!markers) {
      markers = readFailures(archive, ledger);
      failures.set(csid, markers);
    }
    return { ledger, failures: await markers };
  };

  const units: WorkUnit[] = exportUnits(windows, deps.dixa, deps.files, clock.now()).map((unit) => ({
    ...unit,
    harvest: () => {
      if (options.deadline !== undefined && clock.now() > options.deadline) {
        throw new DixaError('not read: the run ran out of time before this day');
      }
      // The sweep proves files complete; who took part is indexed by ingest and backfill, so only file jobs go out.
      return unit.harvest().then((harvest) => ({ ...harvest, participants: [] }));
    },
  }));

  /** The day whose jobs are being sent: units run one after another, each selected right before its send. */
  let sending: DayTally | undefined;
  const select = async (jobs: FileJob[], unit: WorkUnit): Promise<FileJob[]> => {
    const tally: DayTally = { counts: emptyCounts(), reasons: new Map(), toQueue: 0, refused: 0 };
    tallies.set(unit.id, tally);
    sending = tally;
    tally.counts.linked = jobs.length;
    const verdicts = await mapLimit(jobs, CHECKS_IN_FLIGHT, async (job) => {
      const link = normalizeLink(job.url, deps.files);
      if (!link.ok) throw new Error(`a job link did not normalize: ${link.reason}`);
      if (await deps.exists(recordKey(objectKey(archive.prefix, job.conversationId, link.path)))) return 'archived';
      const state = await ledgerOf(job.conversationId);
      if (coversJob(state.ledger, job)) return 'erased';
      const marker = state.failures.get(linkHash(link.path));
      if (marker) {
        countReason(tally, marker.code, marker.reason);
        return 'deadLettered';
      }
      return 'queue';
    });
    const queue: FileJob[] = [];
    verdicts.forEach((verdict, i) => {
      if (verdict === 'queue') queue.push(jobs[i]!);
      else tally.counts[verdict]++;
    });
    tally.toQueue = queue.length;
    return queue;
  };
  const send = async (messages: QueueMessage[], traceId: string) => {
    const outcome = await deps.send(messages.filter(isFileJob), traceId);
    for (const { reason } of outcome?.refused ?? []) {
      sending!.refused++;
      sending!.counts.deadLettered++;
      countReason(sending!, QUEUE_REFUSED, reason);
    }
    return outcome;
  };

  const days = new Map<string, DayReport>();
  const toDay = (result: UnitResult, window: (typeof windows)[number]): DayReport => {
    const tally = tallies.get(result.id);
    const errors = result.error ? [result.error] : [];
    const counts = tally?.counts ?? emptyCounts();
    const base = {
      day: window.firstDay,
      messages: result.messages,
      ...counts,
      queued: result.status === 'queued' ? (tally?.toQueue ?? 0) - (tally?.refused ?? 0) : 0,
      // The engine reports refused jobs among its rejected links; here they are failures of linked files.
      notArchivable: result.rejected - (tally?.refused ?? 0),
      deadLetteredReasons: [...(tally?.reasons.values() ?? [])].sort((a, b) => b.count - a.count),
      errors,
    };
    return { ...base, status: dayStatus(base) };
  };

  const byId = new Map(windows.map((w) => [w.id, w]));
  let runError: string | undefined;
  try {
    await runBackfill(units, {
      dryRun: false,
      send,
      select,
      flow: deps.flowControl?.(options.deadline),
      onUnit: (result) => {
        const day = toDay(result, byId.get(result.id)!);
        days.set(day.day, day);
        options.onDay?.(day);
      },
    });
  } catch (error: unknown) {
    // A fatal Dixa answer (401) or a queue that cannot be reached: the days not done are not proven.
    runError = error instanceof UserError ? error.message : `the sweep stopped: ${(error as Error).message}`;
  }

  const report: DayReport[] = windows.map((window) => {
    const done = days.get(window.firstDay);
    if (done) return done;
    const base = {
      day: window.firstDay,
      messages: 0,
      ...emptyCounts(),
      deadLetteredReasons: [],
      errors: [runError ?? 'not read'],
    };
    const day: DayReport = { ...base, status: dayStatus(base) };
    options.onDay?.(day);
    return day;
  });

  return {
    reportVersion: REPORT_VERSION,
    from: options.from,
    to: options.to,
    trigger: options.trigger,
    startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    bucket: archive.bucket,
    prefix: archive.prefix,
    followAnonymization: options.followAnonymization,
    status: overallStatus(report),
    totals: totalsOf(report),
    days: report,
    anonymization,
  };
}
