/**
 * `dixa-archiver local` (= `npm start`): the whole pipeline on this machine, with the same handlers as Lambda.
 * The work is in cli/local/; this file reads the configuration, prints where everything is, and stops cleanly on
 * Ctrl-C / SIGTERM.
 */
import { relative } from 'node:path';
import type { Command } from '../command.ts';
import { configFromEnv, type LocalConfig, loadEnvFile, VARIABLES } from '../local/config.ts';
import { onParentExit } from '../local/parent-watch.ts';
import type { RunningLocal } from '../local/start.ts';
import { parseFlags, withHelpHint } from '../shared/flags.ts';

const DEFAULT_PORT = 3000;
/** The conversation of test/fixtures/sample-webhook.json, which `dixa-archiver sign` posts by default. */
const SAMPLE_CONVERSATION = 1042;
/** A second signal within this window is the same Ctrl-C relayed by npm/tsx, not an impatient user. */
const RELAYED_SIGNAL_MS = 2000;

const help = `dixa-archiver local — run the whole pipeline on this machine (this is what \`npm start\` runs)

Usage: dixa-archiver local [--demo] [--env-file <path>]

Starts, in one process: a local S3 (s3rver, kept on disk under ARCHIVE_DIR/s3), a local SQS job queue with a
dead-letter queue (fauxqs, journaled under ARCHIVE_DIR/journal so no job is lost across a crash), the ingest
handler behind POST http://127.0.0.1:$PORT/webhook and the archiver handler fed by a queue poller — the same
handler code as in Lambda. Ctrl-C finishes the jobs in progress (up to 30 s) and stops; the archive stays.

Options:
  --demo             serve files from a built-in demo files server instead of Dixa (the default when neither
                     DIXA_API_TOKEN nor DIXA_FILES_BASE_URL is set)
  --env-file <path>  read variables from this file (default: ./.env when it exists; the environment wins)

Environment:
${VARIABLES.map(([name, fallback, meaning]) => `  ${name.padEnd(27)} ${meaning}\n  ${''.padEnd(27)} default: ${fallback}`).join('\n')}
  Any other variable the handlers read (SIGNATURE_TOLERANCE_SECONDS, MAX_BODY_BYTES, PART_SIZE_MIB, …) is passed on,
  and checked before local mode starts, as every variable above is.

Examples:
  npm start                                   # demo mode, no Dixa account needed
  npx dixa-archiver sign                      # in another terminal: post the signed sample webhook
  DIXA_API_TOKEN=… DIXA_WEBHOOK_SECRET=… npm start   # archive real Dixa files locally
`;

export const command: Command = {
  name: 'local',
  summary: 'run the whole pipeline on this machine (npm start)',
  help,
  async run(argv) {
    const { demo, 'env-file': envFile } = withHelpHint('local', () =>
      parseFlags(argv, { demo: { type: 'boolean' }, 'env-file': { type: 'string' } }),
    );
    loadEnvFile(process.env, envFile);
    const tty = process.stdout.isTTY === true;
    const config = configFromEnv(process.env, { demo, tty });
    const { startLocal } = await import('../local/start.ts');
    const local = await startLocal(config, { color: tty && !process.env.NO_COLOR });
    announce(local, config);
    await stopOnSignal(local);
    // Exit even if a library still holds a keep-alive socket to a server that is already gone.
    setTimeout(() => process.exit(), 3000).unref();
    return 0;
  },
};

function announce(local: RunningLocal, config: LocalConfig): void {
  const show = (path: string) =>
    relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path) || '.';
  const signCommand = `npx dixa-archiver sign${config.port === DEFAULT_PORT ? '' : ` --url ${local.webhookUrl}`}`;
  const where = `${local.bucket === 'dixa-archive' ? '' : ` --bucket ${local.bucket}`}${local.prefix === 'dixa' ? '' : ` --prefix ${local.prefix}`}`;
  // The demo's sample webhook is conversation 1042; otherwise, everything archived since today.
  const which = local.demo
    ? `--conversation ${SAMPLE_CONVERSATION}`
    : `--archived-from ${new Date().toISOString().slice(0, 10)}`;
  const listCommand = `npx dixa-archiver list --endpoint ${local.s3Endpoint}${where} ${which}`;
  const filesCommand = `find ${show(local.storageDir)} -name '*._S3rver_object'`;
  const consoleCommand =
    `npx dixa-archiver console --endpoint ${local.s3Endpoint}${where} ` +
    `--queue-url ${local.jobQueueUrl} --dlq-url ${local.deadLetterQueueUrl}`;
  const secret = local.secret.path
    ? `${local.secret.origin === 'generated' ? 'generated into' : 'from'} ${show(local.secret.path)}`
    : 'from DIXA_WEBHOOK_SECRET';

  if (config.logFormat === 'json') {
    local.log.info('local mode ready', {
      webhookUrl: local.webhookUrl,
      demo: local.demo,
      filesBaseUrl: local.filesBaseUrl,
      s3Endpoint: local.s3Endpoint,
      bucket: local.bucket,
      prefix: local.prefix,
      storageDir: local.storageDir,
      sqsEndpoint: local.sqsEndpoint,
      jobQueueUrl: local.jobQueueUrl,
      deadLetterQueueUrl: local.deadLetterQueueUrl,
      journalDir: local.journalDir,
      replayed: local.replayed,
      replayedDeadLetters: local.replayedDeadLetters,
      secret,
      signCommand,
      listCommand,
      consoleCommand,
    });
    return;
  }
  process.stdout.write(
    `${bannerLines(local, { signCommand, listCommand, filesCommand, consoleCommand, secret }).join('\n')}\n`,
  );
}

/** The banner on a terminal: where everything is, what to do next, and what the last run left. */
export function bannerLines(
  local: RunningLocal,
  commands: { signCommand: string; listCommand: string; filesCommand: string; consoleCommand: string; secret: string },
): string[] {
  const { signCommand, listCommand, filesCommand, consoleCommand, secret } = commands;
  const show = (path: string) =>
    relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path) || '.';
  const deadLetters = local.replayedDeadLetters;
  const unfinished = local.replayed - deadLetters;
  return [
    '',
    local.demo
      ? 'dixa-archiver local mode is running — DEMO MODE: files come from a built-in demo server, not from Dixa'
      : `dixa-archiver local mode is running — files come from ${local.filesBaseUrl}`,
    '',
    `  Webhook        POST ${local.webhookUrl}   (signing secret ${secret})`,
    `  Files host     ${local.filesBaseUrl}${local.demo ? '   (demo; set DIXA_API_TOKEN to archive from files.dixa.io)' : ''}`,
    `  S3             ${local.s3Endpoint}   bucket ${local.bucket}, prefix ${local.prefix}, on disk in ${show(local.storageDir)}`,
    `  SQS            ${local.sqsEndpoint}`,
    `    job queue    ${local.jobQueueUrl}`,
    `    dead letters ${local.deadLetterQueueUrl}${deadLetters ? `   (${deadLetters} failed job${deadLetters === 1 ? '' : 's'} kept; see why: npx dixa-archiver redrive --queue-url ${local.jobQueueUrl} --dlq-url ${local.deadLetterQueueUrl})` : ''}`,
    `  Journal        ${show(local.journalDir)}${unfinished ? `   (${unfinished} unfinished job${unfinished === 1 ? '' : 's'} from the last run queued again)` : ''}`,
    '',
    `  Send the sample webhook:  ${signCommand}`,
    `  See what was archived:    ${listCommand}`,
    `                            ${filesCommand}`,
    `  Compliance console:       ${consoleCommand}`,
    '  Stop with Ctrl-C: jobs in progress finish first; the archive stays on disk.',
    '',
  ];
}

/**
 * Ctrl-C, SIGTERM, or the end of the process that started us (npm, npx: a signal sent to them alone is not passed
 * on through their `sh -c`) all stop local mode the same way: no new webhooks, jobs in progress finish.
 */
function stopOnSignal(local: RunningLocal): Promise<void> {
  return new Promise((resolve) => {
    let firstAt = 0;
    const stop = (why: string) => {
      firstAt = Date.now();
      local.log.info(`${why}: stopping; jobs in progress finish first (Ctrl-C again after 2 s to quit at once)`);
      void local.stop().then(({ drained }) => {
        local.log.info(drained ? 'stopped' : 'stopped; unfinished jobs will run at the next start');
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        stopWatching();
        resolve();
      });
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === 0) return stop(signal);
      if (Date.now() - firstAt < RELAYED_SIGNAL_MS) return;
      local.log.warn('quitting without waiting; unfinished jobs stay in the journal and run at the next start');
      process.exit(130);
    };
    const stopWatching = onParentExit(() => {
      if (firstAt === 0) stop('the process that started local mode has ended');
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
