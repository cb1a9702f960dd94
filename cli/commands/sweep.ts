/**
 * `dixa-archiver sweep`: the daily completeness sweep (lambdas/sweep/sweep.ts) run by hand — against local mode or a
 * deployed stack's bucket and queue. Writes the completeness report to the bucket and prints it as a table or JSON.
 */
import { sendJobs } from '../../lambdas/aws/queue.ts';
import { objectExists } from '../../lambdas/aws/storage.ts';
import { UsageError } from '../../lambdas/commons/errors.ts';
import { whoIsErasing } from '../../lambdas/compliance/caller-identity.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import {
  DEFAULT_API_BASE_URL,
  DEFAULT_EXPORTS_BASE_URL,
  DixaClient,
  parseDixaBaseUrl,
} from '../../lambdas/dixa/dixa-client.ts';
import { parseDay, today } from '../../lambdas/dixa/windows.ts';
import { MAX_SWEEP_DAYS } from '../../lambdas/sweep/config.ts';
import {
  ANONYMIZATION_POLICIES,
  type AnonymizationFinding,
  type AnonymizationPolicy,
  type CompletenessReport,
  type DayReport,
  runFailed,
  writeReport,
} from '../../lambdas/sweep/report.ts';
import { DEFAULT_SWEEP_DAYS, runSweep, sweepWindow } from '../../lambdas/sweep/sweep.ts';
import { describeQueueFull } from '../backfill/progress.ts';
import type { Command } from '../command.ts';
import { filesOrigin, readToken } from '../shared/dixa-settings.ts';
import { type FeederDeps, feederDeps } from '../shared/feeder-deps.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatTable, inertText, wantsJson } from '../shared/output.ts';
import { checkQueue, QUEUE_FLAGS, QUEUE_FLAGS_HELP } from '../shared/queue-target.ts';
import { S3_FLAGS, S3_FLAGS_HELP } from '../shared/s3-target.ts';

export type SweepCommandDeps = FeederDeps;

const FLAGS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'follow-anonymization': { type: 'string' },
  json: { type: 'boolean' },
  'token-file': { type: 'string' },
  ...S3_FLAGS,
  ...QUEUE_FLAGS,
} as const;

const HELP = `dixa-archiver sweep — check that the archive holds every file Dixa lists, queue what is missing, report

Usage: dixa-archiver sweep [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--json] [options]

What it does:
  Reads Dixa's Message Export API one UTC day at a time (paced like backfill) and checks every file link of
  every day: archived, erased on request, failed for good (in the dead-letter queue; redrive retries those), or
  missing — missing files are queued for the archiver. Writes the completeness report to
  <prefix>/reports/completeness/<today>.json and prints it. The deployed stack runs the same sweep every day.

Options:
  --from, --to <day>           UTC days, both included (default: the last ${DEFAULT_SWEEP_DAYS} days up to today; at most ${MAX_SWEEP_DAYS} days)
  --follow-anonymization <p>   what to do with archived conversations Dixa anonymized and messages it redacted
                               in the window: report (default: list them), erase (erase them as erase does,
                               with a receipt; never a conversation under legal hold), off (do not ask Dixa)
  --json                       print the report as JSON (the default when stdout is not a terminal)
  --token-file <path>          file holding the Dixa API token (default: $DIXA_API_TOKEN)

${S3_FLAGS_HELP}

${QUEUE_FLAGS_HELP}

Exit status: 0 when every day was read and checked (complete or not) and every anonymization followed, 1 when a
day is unproven or the follower could not finish.

Environment: DIXA_API_TOKEN, DIXA_EXPORTS_BASE_URL (default ${DEFAULT_EXPORTS_BASE_URL}), DIXA_API_BASE_URL (default
${DEFAULT_API_BASE_URL}), DIXA_FILES_BASE_URL, ARCHIVE_BUCKET, ARCHIVE_PREFIX, S3_ENDPOINT, JOB_QUEUE_URL, SQS_ENDPOINT.

Examples:
  dixa-archiver sweep --bucket acme-dixa-archive --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs
  dixa-archiver sweep --from 2025-03-01 --to 2025-03-07 --json \\
      --endpoint http://127.0.0.1:4569 --queue-url http://127.0.0.1:4566/000000000000/file-jobs --sqs-endpoint http://127.0.0.1:4566
`;

export function createSweepCommand(overrides: Partial<SweepCommandDeps> = {}): Command {
  return {
    name: 'sweep',
    summary: 'check that every file Dixa lists is archived, queue what is missing, write the completeness report',
    help: HELP,
    async run(argv) {
      return sweep(parseFlags(argv, FLAGS), feederDeps(overrides));
    },
  };
}

export const command: Command = createSweepCommand();

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

async function sweep(flags: Flags, deps: SweepCommandDeps): Promise<number> {
  const { env, clock } = deps;
  const window = windowFromFlags(flags, clock.now());
  const policy = policyFromFlag(flags['follow-anonymization']);
  const token = await readToken(flags['token-file'], env);
  const dixa = new DixaClient({
    token,
    exportsBaseUrl: parseDixaBaseUrl(env.DIXA_EXPORTS_BASE_URL ?? DEFAULT_EXPORTS_BASE_URL, 'DIXA_EXPORTS_BASE_URL'),
    apiBaseUrl: parseDixaBaseUrl(env.DIXA_API_BASE_URL ?? DEFAULT_API_BASE_URL, 'DIXA_API_BASE_URL'),
    clock,
    random: deps.random,
    onRetry: (event) =>
      deps.stderr.write(inertText`  Dixa: ${event.reason}; waiting ${Math.ceil(event.waitMs / 1000)} s\n`),
  });
  const archive = deps.s3Target(
    { endpoint: flags.endpoint, bucket: flags.bucket, prefix: flags.prefix, region: flags.region },
    env,
  );
  const queue = deps.queueTarget(
    { queueUrl: flags['queue-url'], endpoint: flags['sqs-endpoint'], region: flags.region },
    env,
  );
  await checkQueue(queue);

  const report = await runSweep(
    {
      dixa,
      archive,
      files: filesOrigin(env.DIXA_FILES_BASE_URL),
      clock,
      exists: (key) => objectExists(archive.s3, archive.bucket, key),
      send: (jobs, traceId) => sendJobs(queue.sqs, queue.queueUrl, jobs, { traceId: `sweep ${traceId}` }),
      flowControl: () =>
        deps.flowControl(queue, clock, (status) => deps.stderr.write(`  ${describeQueueFull(status)}\n`)),
      erasedBy: () => whoIsErasing(archive.s3, archive.local),
    },
    {
      ...window,
      followAnonymization: policy,
      trigger: 'cli',
      onDay: (day) =>
        deps.stderr.write(inertText`  ${day.day}: ${day.status}${day.errors[0] ? ` (${day.errors[0]})` : ''}\n`),
    },
  );
  const key = await explainS3Errors(archive, () => writeReport(archive, report));
  if (wantsJson(flags.json, deps.stdout))
    deps.stdout.write(`${JSON.stringify({ reportKey: key, ...report }, null, 2)}\n`);
  else deps.stdout.write(`${formatReport(report)}\n`);
  deps.stderr.write(`Report: s3://${archive.bucket}/${key}\n`);
  return runFailed(report) ? 1 : 0;
}

function windowFromFlags(flags: Flags, now: number): { from: string; to: string } {
  const fallback = sweepWindow(now, DEFAULT_SWEEP_DAYS);
  const to = flags.to ?? (flags.from ? today(now) : fallback.to);
  const from = flags.from ?? (flags.to ? to : fallback.from);
  const start = parseDay(from, '--from');
  const end = parseDay(to, '--to');
  if (start > parseDay(today(now), 'today')) throw new UsageError(`--from ${from} is in the future`);
  if (end < start) throw new UsageError(`--to ${to} is before --from ${from}`);
  if ((end - start) / 86_400_000 + 1 > MAX_SWEEP_DAYS) {
    throw new UsageError(`a sweep covers at most ${MAX_SWEEP_DAYS} days; use backfill for longer ranges`);
  }
  return { from, to };
}

function policyFromFlag(value: string | undefined): AnonymizationPolicy {
  if (value === undefined) return 'report';
  if (!(ANONYMIZATION_POLICIES as readonly string[]).includes(value)) {
    throw new UsageError(`--follow-anonymization must be one of ${ANONYMIZATION_POLICIES.join(', ')}`);
  }
  return value as AnonymizationPolicy;
}

const COLUMNS: Column<DayReport>[] = [
  { header: 'DAY', value: (d) => d.day },
  { header: 'STATUS', value: (d) => d.status },
  { header: 'LINKED', value: (d) => String(d.linked), align: 'right' },
  { header: 'ARCHIVED', value: (d) => String(d.archived), align: 'right' },
  { header: 'QUEUED NOW', value: (d) => String(d.queued), align: 'right' },
  { header: 'IN DLQ', value: (d) => String(d.deadLettered), align: 'right' },
  { header: 'ERASED', value: (d) => String(d.erased), align: 'right' },
  { header: 'NOT ARCHIVABLE', value: (d) => String(d.notArchivable), align: 'right' },
];

export function formatReport(report: CompletenessReport): string {
  const lines = [
    `Completeness ${report.from} .. ${report.to}: ${report.status.toUpperCase()}`,
    '',
    formatTable(report.days, COLUMNS),
  ];
  const failed = report.days.flatMap((d) => d.deadLetteredReasons.map((r) => ({ day: d.day, ...r })));
  if (failed.length > 0) {
    lines.push(
      '',
      'Failed for good (dead-lettered ones: `dixa-archiver redrive` retries them; queue-refused: SQS refuses the job):',
    );
    for (const r of failed) lines.push(inertText`  ${r.day}  ${r.count} × ${r.code}: ${r.example}`);
  }
  const errors = report.days.flatMap((d) => d.errors.map((e) => inertText`  ${d.day}  ${e}`));
  if (errors.length > 0) lines.push('', 'Unproven (nothing is claimed for these days):', ...errors);
  lines.push('', ...formatAnonymization(report.anonymization));
  return lines.join('\n');
}

const ACTIONS: Record<AnonymizationFinding['action'], string> = {
  listed: 'still archived (policy report)',
  erased: 'erased',
  held: 'under legal hold: not erased',
  locked: 'Object Lock refuses the deletion: not erased',
  unconfirmed: 'not confirmed by Dixa: nothing done',
  failed: 'FAILED',
};

function formatAnonymization(section: CompletenessReport['anonymization']): string[] {
  if (section.status === 'off') return ['Anonymization: not followed (--follow-anonymization off).'];
  const findings = [...section.conversations, ...section.messages];
  const lines = [
    `Anonymization in Dixa (policy ${section.policy}): ${section.conversations.length} archived conversation(s) ` +
      `anonymized, ${section.messages.length} archived message(s) redacted${section.status === 'unproven' ? ' — UNPROVEN' : ''}`,
  ];
  for (const f of findings) {
    const what = f.messageId
      ? `message ${f.messageId} of conversation ${f.conversationId}`
      : `conversation ${f.conversationId}`;
    const why = f.heldBy ? ` (${f.heldBy.map((m) => `"${m}"`).join(', ')})` : f.detail ? ` (${f.detail})` : '';
    const receipt = f.receiptKey && f.action === 'erased' ? `; receipt ${f.receiptKey}` : '';
    lines.push(inertText`  ${what}, ${f.anonymizedAt}: ${f.files} file(s), ${ACTIONS[f.action]}${why}${receipt}`);
  }
  for (const error of section.errors) lines.push(inertText`  not followed: ${error}`);
  return lines;
}
