/**
 * `startLocal(config)`: the whole pipeline in one process, with the SAME handler modules as Lambda.
 *
 *   POST 127.0.0.1:PORT/webhook ─▶ api-gateway.ts ─▶ lambdas/ingest/handler.ts ─▶ fauxqs job queue (+ journal)
 *   fauxqs job queue ─▶ poller.ts ─▶ lambdas/archiver/handler.ts ─▶ files host (Dixa, or the demo server)
 *                                                                 └▶ s3rver, persisted under ARCHIVE_DIR/s3
 *
 * Only endpoints and credentials differ from the stack: they reach the handlers through process.env, set before
 * the handler modules are first imported (they read their configuration once, on first use). That is also why
 * local mode can start only once per process.
 */
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { UserError } from '../../lambdas/commons/errors.ts';
import { type ApiHandler, startHttpEndpoint } from './api-gateway.ts';
import { type LocalConfig, localSecretPath, resolveWebhookSecret, type SecretOrigin } from './config.ts';
import { startDemoFilesServer } from './demo-files.ts';
import { runtimeEnvironment, startInvokeStore } from './lambda-context.ts';
import { installLogSink, type LocalLog, type LogFormat, withComponent } from './log.ts';
import { type SqsHandler, startPoller } from './poller.ts';
import { EMULATOR_CREDENTIALS, startLocalQueues } from './queues.ts';
import { startLocalStorage } from './storage.ts';

export interface StartOptions {
  /** Overrides config.logFormat; `silent` for tests. */
  logFormat?: LogFormat;
  color?: boolean;
  /** How long Ctrl-C waits for jobs in progress (default 30 s); unfinished jobs stay journaled. */
  drainTimeoutMs?: number;
  /** Archiver invocations at a time (default 4) and messages per invocation (default 1, the stack's batch size). */
  concurrency?: number;
  batchSize?: number;
}

export interface RunningLocal {
  webhookUrl: string;
  healthUrl: string;
  s3Endpoint: string;
  bucket: string;
  prefix: string;
  /** The directory s3rver keeps the bucket in. */
  storageDir: string;
  sqsEndpoint: string;
  jobQueueUrl: string;
  deadLetterQueueUrl: string;
  journalDir: string;
  filesBaseUrl: string;
  demo: boolean;
  /** Where the webhook secret came from; `path` is set when it lives in ARCHIVE_DIR/local-secret. */
  secret: { origin: SecretOrigin; path?: string };
  /** Jobs found in the journal at start (left over from a crash or an interrupted drain) and queued again. */
  replayed: number;
  /** Of those, dead letters (failed jobs kept for `redrive`). */
  replayedDeadLetters: number;
  log: LocalLog;
  /** Stops accepting webhooks, drains jobs in progress (bounded), stops the servers. */
  stop(): Promise<{ drained: boolean }>;
}

let started = false;

export async function startLocal(config: LocalConfig, options: StartOptions = {}): Promise<RunningLocal> {
  if (started) throw new Error('local mode starts once per process (the handlers keep their clients for its lifetime)');
  started = true;
  await startInvokeStore();
  const { drainTimeoutMs = 30_000, concurrency = 4, batchSize = 1 } = options;
  const sink = installLogSink({ format: options.logFormat ?? config.logFormat, color: options.color });
  const { log } = sink;
  const cleanup: (() => Promise<unknown>)[] = [async () => sink.restore()];
  const stopAll = async () => {
    for (const step of cleanup.reverse())
      await step().catch((e: unknown) => log.warn('stop failed', { error: String(e) }));
  };

  try {
    const secret = await resolveWebhookSecret(config);
    const demo = config.demo ? await startDemoFilesServer() : undefined;
    if (demo) cleanup.push(demo.stop);
    const filesBaseUrl = demo?.baseUrl ?? config.filesBaseUrl;

    const storageDir = join(config.archiveDir, 's3');
    const storage = await startLocalStorage(storageDir, config.bucket, config.s3Port).catch(
      portInUse('S3_PORT', config.s3Port),
    );
    cleanup.push(storage.stop);
    const journalDir = join(config.archiveDir, 'journal');
    const queues = await startLocalQueues({
      port: config.sqsPort,
      journalDir,
      region: config.region,
      maxReceiveCount: config.maxReceiveCount,
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      log,
    }).catch(portInUse('SQS_PORT', config.sqsPort));
    cleanup.push(queues.stop);

    setHandlerEnvironment({
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
      S3_ENDPOINT: storage.endpoint,
      SQS_ENDPOINT: queues.endpoint,
      JOB_QUEUE_URL: queues.jobQueueUrl,
      DEAD_LETTER_QUEUE_URL: queues.deadLetterQueueUrl,
      MAX_RECEIVE_COUNT: String(config.maxReceiveCount),
      ARCHIVE_BUCKET: config.bucket,
      ARCHIVE_PREFIX: config.prefix,
      ARCHIVE_OBJECT_LOCK: 'false', // the local S3 has no Object Lock
      DIXA_SECRET_ARN: undefined,
      DIXA_FILES_BASE_URL: filesBaseUrl,
      DIXA_API_TOKEN: demo?.apiToken ?? config.apiToken,
      DIXA_WEBHOOK_SECRET: secret.secret,
      DIXA_API_BASE_URL: config.apiBaseUrl,
      DIXA_EXPORTS_BASE_URL: config.exportsBaseUrl,
      // Powertools writes through the global console (which the log sink renders); no EMF metric blobs locally.
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...runtimeEnvironment(concurrency),
    });
    const { ingest, archiver } = await loadHandlers();

    const poller = startPoller({
      sqs: queues.sqs,
      queueUrl: queues.jobQueueUrl,
      queueArn: queues.jobQueueArn,
      region: config.region,
      handler: archiver,
      concurrency,
      batchSize,
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      log,
    });
    let drained = true;
    cleanup.push(async () => {
      ({ drained } = await poller.stop(drainTimeoutMs));
      if (!drained) log.warn('jobs still running at shutdown stay in the journal and run again at the next start');
    });

    const http = await startHttpEndpoint({ port: config.port, handler: ingest, log }).catch(
      portInUse('PORT', config.port),
    );
    cleanup.push(() => withTimeout(http.stop(), drainTimeoutMs));

    let stopping: Promise<{ drained: boolean }> | undefined;
    return {
      webhookUrl: `${http.url}/webhook`,
      healthUrl: `${http.url}/health`,
      s3Endpoint: storage.endpoint,
      bucket: config.bucket,
      prefix: config.prefix,
      storageDir,
      sqsEndpoint: queues.endpoint,
      jobQueueUrl: queues.jobQueueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      journalDir,
      filesBaseUrl,
      demo: demo !== undefined,
      secret: {
        origin: secret.origin,
        ...(secret.origin !== 'environment' ? { path: localSecretPath(config.archiveDir) } : {}),
      },
      replayed: queues.replayed,
      replayedDeadLetters: queues.replayedDeadLetters,
      log,
      stop() {
        stopping ??= stopAll().then(() => ({ drained }));
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Turns "address in use" into one line naming the variable that chose the port. */
const portInUse =
  (variable: string, port: number) =>
  (error: unknown): never => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(
        `${variable}: port ${port} is in use on 127.0.0.1 (set ${variable} to a free port, or 0 for any)`,
        2,
      );
    }
    throw error;
  };

function setHandlerEnvironment(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** The Lambda handler modules, imported only now that process.env describes the local endpoints. */
async function loadHandlers(): Promise<{ ingest: ApiHandler; archiver: SqsHandler }> {
  const ingestModule = await import('../../lambdas/ingest/handler.ts');
  const archiverModule = await import('../../lambdas/archiver/handler.ts');
  const ingestHandler = ingestModule.handler as unknown as ApiHandler;
  const archiverHandler = archiverModule.handler as unknown as SqsHandler;
  return {
    ingest: (event: APIGatewayProxyEventV2, context: Context) =>
      withComponent('ingest', () => ingestHandler(event, context)),
    archiver: archiverHandler,
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
