/** `dixa-archiver redrive`: move dead-lettered file jobs back to the job queue, after showing why they failed. */

import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import {
  type DeadLetterSummary,
  erasedJobCheck,
  explainSqsErrors,
  type ReasonCount,
  redrive,
  summarizeDeadLetters,
} from '../../lambdas/compliance/redrive.ts';
import type { Command } from '../command.ts';
import { loopbackOrigin } from '../shared/aws-endpoint.ts';
import { confirm } from '../shared/confirm.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatTable, printResult, say, wantsJson } from '../shared/output.ts';
import { checkQueue, QUEUE_FLAGS, QUEUE_FLAGS_HELP, queueTarget } from '../shared/queue-target.ts';
import { S3_FLAGS, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver redrive — move failed file jobs from the dead-letter queue back to the job queue

Usage: dixa-archiver redrive [--queue-url <url>] [--dlq-url <url>] [--yes] [--local] [options]

Options:
  --dlq-url <url>      the dead-letter queue (default: $DEAD_LETTER_QUEUE_URL; the stack output DeadLetterQueueUrl)
  --yes                do not ask for confirmation (required when not at a terminal)
  --local              move the jobs one by one (receive, send, delete) instead of an SQS move task; the
                       default for local mode, whose SQS emulator has no move tasks
  --json               print the summary and result as JSON even at a terminal

${QUEUE_FLAGS_HELP}

Jobs of erased conversations (a tombstone written by \`erase\`) are dropped from the dead-letter queue instead of
moved, and counted; name the archive so this command can tell (the archiver skips them in any case):
  --bucket <name>      the archive bucket (default: $ARCHIVE_BUCKET)
  --prefix <prefix>    its key prefix (default: $ARCHIVE_PREFIX or dixa)
  --endpoint <url>     an S3-compatible endpoint, e.g. local mode's http://127.0.0.1:<port> (default: $S3_ENDPOINT)

First shows how many jobs failed and why (the failureReason the archiver recorded), without taking them off
the dead-letter queue; then, once confirmed, moves them back so the archiver tries again. Fix the cause first
(e.g. an expired API token) or they will fail again.

Examples:
  npx dixa-archiver redrive --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs \\
      --dlq-url https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs-dlq
  npx dixa-archiver redrive --queue-url http://sqs.us-east-1.localhost:4566/000000000000/dixa-archiver-jobs \\
      --dlq-url http://sqs.us-east-1.localhost:4566/000000000000/dixa-archiver-jobs-dlq --yes
                       (local mode, default ports: the queue URLs it prints)
`;

const COLUMNS: Column<ReasonCount>[] = [
  { header: 'JOBS', value: (r) => String(r.count), align: 'right' },
  { header: 'FAILURE REASON', value: (r) => r.reason },
];

export const command: Command = {
  name: 'redrive',
  summary: 'move failed jobs from the dead-letter queue back to the job queue',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...QUEUE_FLAGS,
      ...S3_FLAGS,
      'dlq-url': { type: 'string' },
      yes: { type: 'boolean' },
      local: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const queueUrl = flags['queue-url'] ?? process.env.JOB_QUEUE_URL;
    const dlqUrl = flags['dlq-url'] ?? process.env.DEAD_LETTER_QUEUE_URL;
    if (!dlqUrl) throw new UsageError('--dlq-url is required (or set DEAD_LETTER_QUEUE_URL)');
    if (dlqUrl === queueUrl) throw new UsageError('--dlq-url and --queue-url name the same queue');
    const target = queueTarget({
      queueUrl,
      endpoint: flags['sqs-endpoint'] ?? process.env.SQS_ENDPOINT ?? loopbackOrigin(queueUrl),
      region: flags.region,
    });
    const local = flags.local === true || target.local;
    const json = wantsJson(flags.json);
    await checkQueue(target, dlqUrl, 'dead-letter queue');
    await checkQueue(target);
    const named = flags.bucket || flags.endpoint || process.env.ARCHIVE_BUCKET || process.env.S3_ENDPOINT;
    const isErased = named ? erasedJobCheck(s3Target(flags)) : undefined;

    const summary = await explainSqsErrors(() =>
      summarizeDeadLetters(target.sqs, dlqUrl, { waitSeconds: local ? 0 : 1, isErased }),
    );
    const count = Math.max(summary.scanned, summary.approximateTotal);
    if (count === 0) {
      say`The dead-letter queue is empty: nothing to redrive.`;
      if (json) process.stdout.write(`${JSON.stringify({ ...summary, moved: 0 }, null, 2)}\n`);
      return 0;
    }
    showSummary(summary, json);
    const confirmed = await confirm({
      yes: flags.yes,
      action: 'redrive the dead-letter queue',
      question: `Move ${count} job(s) back to ${target.queueUrl}? [y/N] `,
      accept: (answer) => /^y(es)?$/i.test(answer),
    });
    if (!confirmed) {
      say`Cancelled; nothing was moved.`;
      return 1;
    }

    const result = await explainSqsErrors(() =>
      redrive(target.sqs, dlqUrl, target.queueUrl, {
        local,
        limit: count,
        onProgress: (moved, total) => say`  moved ${moved} of about ${total}…`,
        onFallback: () => say`This SQS endpoint has no message move tasks; moving the jobs one by one.`,
        isErased,
      }),
    );
    if (json) process.stdout.write(`${JSON.stringify({ ...summary, ...result }, null, 2)}\n`);
    if (isErased) say`Dropped ${result.droppedErased} job(s) of erased conversations (not moved).`;
    say`Moved ${result.moved} job(s) back to ${target.queueUrl}${result.method === 'move-task' ? ' (SQS move task)' : ''}.`;
    if (result.leftInDeadLetterQueue > 0) {
      say`${result.leftInDeadLetterQueue} of them could not be removed from the dead-letter queue (harmless duplicates).`;
    }
    if (result.failed > 0) {
      throw new UserError(
        `${result.failed} job(s) could not be sent to the job queue; they stay in the dead-letter queue`,
      );
    }
    return 0;
  },
};

function showSummary(summary: DeadLetterSummary, json: boolean): void {
  const partial = summary.scanned < summary.approximateTotal;
  const total = partial ? `About ${summary.approximateTotal}` : summary.scanned;
  say`${total} job(s) in the dead-letter queue${partial ? ` (reasons from the first ${summary.scanned})` : ''}:`;
  // The table is for the person: on stdout at a terminal, on stderr (aligned all the same) when stdout is JSON.
  // formatTable renders its cells inert already.
  if (!json) printResult(summary.reasons, COLUMNS, false);
  else
    process.stderr.write(`${formatTable(summary.reasons, COLUMNS)}
`);
  if (summary.erased === undefined) {
    say`Erased conversations were not checked (no --bucket); the archiver skips their jobs anyway.`;
  } else if (summary.erased > 0) {
    say`${summary.erased} of them belong to erased conversations: they will be dropped, not moved.`;
  }
}
