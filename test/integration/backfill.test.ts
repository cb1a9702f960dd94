/**
 * `dixa-archiver backfill` end to end on this machine: the real command (flags, Dixa client, checkpoint, queue
 * adapter) against the fake Dixa APIs and a fauxqs SQS queue, on fake time so a year of pacing takes milliseconds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { toJson } from '../../cli/backfill/report.ts';
import { type BackfillDeps, createBackfillCommand, EXIT_REJECTED_LINKS } from '../../cli/commands/backfill.ts';
import { queueTarget } from '../../cli/shared/queue-target.ts';
import { UserError } from '../../lambdas/commons/errors.ts';
import { parseRetryAfter } from '../../lambdas/dixa/dixa-client.ts';
import { planWindows } from '../../lambdas/dixa/windows.ts';
import {
  createFakeClock,
  DAY_MS,
  type ExpectedFile,
  type FakeClock,
  type FakeDixaApi,
  type FakeDixaOptions,
  startFakeDixaApi,
} from '../fakes/dixa-api.ts';
import { drainingFlowControl } from './flow-control-fixture.ts';

const TOKEN = 'integration-token';
const FILES = 'https://files.dixa.io';

let sqs: FauxqsServer;
let dir: string;
let api: FakeDixaApi | undefined;
let queueCount = 0;

beforeAll(async () => {
  sqs = await startFauxqs({ port: 0, logger: false });
});
afterAll(async () => {
  await sqs.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backfill-it-'));
});
afterEach(async () => {
  await api?.close();
  api = undefined;
  await rm(dir, { recursive: true, force: true });
});

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

interface Setup {
  api: FakeDixaApi;
  clock: FakeClock;
  queueName: string;
  queueUrl: string;
  state: string;
  env: NodeJS.ProcessEnv;
}

async function setup(
  options: Partial<FakeDixaOptions> = {},
  queueAttributes: Record<string, string> = {},
): Promise<Setup> {
  const clock = createFakeClock(Date.UTC(2025, 0, 15, 12));
  api = await startFakeDixaApi({ token: TOKEN, clock, filesBaseUrl: FILES, ...options });
  const queueName = `jobs-${++queueCount}`;
  const { queueUrl } = sqs.createQueue(queueName, { attributes: queueAttributes });
  return {
    api,
    clock,
    queueName,
    queueUrl,
    state: join(dir, 'state.json'),
    env: {
      DIXA_API_TOKEN: TOKEN,
      DIXA_EXPORTS_BASE_URL: api.url,
      DIXA_API_BASE_URL: api.url,
      DIXA_FILES_BASE_URL: FILES,
      SQS_ENDPOINT: sqs.address,
      AWS_REGION: 'us-east-1',
    },
  };
}

interface Outcome {
  code?: number;
  error?: Error;
  stdout: string;
  stderr: string;
  json?: ReturnType<typeof toJson>;
}

async function backfill(
  s: Setup,
  args: string[],
  extra: { env?: NodeJS.ProcessEnv; queue?: typeof queueTarget; flowControl?: BackfillDeps['flowControl'] } = {},
): Promise<Outcome> {
  const stdout = new Capture();
  const stderr = new Capture();
  const command = createBackfillCommand({
    env: { ...s.env, ...extra.env },
    stdout,
    stderr,
    clock: s.clock,
    random: () => 0.5,
    queueTarget: extra.queue ?? queueTarget,
    // No archiver drains these queues: flow control would wait for ever (its own test below gives it one).
    flowControl: extra.flowControl ?? (() => undefined),
  });
  const outcome: Outcome = { stdout: '', stderr: '' };
  try {
    outcome.code = await command.run(args);
  } catch (error: unknown) {
    outcome.error = error as Error;
  }
  outcome.stdout = stdout.text;
  outcome.stderr = stderr.text;
  if (args.includes('--json') && outcome.code !== undefined) outcome.json = JSON.parse(stdout.text);
  return outcome;
}

const key = (f: ExpectedFile) => `${f.conversationId} ${f.kind} ${f.url}`;

/** Takes up to `count` messages off the queue as the archiver would: how many it took, and how many were file jobs. */
async function drain(client: SQSClient, queueUrl: string, count: number): Promise<{ messages: number; files: number }> {
  let messages = 0;
  let files = 0;
  while (messages < count) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(10, count - messages) }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      if (JSON.parse(m.Body!).type !== 'participants') files++;
    }
    messages += Messages.length;
  }
  return { messages, files };
}

function queued(s: Setup): { key: string; traceId: string }[] {
  const state = sqs.inspectQueue(s.queueName)!;
  return state.messages.ready
    .filter((m) => JSON.parse(m.body).type !== 'participants')
    .map((m) => {
      const job = JSON.parse(m.body);
      return { key: key(job), traceId: m.messageAttributes.traceId!.StringValue! };
    });
}

const sorted = (values: string[]) => [...values].sort();
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** A queue whose SendMessageBatch fails for the batches `fail(traceId, nth batch of that trace)` picks. */
function crashingQueue(fail: (traceId: string, nth: number) => boolean): typeof queueTarget {
  return (flags, env) => {
    const target = queueTarget(flags, env);
    const batches = new Map<string, number>();
    target.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageBatchCommand') {
          const input = args.input as SendMessageBatchCommandInput;
          const trace = input.Entries?.[0]?.MessageAttributes?.traceId?.StringValue ?? '';
          const nth = (batches.get(trace) ?? 0) + 1;
          batches.set(trace, nth);
          if (fail(trace, nth))
            throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9324'), { code: 'ECONNREFUSED' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'crashAfter' },
    );
    return target;
  };
}

/** A run that found links it had to reject says so in its exit status. */
const complete = (badLinks: number) => (badLinks > 0 ? EXIT_REJECTED_LINKS : 0);

describe('backfill over the Message Export API', () => {
  it('queues every file of a year exactly once, paced and retried within the limit, and reports it', async () => {
    const s = await setup();
    s.api.queueFaults('export', { status: 500 }, { reset: 'mid-body' }, { status: 503 });
    s.api.alwaysFail('export', (url) => url.searchParams.get('created_after') === String(dayMs('2024-07-29') - 1), {
      status: 502,
    });
    const out = await backfill(s, [
      '--from',
      '2024-01-01',
      '--to',
      '2024-12-31',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
      '--json',
    ]);
    expect(out.error).toBeUndefined();

    // One window failed for good (502 on every attempt): reported, exit 1, and the rest is complete.
    expect(out.code).toBe(1);
    const expected = s.api.exportData(dayMs('2024-01-01'), dayMs('2025-01-01'));
    const failedWindow = s.api.exportData(dayMs('2024-07-29'), dayMs('2024-08-28'));
    const failedKeys = new Set(failedWindow.files.map(key));
    expect(sorted(queued(s).map((q) => q.key))).toEqual(
      sorted(expected.files.map(key).filter((k) => !failedKeys.has(k))),
    );
    expect(out.json!.totals.errors).toEqual([
      expect.stringMatching(
        /^window 2024-07-29\.\.2024-08-27: gave up after 8 attempts, last: 127\.0\.0\.1:\d+ answered 502 Bad Gateway/,
      ),
    ]);
    expect(out.json!.totals.units).toEqual({ total: 13, queued: 12, 'would-queue': 0, 'already-done': 0, failed: 1 });
    expect(out.json!.totals.messagesSeen).toBe(expected.rows.length - failedWindow.rows.length);
    expect(out.json!.totals.jobCount).toBe(expected.files.length - failedWindow.files.length);
    const rejected = out.json!.totals.rejected.reduce((sum: number, r: { count: number }) => sum + r.count, 0);
    expect(rejected).toBe(expected.badLinks - failedWindow.badLinks);
    expect(out.stderr.split('\n').filter((line) => /^\[\s*\d+\/13\] window/.test(line))).toHaveLength(13);

    // Never more than 10 export requests in any sliding minute, retries included, and Dixa never had to say 429.
    expect(s.api.requests.length).toBe(13 + 3 + 7);
    expect(s.api.maxRequestsInWindow('export', 60_000)).toBeLessThanOrEqual(10);
    expect(s.api.requests.some((r) => r.status === 429)).toBe(false);

    // Once Dixa recovers, the rerun asks only for the failed window.
    s.api.clearFaults();
    const before = s.api.requests.length;
    const second = await backfill(s, [
      '--from',
      '2024-01-01',
      '--to',
      '2024-12-31',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
    ]);
    expect(second.code).toBe(complete(failedWindow.badLinks));
    expect(s.api.requests.length - before).toBe(1);
    expect(sorted(queued(s).map((q) => q.key))).toEqual(sorted(expected.files.map(key)));
  });

  it('waits for the archiver when the queue holds more than it drains in time (flow control from the queue attributes)', async () => {
    // Ten minutes' retention and an archiver draining 2 messages a second: the backlog may reach 2 × 600 s × 1/4.
    const s = await setup({}, { MessageRetentionPeriod: '600' });
    const room = 2 * 600 * 0.25;
    const drained = { messages: 0, files: 0 };
    const { flowControl, peak } = drainingFlowControl(
      async (queue, ms) => {
        const took = await drain(queue.sqs, queue.queueUrl, Math.floor((ms / 1000) * 2));
        drained.messages += took.messages;
        drained.files += took.files;
      },
      { initialBacklog: 60, minSampleMs: 1_000 },
    );
    const args = ['--from', '2024-01-01', '--to', '2024-03-31', '--queue-url', s.queueUrl, '--state', s.state];
    const out = await backfill(s, args, { flowControl });
    const expected = s.api.exportData(dayMs('2024-01-01'), dayMs('2024-04-01'));
    expect(out.code).toBe(complete(expected.badLinks));
    expect(out.stderr).toMatch(
      /job queue holds \d+ jobs \(room for \d+; archiver drains ~\d+\/min\): waiting 30s for the archiver/,
    );
    const left = sqs.inspectQueue(s.queueName)!.messages.ready.length;
    expect(left + drained.messages).toBeGreaterThan(2 * room); // more than the queue may hold was sent...
    expect(Math.max(peak(), left)).toBeLessThanOrEqual(room); // ...but it never held more than it drains in time
    expect(queued(s).length + drained.files).toBe(expected.files.length); // and nothing was left out
  });

  it('honours Dixa’s 429 and Retry-After when Dixa allows fewer requests than we expect', async () => {
    const s = await setup({ exportLimit: { requests: 3, windowMs: 60_000 }, retryAfter: 'http-date' });
    const out = await backfill(s, [
      '--from',
      '2024-01-01',
      '--to',
      '2024-06-30',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
    ]);
    expect(out.code).toBe(complete(s.api.exportData(dayMs('2024-01-01'), dayMs('2024-07-01')).badLinks));
    const limited = s.api.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      const next = s.api.requests[s.api.requests.indexOf(r) + 1]!;
      expect(next.at).toBeGreaterThanOrEqual(r.at + parseRetryAfter(r.retryAfter, r.at)!);
    }
    expect(out.stderr).toMatch(/waiting \d+s before retrying: 127\.0\.0\.1:\d+ answered 429 Too Many Requests/);
    const expected = s.api.exportData(dayMs('2024-01-01'), dayMs('2024-07-01'));
    expect(sorted(queued(s).map((q) => q.key))).toEqual(sorted(expected.files.map(key)));
  });

  it('puts rows on the edges of windows in exactly one window when Dixa reads the bounds as exclusive', async () => {
    const s = await setup({ boundaries: 'exclusive' });
    const out = await backfill(s, [
      '--from',
      '2024-02-01',
      '--to',
      '2024-04-30',
      '--window-days',
      '7',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
    ]);
    expect(out.code).toBe(complete(s.api.exportData(dayMs('2024-02-01'), dayMs('2024-05-01')).badLinks));
    const expected = s.api.exportData(dayMs('2024-02-01'), dayMs('2024-05-01'));
    expect(sorted(queued(s).map((q) => q.key))).toEqual(sorted(expected.files.map(key)));
  });

  it('resumes after a crash at a window boundary: every job on the queue exactly once', async () => {
    const s = await setup();
    const windows = planWindows('2024-01-01', '2024-12-31');
    const crashAt = `backfill ${windows[4]!.id}`;
    const args = [
      '--from',
      '2024-01-01',
      '--to',
      '2024-12-31',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
      '--json',
    ];
    const first = await backfill(s, args, { queue: crashingQueue((trace) => trace === crashAt) });
    expect(first.error).toBeInstanceOf(UserError);
    expect(first.error!.message).toBe(
      `could not queue the jobs of window ${windows[4]!.id}: connect ECONNREFUSED 127.0.0.1:9324; finished work is saved in ${s.state}; run the same command again to continue`,
    );
    const saved = JSON.parse(await readFile(s.state, 'utf8'));
    expect(Object.values<{ completed: string[] }>(saved.runs)[0]!.completed).toEqual(
      windows.slice(0, 4).map((w) => w.id),
    );

    const second = await backfill(s, args);
    expect(second.code).toBe(complete(s.api.exportData(windows[4]!.startMs, dayMs('2025-01-01')).badLinks));
    expect(second.json!.units.map((u: { status: string }) => u.status)).toEqual([
      ...Array(4).fill('already-done'),
      ...Array(9).fill('queued'),
    ]);
    const expected = s.api.exportData(dayMs('2024-01-01'), dayMs('2025-01-01'));
    const keys = queued(s).map((q) => q.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(sorted(keys)).toEqual(sorted(expected.files.map(key)));
  });

  it('resumes after a crash inside a window: finished windows are not re-queued and nothing is missing', async () => {
    const s = await setup();
    const windows = planWindows('2024-01-01', '2024-06-30');
    const crashAt = `backfill ${windows[3]!.id}`;
    const args = ['--from', '2024-01-01', '--to', '2024-06-30', '--queue-url', s.queueUrl, '--state', s.state];
    const first = await backfill(s, args, { queue: crashingQueue((trace, nth) => trace === crashAt && nth === 2) });
    expect(first.error?.message).toMatch(/^could not queue the jobs of window 2024-03-31\.\.2024-04-29/);
    expect((await backfill(s, args)).code).toBe(
      complete(s.api.exportData(windows[3]!.startMs, dayMs('2024-07-01')).badLinks),
    );

    const counts = new Map<string, { n: number; traceId: string }>();
    for (const q of queued(s)) counts.set(q.key, { n: (counts.get(q.key)?.n ?? 0) + 1, traceId: q.traceId });
    const expected = s.api.exportData(dayMs('2024-01-01'), dayMs('2024-07-01'));
    expect(sorted([...counts.keys()])).toEqual(sorted(expected.files.map(key)));
    const twice = [...counts.values()].filter((c) => c.n > 1);
    // Only the first batch (10 jobs) of the interrupted window was sent twice — harmless, the archiver is idempotent.
    expect(twice).toHaveLength(10);
    expect(twice.every((c) => c.n === 2 && c.traceId === crashAt)).toBe(true);
  });

  it('--dry-run reads and counts by window and kind, sends nothing and records nothing', async () => {
    const s = await setup();
    const out = await backfill(
      s,
      ['--from', '2024-01-01', '--to', '2024-03-31', '--dry-run', '--json', '--state', s.state],
      {
        env: { SQS_ENDPOINT: undefined },
      },
    );
    expect(out.code).toBe(complete(s.api.exportData(dayMs('2024-01-01'), dayMs('2024-04-01')).badLinks));
    expect(sqs.inspectQueue(s.queueName)!.messages.ready).toHaveLength(0);
    await expect(stat(s.state)).rejects.toThrow(/ENOENT/);
    const windows = planWindows('2024-01-01', '2024-03-31');
    expect(out.json!.dryRun).toBe(true);
    out.json!.units.forEach((unit: { id: string; status: string; jobs: Record<string, number> }, i: number) => {
      const truth = s.api.exportData(windows[i]!.startMs, windows[i]!.endMs);
      const byKind: Record<string, number> = {};
      for (const f of truth.files) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      expect(unit).toMatchObject({ id: windows[i]!.id, status: 'would-queue', messages: truth.rows.length });
      expect(unit.jobs).toEqual(byKind);
    });

    const text = await backfill(s, ['--from', '2024-01-01', '--to', '2024-03-31', '--dry-run']);
    expect(text.stdout).toMatch(
      /^Dry run: nothing was sent to the queue and no progress was recorded\.\n\nunit\s+messages\s+jobs\s+attachment\s+recording\s+voicemail\s+rejected/,
    );
    expect(text.stdout).toMatch(/jobs\s+\d+ would be queued: attachment \d+, recording \d+, voicemail \d+/);
    expect(sqs.inspectQueue(s.queueName)!.messages.ready).toHaveLength(0);
  });
});

describe('backfill over the message API (--conversation)', () => {
  it('queues each conversation’s files, reports a missing one, and retries only that one next time', async () => {
    const s = await setup({ missingConversations: ['300'] });
    const args = [
      '--conversation',
      '100',
      '--conversation',
      '300',
      '--conversation',
      '210',
      '--queue-url',
      s.queueUrl,
      '--state',
      s.state,
      '--json',
    ];
    const first = await backfill(s, args);
    expect(first.code).toBe(1);
    expect(first.json!.totals.errors).toEqual([
      expect.stringMatching(/^conversation 300: 127\.0\.0\.1:\d+ answered 404 Not Found: Conversation 300 not found$/),
    ]);
    const expected = [...s.api.conversationData('100').files, ...s.api.conversationData('210').files];
    expect(sorted(queued(s).map((q) => q.key))).toEqual(sorted(expected.map(key)));
    expect(expected.some((f) => f.kind === 'recording')).toBe(true);
    expect(new Set(expected.map((f) => f.kind))).toEqual(
      new Set(['attachment', 'inline-image', 'original-email', 'email-content', 'recording']),
    );

    const second = await backfill(s, args);
    expect(second.json!.units.map((u: { status: string }) => u.status)).toEqual([
      'already-done',
      'failed',
      'already-done',
    ]);
    expect(s.api.requests.filter((r) => r.api === 'messages')).toHaveLength(4);
    expect(s.api.maxRequestsInWindow('messages', 1_000)).toBeLessThanOrEqual(10);
  });
});

describe('backfill errors: one line, non-zero exit, before any damage', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp, number]>([
    [
      'a missing token',
      ['--from', '2024-01-01'],
      { DIXA_API_TOKEN: undefined },
      /^no Dixa API token: set DIXA_API_TOKEN or pass --token-file <path>$/,
      1,
    ],
    [
      'an unreadable token file',
      ['--from', '2024-01-01', '--token-file', '/nonexistent/token'],
      {},
      /^cannot read the token file \/nonexistent\/token: ENOENT$/,
      1,
    ],
    [
      'an unparseable date',
      ['--from', '2024-02-30'],
      {},
      /^--from "2024-02-30" is not a date: use YYYY-MM-DD \(a UTC day\)$/,
      2,
    ],
    [
      '--to before --from',
      ['--from', '2024-03-01', '--to', '2024-02-01'],
      {},
      /^--to 2024-02-01 is before --from 2024-03-01$/,
      2,
    ],
    ['a --from in the future', ['--from', '2031-01-01'], {}, /^--from 2031-01-01 is in the future$/, 2],
    ['an unknown flag', ['--from', '2024-01-01', '--frm', 'x'], {}, /^Unknown option '--frm'/, 2],
    [
      'a csid that is not a number',
      ['--conversation', '12a'],
      {},
      /^--conversation "12a" is not a csid \(a number\)$/,
      2,
    ],
    [
      'no queue',
      ['--from', '2024-01-01'],
      { JOB_QUEUE_URL: undefined },
      /^--queue-url is required \(or set JOB_QUEUE_URL\)$/,
      2,
    ],
    [
      'an http Dixa URL off loopback',
      ['--from', '2024-01-01'],
      { DIXA_EXPORTS_BASE_URL: 'http://exports.dixa.io' },
      /^DIXA_EXPORTS_BASE_URL must be https/,
      1,
    ],
  ])('%s', async (_name, args, env, message, exitCode) => {
    const s = await setup();
    const out = await backfill(s, args, { env: { JOB_QUEUE_URL: s.queueUrl, ...env } });
    expect(out.error).toBeInstanceOf(UserError);
    expect(out.error!.message).toMatch(message);
    expect((out.error as UserError).exitCode).toBe(exitCode);
    expect(s.api.requests).toHaveLength(0);
  });

  it('a 401 from Dixa', async () => {
    const s = await setup();
    const out = await backfill(s, ['--from', '2024-01-01', '--queue-url', s.queueUrl, '--state', s.state], {
      env: { DIXA_API_TOKEN: 'revoked-token' },
    });
    expect(out.error!.message).toMatch(
      /^Dixa rejected the API token: 127\.0\.0\.1:\d+ answered 401 Unauthorized: Unauthorized$/,
    );
    expect(s.api.requests).toHaveLength(1);
    expect(sqs.inspectQueue(s.queueName)!.messages.ready).toHaveLength(0);
  });

  it('an unreachable queue, and one that does not exist — before Dixa is asked anything', async () => {
    const s = await setup();
    const port = await closedPort();
    const down = await backfill(s, [
      '--from',
      '2024-01-01',
      '--queue-url',
      s.queueUrl,
      '--sqs-endpoint',
      `http://127.0.0.1:${port}`,
    ]);
    expect(down.error!.message).toBe(`cannot use the job queue ${s.queueUrl}: connect ECONNREFUSED 127.0.0.1:${port}`);
    const missing = `${s.queueUrl}-missing`;
    const gone = await backfill(s, ['--from', '2024-01-01', '--queue-url', missing]);
    expect(gone.error!.message).toBe(`cannot use the job queue ${missing}: the queue does not exist`);
    expect(s.api.requests).toHaveLength(0);
  });

  it('prints exactly one line and no stack trace from the real executable', async () => {
    const s = await setup();
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, ['cli/bin.mjs', 'backfill', ...args], {
        env: { ...process.env, ...s.env, ...env },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    const badDate = await run(['--from', '2024-13-01'], {});
    expect(badDate).toEqual({
      code: 2,
      stderr: 'dixa-archiver: --from "2024-13-01" is not a date: use YYYY-MM-DD (a UTC day)\n',
    });
    const unauthorized = await run(['--from', '2024-01-01', '--queue-url', s.queueUrl, '--state', s.state], {
      DIXA_API_TOKEN: 'revoked-token',
    });
    expect(unauthorized.code).toBe(1);
    const lines = unauthorized.stderr.split('\n').filter((line) => line.startsWith('dixa-archiver:'));
    expect(lines).toEqual([expect.stringMatching(/^dixa-archiver: Dixa rejected the API token: .* 401 Unauthorized/)]);
    expect(unauthorized.stderr).not.toMatch(/^\s+at /m);
    expect(unauthorized.stderr).not.toContain('revoked-token');
  });
});

describe('the fake Dixa export API', () => {
  it('enforces the 31-day window, its auth and its own rate limit', async () => {
    const s = await setup({ exportLimit: { requests: 3, windowMs: 60_000 } });
    const get = (query: string, auth = `Bearer ${TOKEN}`) =>
      fetch(`${s.api.url}/v1/message_export?${query}`, { headers: { authorization: auth } });
    const start = Date.UTC(2024, 0, 1);
    expect((await get(`created_after=${start}&created_before=${start + 32 * DAY_MS}`)).status).toBe(400);
    expect((await get('created_after=2024-01-01&created_before=2024-01-31')).status).toBe(200);
    expect((await get('created_after=2024-01-01&created_before=2024-01-31', TOKEN)).status).toBe(401);
    expect((await get(`created_after=${start}&created_before=${start + 31 * DAY_MS}`)).status).toBe(200);
    const limited = await get('created_after=2024-01-01&created_before=2024-01-02');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
