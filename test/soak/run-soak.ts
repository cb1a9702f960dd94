/**
 * One soak run: the fake files.dixa.io (in this process, with the plan's faults) and local mode (a child process,
 * killed and restarted at random points when asked), every webhook delivered twice, then wait until the job queue
 * is empty and check everything that was left behind (verify.ts). Used by `npm run soak` and by the reduced CI run.
 */
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEAD_LETTER_QUEUE_NAME, JOB_QUEUE_NAME } from '../../cli/local/queues.ts';
import { objectKey } from '../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { childEnv, freePort, postWebhook, s3At, sqsAt } from '../e2e/helpers.ts';
import { type FilesServer, startFilesServer } from '../fakes/files-server.ts';
import { KNOWN_TEST_SECRETS, SOAK_API_TOKEN, SOAK_WEBHOOK_SECRET } from '../fakes/test-secrets.ts';
import { createSecretScanner } from '../leak-check/scanner.ts';
import { LocalProcess } from './local-process.ts';
import {
  faultLabel,
  type PlannedFile,
  type PlannedWebhook,
  planSoak,
  type SoakOptions,
  type SoakPlan,
} from './plan.ts';
import { seededRandom } from './random.ts';
import { problemsOf, type SoakReport } from './report.ts';
import {
  checkArchive,
  checkDeadLetters,
  type ExpectedFile,
  journalByQueue,
  multipartLeftovers,
  queueDepth,
} from './verify.ts';

const BUCKET = 'dixa-archive';
const PREFIX = 'dixa';
const GIB = 1024 ** 3;

export interface RunOptions extends SoakOptions {
  /** Local mode's VISIBILITY_TIMEOUT_SECONDS: the wait before a failed job is retried. */
  visibilityTimeoutSeconds: number;
  /** FETCH_IDLE_TIMEOUT_MS: how long a stalled download is waited for. */
  idleTimeoutMs: number;
  /** Give up waiting for the queue to drain after this long. */
  drainTimeoutMs: number;
  /** Webhook deliveries in flight at once. */
  deliveryConcurrency?: number;
  /** Progress lines (stderr for the CLI). */
  progress?: (line: string) => void;
  /** Keep ARCHIVE_DIR afterwards (for a post-mortem). */
  keep?: boolean;
}

export async function runSoak(options: RunOptions): Promise<SoakReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => {});
  const plan = planSoak(options);
  const files = await startFilesServer({ token: SOAK_API_TOKEN });
  const origin = parseFilesBaseUrl(files.baseUrl);
  const expected = plan.files.map((file): ExpectedFile => {
    // Half the links absolute, half as Dixa's bare /private/… paths; names carry spaces and accents.
    const link = normalizeLink(linkOf(file, files.baseUrl), origin);
    if (!link.ok) throw new Error(`planned link ${file.path} does not normalize: ${link.reason}`);
    return { file, path: link.path, url: link.url, key: objectKey(PREFIX, String(file.csid), link.path) };
  });
  for (const e of expected) {
    if (!e.file.missing)
      files.addFile(e.path, { size: e.file.size, contentType: e.file.contentType, faults: [...e.file.faults] });
  }

  const archiveRoot = await roomFor(plan.totalBytes);
  const archiveDir = await mkdtemp(join(archiveRoot, 'dixa-soak-'));
  const settings = {
    VISIBILITY_TIMEOUT_SECONDS: String(options.visibilityTimeoutSeconds),
    FETCH_IDLE_TIMEOUT_MS: String(options.idleTimeoutMs),
    MAX_RECEIVE_COUNT: '5',
  };
  const env = childEnv({
    ...settings,
    ARCHIVE_DIR: archiveDir,
    PORT: String(await freePort()),
    S3_PORT: String(await freePort()),
    SQS_PORT: String(await freePort()),
    DIXA_FILES_BASE_URL: files.baseUrl,
    DIXA_API_TOKEN: SOAK_API_TOKEN,
    DIXA_WEBHOOK_SECRET: SOAK_WEBHOOK_SECRET,
    LOG_FORMAT: 'json',
  });
  const local = new LocalProcess(env, createSecretScanner(KNOWN_TEST_SECRETS));
  progress(
    `soak seed ${options.seed}: ${plan.files.length} files (${(plan.totalBytes / GIB).toFixed(2)} GiB) in ` +
      `${plan.webhooks.length} webhooks, archive in ${archiveDir}`,
  );

  try {
    const firstStartAt = Date.now();
    const { journalDir } = await local.start();
    const present = plan.files.filter((f) => !f.missing).length;
    const killer = startKiller(local, files, present, options, firstStartAt, progress);

    const delivering = deliverAll(local, plan, files.baseUrl, options.deliveryConcurrency);
    const ticker = setInterval(async () => {
      const journal = await journalByQueue(journalDir);
      progress(
        `  ${((Date.now() - started) / 1000).toFixed(0)} s: ${local.log.archived} archived, ` +
          `${journal[JOB_QUEUE_NAME] ?? 0} jobs pending, ${journal[DEAD_LETTER_QUEUE_NAME] ?? 0} dead-lettered`,
      );
    }, 10_000);
    const deliveries = await delivering;
    const delivered = Date.now();

    let drained = false;
    const drainDeadline = Date.now() + options.drainTimeoutMs;
    while (Date.now() < drainDeadline) {
      if (!killer.busy && local.running && ((await journalByQueue(journalDir))[JOB_QUEUE_NAME] ?? 0) === 0) {
        drained = true;
        break;
      }
      await sleep(500);
    }
    clearInterval(ticker);
    await killer.stop();
    const drainedAt = Date.now();

    // Local mode still runs: read what it holds through S3 and SQS, as a user would.
    const ready = local.ready!;
    const s3 = s3At(ready.s3Endpoint);
    const sqs = sqsAt(ready.sqsEndpoint);
    const queueLeft = await queueDepth(sqs, ready.jobQueueUrl);
    const archive = await checkArchive(s3, BUCKET, PREFIX, expected);
    const deadLetters = await checkDeadLetters(sqs, ready.deadLetterQueueUrl, expected);
    s3.destroy();
    sqs.destroy();
    const finalRunStarted = killer.lastStartAt;
    const localExitCode = await local.stop();
    const verified = Date.now();

    // After a clean stop, on disk: the journal and s3rver's multipart uploads.
    const journalLeft = (await journalByQueue(journalDir))[JOB_QUEUE_NAME] ?? 0;
    const uploads = await multipartLeftovers(ready.storageDir, BUCKET);
    const fromFinalRun = uploads.filter((u) => u.startedAt >= finalRunStarted);

    const byStatus: Record<string, number> = {};
    let requests = 0;
    for (const entry of files.log) {
      if (entry.server === 'files') requests++;
      const label = entry.server === 'files' ? String(entry.status) : `redirected ${entry.status}`;
      byStatus[label] = (byStatus[label] ?? 0) + 1;
    }
    const faults: Record<string, number> = {};
    for (const f of plan.files)
      for (const fault of f.faults) faults[faultLabel(fault)] = (faults[faultLabel(fault)] ?? 0) + 1;

    const report: Omit<SoakReport, 'problems'> = {
      seed: options.seed,
      options: {
        files: options.files,
        webhooks: options.webhooks,
        big: options.big,
        faultRate: options.faultRate,
        missingRate: options.missingRate,
        kills: options.kills,
      },
      settings,
      plan: {
        files: plan.files.length,
        bytes: plan.totalBytes,
        largestBytes: Math.max(...plan.files.map((f) => f.size)),
        missing: plan.files.filter((f) => f.missing).length,
        faultedFiles: plan.files.filter((f) => f.faults.length > 0).length,
        faults,
        webhooks: plan.webhooks.length,
        deliveries: plan.deliveries.length,
        outOfOrder: plan.outOfOrder,
      },
      deliveries,
      downloads: { requests, byStatus },
      drained,
      leftJobs: { queue: queueLeft, journal: journalLeft },
      archive,
      deadLetters,
      pipelineLog: local.log,
      crashes: { requested: options.kills, done: killer.kills, replayed: killer.replayed },
      multipart: {
        fromFinalRun: fromFinalRun.map((u) => `${u.key} (upload ${u.uploadId.slice(0, 8)})`),
        fromKilledRuns: uploads.length - fromFinalRun.length,
      },
      leaks: {
        inOutput: local.leaks.map((f) => `${f.rule}: ${f.excerpt}`),
        linesScanned: local.linesScanned,
        authorizationOffHost: [...files.leaks],
      },
      localExitCode,
      peakRssBytes: local.peakRssBytes,
      wallSeconds: (Date.now() - started) / 1000,
      phases: {
        deliverSeconds: (delivered - started) / 1000,
        drainSeconds: (drainedAt - delivered) / 1000,
        verifySeconds: (verified - drainedAt) / 1000,
      },
      archiveLocation: archiveRoot === '/dev/shm' ? '/dev/shm (tmpfs)' : archiveRoot,
    };
    return { ...report, problems: problemsOf(report) };
  } finally {
    if (local.running) await local.kill();
    await files.close();
    if (options.keep) progress(`archive kept in ${archiveDir}`);
    else await rm(archiveDir, { recursive: true, force: true });
  }
}

/** /dev/shm when it has room for the archive twice over (s3rver assembles multipart objects from part files). */
async function roomFor(bytes: number): Promise<string> {
  try {
    const fs = await statfs('/dev/shm');
    if (fs.bavail * fs.bsize > 2 * bytes + GIB) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return tmpdir();
}

/** Posts every delivery (re-signed each time, as Dixa does); a refused connection or a 5xx is retried. */
async function deliverAll(
  local: LocalProcess,
  plan: SoakPlan,
  baseUrl: string,
  concurrency = 4,
): Promise<SoakReport['deliveries']> {
  const result = { accepted: 0, retried: 0, rejected: [] as string[], jobsQueued: 0 };
  const bodies = new Map<number, string>();
  let next = 0;
  const worker = async () => {
    while (next < plan.deliveries.length) {
      const webhook = plan.webhooks[plan.deliveries[next++]!.webhook]!;
      const body = bodies.get(webhook.index) ?? webhookBody(webhook, plan.files, baseUrl);
      bodies.set(webhook.index, body);
      for (;;) {
        const url = local.ready?.webhookUrl;
        const answer = url
          ? await postWebhook(url, body, { secret: SOAK_WEBHOOK_SECRET }).catch(() => undefined)
          : undefined;
        if (answer && answer.status < 500) {
          if (answer.status === 202) {
            result.accepted++;
            result.jobsQueued += Number((JSON.parse(answer.body) as { jobs?: number }).jobs ?? 0);
          } else result.rejected.push(`${webhook.eventId}: ${answer.status} ${answer.body.slice(0, 120)}`);
          break;
        }
        result.retried++;
        await sleep(250);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** CONVERSATION_MESSAGE_ADDED as Dixa sends it; even files by absolute URL, odd ones by bare /private/… path. */
function webhookBody(webhook: PlannedWebhook, files: PlannedFile[], baseUrl: string): string {
  return JSON.stringify({
    event_id: webhook.eventId,
    event_fqn: 'CONVERSATION_MESSAGE_ADDED',
    event_version: '1',
    event_timestamp: '2025-06-02T10:00:00.000Z',
    organization: { id: 'org-soak', name: 'Soak Org' },
    data: {
      conversation: { csid: webhook.csid, channel: 'EMAIL', status: 'OPEN' },
      message_id: webhook.messageId,
      created_at: '2025-06-02T09:59:59.000Z',
      direction: 'INBOUND',
      text: 'files attached',
      content: { text: 'files attached', content_type: 'text/plain', original_content_url: null },
      attachments: webhook.files.map((id) => {
        const file = files[id]!;
        return { url: linkOf(file, baseUrl), prettyName: file.name };
      }),
    },
  });
}

const linkOf = (file: PlannedFile, baseUrl: string) => (file.id % 2 === 0 ? `${baseUrl}${file.path}` : file.path);

interface Killer {
  /** A kill or restart is under way. */
  readonly busy: boolean;
  readonly kills: number;
  /** Jobs replayed from the journal at each restart. */
  readonly replayed: number[];
  /** When the current local process was started (epoch ms). */
  readonly lastStartAt: number;
  stop(): Promise<void>;
}

/**
 * SIGKILLs local mode `options.kills` times, each when the files host has been asked for a random share
 * (5-85 %) of the files, plus a random 0-500 ms; restarts it at once on the same ARCHIVE_DIR and ports.
 */
function startKiller(
  local: LocalProcess,
  files: FilesServer,
  presentFiles: number,
  options: RunOptions,
  startedAt: number,
  progress: (line: string) => void,
): Killer {
  const random = seededRandom(options.seed ^ 0x5eed);
  const thresholds = Array.from({ length: options.kills }, () => 0.05 + random.next() * 0.8)
    .sort((a, b) => a - b)
    .map((share) => Math.max(1, Math.round(share * presentFiles)));
  const state = { busy: false, kills: 0, replayed: [] as number[], lastStartAt: startedAt, stopped: false };
  const requested = new Set<string>();
  let seen = 0;
  const loop = (async () => {
    while (!state.stopped && state.kills < thresholds.length) {
      for (; seen < files.log.length; seen++) {
        const entry = files.log[seen]!;
        if (entry.server === 'files') requested.add(entry.path);
      }
      if (requested.size >= thresholds[state.kills]! && local.running && Date.now() - state.lastStartAt > 1000) {
        state.busy = true;
        await sleep(random.int(0, 500));
        await local.kill();
        state.kills++;
        progress(
          `  SIGKILL #${state.kills} after ${requested.size} of ${presentFiles} files were requested; restarting`,
        );
        state.lastStartAt = Date.now();
        state.replayed.push((await local.start()).replayed);
        state.busy = false;
      }
      await sleep(100);
    }
  })();
  return {
    get busy() {
      return state.busy;
    },
    get kills() {
      return state.kills;
    },
    replayed: state.replayed,
    get lastStartAt() {
      return state.lastStartAt;
    },
    async stop() {
      state.stopped = true;
      await loop;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
