/**
 * `dixa-archiver backfill`: archive the past. Reads history from Dixa's Message Export API (in windows of at most
 * 30 days) or, per conversation, from the message API, and puts the file jobs on the same queue the webhooks
 * feed. Paced to Dixa's limits, resumable from a state file, with a dry run and JSON output.
 */
import { sendJobs } from '../../lambdas/aws/queue.ts';
import { UsageError } from '../../lambdas/commons/errors.ts';
import type { Archive } from '../../lambdas/compliance/archive.ts';
import { type ErasableJob, erasureCheck } from '../../lambdas/compliance/ledger.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import { DEFAULT_FILES_BASE_URL } from '../../lambdas/core/links.ts';
import { conversationUnits, exportUnits, runBackfill, type WorkUnit } from '../../lambdas/dixa/backfill.ts';
import {
  DEFAULT_API_BASE_URL,
  DEFAULT_EXPORTS_BASE_URL,
  DixaClient,
  parseDixaBaseUrl,
} from '../../lambdas/dixa/dixa-client.ts';
import { MAX_WINDOW_DAYS, parseDay, planWindows, today } from '../../lambdas/dixa/windows.ts';
import { Checkpoint, DEFAULT_STATE_FILE } from '../backfill/checkpoint.ts';
import { createProgress, type ProgressReporter } from '../backfill/progress.ts';
import { formatSummary, type RunDescription, toJson } from '../backfill/report.ts';
import type { Command } from '../command.ts';
import { filesOrigin, readToken } from '../shared/dixa-settings.ts';
import { EXIT } from '../shared/exit-codes.ts';
import { type FeederDeps, feederDeps } from '../shared/feeder-deps.ts';
import { parseFlags } from '../shared/flags.ts';
import { checkQueue, QUEUE_FLAGS, QUEUE_FLAGS_HELP, type QueueFlags } from '../shared/queue-target.ts';
import { S3_FLAGS } from '../shared/s3-target.ts';

export type BackfillDeps = FeederDeps;

const FLAGS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'window-days': { type: 'string' },
  conversation: { type: 'string', multiple: true },
  'token-file': { type: 'string' },
  state: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  ...QUEUE_FLAGS,
  ...S3_FLAGS,
} as const;

const HELP = `dixa-archiver backfill — queue the files of past conversations for archiving

Usage:
  dixa-archiver backfill --from <YYYY-MM-DD> [--to <YYYY-MM-DD>] [options]     Message Export API
  dixa-archiver backfill --conversation <csid> [--conversation <csid> ...] [options]   message API

What to read:
  --from, --to <day>      UTC days, both included (--to defaults to today). The range is read in consecutive
                          windows [start, end) of whole days — no gaps, no overlaps — paced to 10 requests a minute
  --window-days <n>       days per export request, 1-${MAX_WINDOW_DAYS} (default ${MAX_WINDOW_DAYS}); smaller for very busy organizations
  --conversation <csid>   one conversation through the message API (attachments, inline images, original
                          e-mails, call recordings); repeat for more; paced to 10 requests a second

${QUEUE_FLAGS_HELP}

Erased conversations (a tombstone written by \`erase\`) are never queued again; to leave them out here and count
them in the summary, name the archive (the archiver skips them in any case):
  --bucket <name>         the archive bucket (default: $ARCHIVE_BUCKET)
  --prefix <prefix>       its key prefix (default: $ARCHIVE_PREFIX or dixa)
  --endpoint <url>        an S3-compatible endpoint, e.g. local mode's http://127.0.0.1:<port> (default: $S3_ENDPOINT)

Run control:
  --state <path>          progress file (default ${DEFAULT_STATE_FILE}): a rerun skips finished windows/conversations
  --dry-run               read from Dixa and count the jobs per window and kind, but send nothing
  --json                  print the result as JSON on stdout
  --token-file <path>     file holding the Dixa API token (default: $DIXA_API_TOKEN)

Exit status: 0 every file link found was queued; 1 a window or conversation failed (run the same command again);
2 a usage mistake; 4 finished, but some links were rejected (listed in the summary): those files are not archived.

Environment: DIXA_API_TOKEN, JOB_QUEUE_URL, SQS_ENDPOINT, DIXA_EXPORTS_BASE_URL (default ${DEFAULT_EXPORTS_BASE_URL}),
DIXA_API_BASE_URL (default ${DEFAULT_API_BASE_URL}), DIXA_FILES_BASE_URL (default ${DEFAULT_FILES_BASE_URL}).

Examples:
  DIXA_API_TOKEN=... npx dixa-archiver backfill --from 2024-01-01 --to 2024-12-31 --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs
  npx dixa-archiver backfill --from 2024-06-01 --dry-run
  npx dixa-archiver backfill --conversation 12345 --conversation 12346 --json
`;

type Plan =
  | { mode: 'export'; from: string; to: string; windowDays: number }
  | { mode: 'conversations'; conversationIds: string[] };

export function createBackfillCommand(overrides: Partial<BackfillDeps> = {}): Command {
  return {
    name: 'backfill',
    summary: 'queue the files of past conversations (Message Export API / message API) for archiving',
    help: HELP,
    async run(argv) {
      return backfill(parseFlags(argv, FLAGS), feederDeps(overrides));
    },
  };
}

export const command: Command = createBackfillCommand();

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

async function backfill(flags: Flags, deps: BackfillDeps): Promise<number> {
  const { env, clock } = deps;
  const plan = planFromFlags(flags, clock.now());
  const dryRun = flags['dry-run'] ?? false;
  const token = await readToken(flags['token-file'], env);
  const exportsBaseUrl = parseDixaBaseUrl(
    env.DIXA_EXPORTS_BASE_URL ?? DEFAULT_EXPORTS_BASE_URL,
    'DIXA_EXPORTS_BASE_URL',
  );
  const apiBaseUrl = parseDixaBaseUrl(env.DIXA_API_BASE_URL ?? DEFAULT_API_BASE_URL, 'DIXA_API_BASE_URL');
  const files = filesOrigin(env.DIXA_FILES_BASE_URL);

  // A dry run needs no queue; when one is named anyway, its checkpoint shows what a real run would skip.
  const queueFlags: QueueFlags = {
    queueUrl: flags['queue-url'],
    endpoint: flags['sqs-endpoint'],
    region: flags.region,
  };
  const queue = dryRun && !(queueFlags.queueUrl ?? env.JOB_QUEUE_URL) ? undefined : deps.queueTarget(queueFlags, env);
  if (queue && !dryRun) await checkQueue(queue);
  const archive =
    flags.bucket || flags.endpoint || env.ARCHIVE_BUCKET || env.S3_ENDPOINT ? deps.s3Target(flags, env) : undefined;
  const isErased = archive ? erasedJobs(archive) : undefined;
  const stateFile = flags.state ?? DEFAULT_STATE_FILE;
  const checkpoint = queue ? await Checkpoint.open(stateFile, runKey(plan, queue.queueUrl)) : undefined;

  let progress: ProgressReporter | undefined;
  const dixa = new DixaClient({
    token,
    exportsBaseUrl,
    apiBaseUrl,
    clock,
    random: deps.random,
    onRetry: (event) => progress?.retrying(event),
  });
  const units: WorkUnit[] =
    plan.mode === 'export'
      ? exportUnits(planWindows(plan.from, plan.to, plan.windowDays), dixa, files, clock.now())
      : conversationUnits(plan.conversationIds, dixa, files);
  const run: RunDescription =
    plan.mode === 'export'
      ? { mode: 'export', unitName: 'windows', from: plan.from, to: plan.to, windowDays: plan.windowDays }
      : { mode: 'conversations', unitName: 'conversations' };
  if (queue) Object.assign(run, { queueUrl: queue.queueUrl, stateFile });

  progress = createProgress({
    stream: deps.stderr,
    unitName: run.unitName,
    total: units.length,
    pending: units.filter((unit) => !checkpoint?.has(unit.id)).length,
    pacer: plan.mode === 'export' ? dixa.exportPacer : dixa.messagesPacer,
    dryRun,
  });
  let summary: Awaited<ReturnType<typeof runBackfill>>;
  try {
    summary = await runBackfill(units, {
      dryRun,
      checkpoint,
      isErased,
      flow: queue && !dryRun ? deps.flowControl(queue, clock, (status) => progress?.queueFull(status)) : undefined,
      send: queue ? (jobs, traceId) => sendJobs(queue.sqs, queue.queueUrl, jobs, { traceId }) : undefined,
      onUnit: (result, soFar) => progress?.unitDone(result, soFar),
    });
  } finally {
    progress.stop();
  }

  deps.stdout.write(
    flags.json ? `${JSON.stringify(toJson(run, summary), null, 2)}\n` : `${formatSummary(run, summary)}\n`,
  );
  return exitStatus(summary);
}

/** 0 complete; 1 a window or conversation failed (rerun); 4 all done, but some links will never be archived. */
export const EXIT_REJECTED_LINKS = EXIT.linksRejected;

function exitStatus(summary: Awaited<ReturnType<typeof runBackfill>>): number {
  if (summary.errors.length > 0) return 1;
  return summary.rejected.length > 0 ? EXIT_REJECTED_LINKS : 0;
}

function planFromFlags(flags: Flags, now: number): Plan {
  const conversations = flags.conversation ?? [];
  if (conversations.length > 0) {
    if (flags.from || flags.to || flags['window-days']) {
      throw new UsageError('use either --from/--to (Message Export API) or --conversation (message API), not both');
    }
    for (const csid of conversations) {
      if (!/^\d{1,20}$/.test(csid))
        throw new UsageError(`--conversation ${JSON.stringify(csid)} is not a csid (a number)`);
    }
    return { mode: 'conversations', conversationIds: [...new Set(conversations)] };
  }
  if (!flags.from) {
    throw new UsageError('say what to backfill: --from <YYYY-MM-DD> [--to <YYYY-MM-DD>], or --conversation <csid>');
  }
  const to = flags.to ?? today(now);
  if (parseDay(flags.from, '--from') > parseDay(today(now), 'today')) {
    throw new UsageError(`--from ${flags.from} is in the future`);
  }
  const windowDays = flags['window-days'] === undefined ? MAX_WINDOW_DAYS : Number(flags['window-days']);
  planWindows(flags.from, to, windowDays); // validates --to, the order and --window-days before anything else happens
  return { mode: 'export', from: flags.from, to, windowDays };
}

/** Checkpoints are per parameters: another range, window size or queue is another run. */
function runKey(plan: Plan, queueUrl: string): string {
  return plan.mode === 'export'
    ? `export ${plan.from}..${plan.to} window=${plan.windowDays}d queue=${queueUrl}`
    : `conversations queue=${queueUrl}`;
}

/** Whether an erasure covers a job, reading each conversation's ledger once per run. */
function erasedJobs(archive: Archive): (job: ErasableJob) => Promise<boolean> {
  const covered = erasureCheck(archive);
  return (job) => explainS3Errors(archive, () => covered(job));
}
