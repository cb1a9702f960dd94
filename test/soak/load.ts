/**
 * Load test of local mode's ingest endpoint (`npx tsx test/soak/load.ts [--duration 20] [--connections 10]`):
 * autocannon on loopback posts signed CONVERSATION_MESSAGE_ADDED webhooks with 3 attachments each (a fresh
 * signature per request) for a bounded time, then checks that no job was lost: every webhook local mode answered
 * 202 put exactly 3 jobs on the job queue and in its journal (the archiver poller is off; see load-target.ts).
 * Exit 1 on a lost job, a non-2xx answer or a connection error.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signatureHeader } from '../../lambdas/core/signature.ts';
import { childEnv, signalGroup, sqsAt, startChild, until } from '../e2e/helpers.ts';
import { LOAD_WEBHOOK_SECRET, SOAK_API_TOKEN } from '../fakes/test-secrets.ts';
import { queueDepth } from './verify.ts';

const ATTACHMENTS = 3;
/** Distinct webhooks the requests cycle through (distinct conversations and links). */
const BODIES = 1000;

interface Histogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    json: { type: 'boolean' },
  },
  strict: true,
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!(duration > 0 && duration <= 120) || !(Number.isInteger(connections) && connections > 0 && connections <= 200)) {
  process.stderr.write('load: --duration must be 1-120 (seconds), --connections 1-200\n');
  process.exit(2);
}

function webhook(i: number): string {
  const csid = 700_000 + i;
  return JSON.stringify({
    event_id: `load-evt-${i}`,
    event_fqn: 'CONVERSATION_MESSAGE_ADDED',
    event_version: '1',
    event_timestamp: '2025-06-02T10:00:00.000Z',
    organization: { id: 'org-load', name: 'Load Org' },
    data: {
      conversation: { csid, channel: 'EMAIL', status: 'OPEN' },
      message_id: `load-msg-${i}`,
      created_at: '2025-06-02T09:59:59.000Z',
      direction: 'INBOUND',
      text: 'files attached',
      content: { text: 'files attached', content_type: 'text/plain', original_content_url: null },
      attachments: Array.from({ length: ATTACHMENTS }, (_, n) => ({
        url: `/private/org-load/${csid}/file-${n}.pdf`,
        prettyName: `File ${n}.pdf`,
      })),
    },
  });
}

const archiveDir = await mkdtemp(join(tmpdir(), 'dixa-load-'));
const target = startChild(
  process.execPath,
  ['--import', 'tsx', 'test/soak/load-target.ts'],
  childEnv({
    ARCHIVE_DIR: archiveDir,
    PORT: '0',
    S3_PORT: '0',
    SQS_PORT: '0',
    // Never contacted: the archiver does not run.
    DIXA_FILES_BASE_URL: 'http://127.0.0.1:9',
    DIXA_API_TOKEN: SOAK_API_TOKEN,
    DIXA_WEBHOOK_SECRET: LOAD_WEBHOOK_SECRET,
    LOG_FORMAT: 'json',
  }),
);
try {
  await until(() => target.records.some((r) => r.message === 'load target ready'), 60_000);
  const ready = target.records.find((r) => r.message === 'load target ready');
  if (!ready) throw new Error(`local mode did not start:\n${target.output.join('\n')}`);
  // Keep only the count of queued webhooks, not thousands of log lines.
  const queuedLogLines = () => target.records.filter((r) => r.message === 'webhook queued').length;

  const bodies = Array.from({ length: BODIES }, (_, i) => webhook(i));
  let next = 0;
  const result = await autocannon({
    url: String(ready.webhookUrl),
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest(request: Record<string, unknown>) {
          const body = bodies[next++ % BODIES]!;
          return {
            ...request,
            body,
            headers: {
              'content-type': 'application/json',
              'x-dixa-signature': signatureHeader(LOAD_WEBHOOK_SECRET, body),
            },
          };
        },
      },
    ],
  });

  // Requests still in flight when autocannon stopped may have been answered after it: count what local mode
  // says it queued (its "webhook queued" log lines), and compare the queue and the journal with that.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const sqs = sqsAt(String(ready.sqsEndpoint));
  const onQueue = await queueDepth(sqs, String(ready.jobQueueUrl));
  sqs.destroy();
  const inJournal = (await readdir(String(ready.journalDir))).filter((f) => f.endsWith('.json')).length;
  const accepted = result.statusCodeStats['202']?.count ?? 0;
  const answered202 = queuedLogLines();
  const expectedJobs = answered202 * ATTACHMENTS;
  const report = {
    durationSeconds: result.duration,
    connections,
    attachmentsPerWebhook: ATTACHMENTS,
    requestsPerSecond: { average: result.requests.average, p50: result.requests.p50 },
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    responses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([s, v]) => [s, v.count])),
    errors: result.errors,
    timeouts: result.timeouts,
    acceptedSeenByClient: accepted,
    acceptedByServer: answered202,
    jobs: {
      expected: expectedJobs,
      onQueue,
      inJournal,
      lost: Math.max(0, expectedJobs - Math.min(onQueue, inJournal)),
    },
  };
  const clean =
    result.non2xx === 0 &&
    result.errors === 0 &&
    accepted > 0 &&
    accepted <= answered202 &&
    onQueue === expectedJobs &&
    inJournal === expectedJobs;
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, clean }, null, 2)}\n`);
  else
    process.stdout.write(
      [
        `dixa-archiver load test — local ingest endpoint, ${connections} connections, ${result.duration} s, ` +
          `${ATTACHMENTS} attachments per signed webhook`,
        `  requests/s        ${result.requests.average.toFixed(0)} on average (median second ${result.requests.p50})`,
        `  latency           p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `  responses         ${Object.entries(report.responses)
          .map(([s, n]) => `${s} × ${n}`)
          .join(', ')}; errors ${result.errors}, timeouts ${result.timeouts}`,
        `  jobs              ${expectedJobs} expected (${answered202} webhooks answered 202 × ${ATTACHMENTS}), ` +
          `${onQueue} on the queue, ${inJournal} in the journal`,
        clean ? 'CLEAN: no job lost' : 'FAILED: jobs lost or requests failed',
        '',
      ].join('\n'),
    );
  process.exitCode = clean ? 0 : 1;
} finally {
  signalGroup(target, 'SIGTERM');
  await Promise.race([target.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  signalGroup(target, 'SIGKILL');
  await rm(archiveDir, { recursive: true, force: true });
}
