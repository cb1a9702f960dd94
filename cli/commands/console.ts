/** `dixa-archiver console`: the compliance console, a web app on this machine (cli/console/). */
import { spawn } from 'node:child_process';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { whoIsActing } from '../../lambdas/compliance/caller-identity.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import type { DeadLetterTarget } from '../console/app.ts';
import { buildAssets } from '../console/assets.ts';
import { Jobs } from '../console/jobs.ts';
import { startConsole } from '../console/server.ts';
import { loopbackOrigin } from '../shared/aws-endpoint.ts';
import { parseFlags } from '../shared/flags.ts';
import { say } from '../shared/output.ts';
import { dixaClient } from '../shared/person.ts';
import { queueTarget } from '../shared/queue-target.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

export const DEFAULT_CONSOLE_PORT = 4600;

const help = `dixa-archiver console — the compliance console: find, view, verify, export and erase in a browser

Usage: dixa-archiver console [--port <n>] [--no-open] [options]

Options:
  --port <n>           the port on 127.0.0.1 (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
  --no-open            print the link but do not open a browser
  --dlq-url <url>      the dead-letter queue, for the Failed files page (default: $DEAD_LETTER_QUEUE_URL)
  --queue-url <url>    the job queue failed files are redriven to (default: $JOB_QUEUE_URL)
  --sqs-endpoint <url> an SQS-compatible endpoint such as local mode's (default: $SQS_ENDPOINT)
  --token-file <path>  file holding the Dixa API token (default: $DIXA_API_TOKEN), so that finding a person also
                       asks Dixa's end-user API; without a token the archive's own people index is searched alone

${S3_FLAGS_HELP}

Starts a web app on http://127.0.0.1:<port> (this machine only) and prints a link with a one-time access token;
the browser that opens it first gets a session, nobody else. It reads and changes the archive with your own AWS
credentials, exactly as the other compliance commands do. Stop it with Ctrl-C.

Examples:
  npx dixa-archiver console --bucket acme-dixa-archive --region eu-west-1
  npx dixa-archiver console --endpoint http://127.0.0.1:4569 --no-open        (local mode)
`;

export const command: Command = {
  name: 'console',
  summary: 'open the compliance console (a web app on this machine)',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      port: { type: 'string' },
      'no-open': { type: 'boolean' },
      'dlq-url': { type: 'string' },
      'queue-url': { type: 'string' },
      'sqs-endpoint': { type: 'string' },
      'token-file': { type: 'string' },
    });
    const port = parsePort(flags.port);
    const archive = s3Target(flags);
    await explainS3Errors(archive, () =>
      archive.s3.send(new ListObjectsV2Command({ Bucket: archive.bucket, Prefix: `${archive.prefix}/`, MaxKeys: 1 })),
    );
    const deadLetters = deadLetterTarget(flags, archive.local);
    const dixa =
      flags['token-file'] !== undefined || process.env.DIXA_API_TOKEN?.trim()
        ? await dixaClient(flags['token-file'], process.env)
        : undefined;
    const running = await startConsole(
      {
        archive,
        deadLetters,
        dixa,
        jobs: new Jobs(),
        assets: await buildAssets(),
        whoAmI: (recordedIn, nothingDone) => whoIsActing(archive.s3, archive.local, recordedIn, nothingDone),
        log: (message) => say`console: ${message}`,
      },
      port,
    ).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new UserError(`port ${port} is in use: choose another with --port`);
      throw error;
    });
    process.stdout.write(
      `\nCompliance console for s3://${archive.bucket}/${archive.prefix} on http://127.0.0.1:${running.port}\n\n` +
        `  Open this link (it works once, in one browser):\n  ${running.url}\n\n` +
        (dixa ? '' : "  Finding a person searches the archive's own people index only (no Dixa API token given).\n\n") +
        '  Stop with Ctrl-C.\n\n',
    );
    if (!flags['no-open']) openBrowser(running.url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.stop().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONSOLE_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535 (got ${JSON.stringify(value)})`);
  return port;
}

function deadLetterTarget(
  flags: { 'dlq-url'?: string; 'queue-url'?: string; 'sqs-endpoint'?: string; region?: string },
  local: boolean,
): DeadLetterTarget | undefined {
  const dlqUrl = flags['dlq-url'] ?? process.env.DEAD_LETTER_QUEUE_URL;
  if (!dlqUrl) return undefined;
  const queueUrl = flags['queue-url'] ?? process.env.JOB_QUEUE_URL;
  const target = queueTarget({
    queueUrl: dlqUrl,
    endpoint: flags['sqs-endpoint'] ?? process.env.SQS_ENDPOINT ?? loopbackOrigin(dlqUrl),
    region: flags.region,
  });
  return { sqs: target.sqs, dlqUrl, queueUrl, local: local || target.local };
}

/** The platform's own opener; where there is none (a server, CI) the printed link is enough. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => say`No browser could be opened: open the link above yourself.`);
    child.unref();
  } catch {
    say`No browser could be opened: open the link above yourself.`;
  }
}
