/**
 * The whole road for the past: `dixa-archiver backfill` reads the fake Dixa export and message APIs, puts the jobs
 * on a fauxqs queue, and the real archiver handler (delivered those messages the way the SQS event source would)
 * fetches every file from the fake files.dixa.io and archives it in s3rver — call recordings and voicemails included.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackfillCommand, EXIT_REJECTED_LINKS } from '../../cli/commands/backfill.ts';
import { executeErasure, planErasure } from '../../lambdas/compliance/erase.ts';
import { conversationPrefix } from '../../lambdas/core/keys.ts';
import { createFakeClock, type ExpectedFile, type FakeDixaApi, startFakeDixaApi } from '../fakes/dixa-api.ts';
import { contentSha256 } from '../fakes/files-server.ts';
import { BUCKET, fileJob, type Harness, PREFIX, startHarness } from './archiver-harness.ts';

const TOKEN = 'e2e-token';
const SIZES: Record<ExpectedFile['kind'], number> = {
  recording: 200_000,
  voicemail: 40_000,
  attachment: 12_000,
  'inline-image': 3_000,
  'original-email': 8_000,
  'email-content': 30_000,
};

let harness: Harness;
let dixa: FakeDixaApi;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backfill-e2e-'));
  // A generous idle timeout: CI runs this beside other suites on two cores.
  harness = await startHarness({ token: TOKEN, idleTimeoutMs: 10_000 });
  dixa = await startFakeDixaApi({ token: TOKEN, clock: createFakeClock(), filesBaseUrl: harness.files.baseUrl });
});
afterEach(async () => {
  await dixa.close();
  await harness.close();
  await rm(dir, { recursive: true, force: true });
});

const sink = () =>
  Object.assign(
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
    { isTTY: false },
  );

async function backfill(args: string[], output = sink(), state = 'state.json'): Promise<number> {
  const command = createBackfillCommand({
    env: {
      DIXA_API_TOKEN: TOKEN,
      DIXA_EXPORTS_BASE_URL: dixa.url,
      DIXA_API_BASE_URL: dixa.url,
      DIXA_FILES_BASE_URL: harness.files.baseUrl,
    },
    stdout: output,
    stderr: sink(),
    clock: createFakeClock(),
    random: () => 0.5,
    // The harness's queue: the same fauxqs queue the archiver reports visibility changes to.
    queueTarget: () => ({ sqs: harness.sqs, queueUrl: harness.config.jobQueueUrl, local: true }),
    flowControl: () => undefined, // the archiver drains the queue after the run here

    // The harness's bucket, when the run names one (--bucket).
    s3Target: () => ({ s3: harness.s3, bucket: BUCKET, prefix: PREFIX, local: true }),
  });
  return command.run([...args, '--queue-url', harness.config.jobQueueUrl, '--state', join(dir, state)]);
}

function serve(files: ExpectedFile[]) {
  for (const file of files) {
    const contentType = file.kind === 'recording' ? 'audio/mpeg' : file.kind === 'voicemail' ? 'audio/wav' : undefined;
    harness.files.addFile(new URL(file.url).pathname, { size: file.size ?? SIZES[file.kind], contentType });
  }
}

async function expectArchived(file: ExpectedFile, source: 'export' | 'messages-api') {
  const job = fileJob(file.url, { conversationId: file.conversationId, kind: file.kind });
  const stored = await harness.stored(harness.keyOf(job));
  expect(stored, file.url).toBeDefined();
  const path = new URL(file.url).pathname;
  expect(createHash('sha256').update(stored!).digest('hex')).toBe(
    await contentSha256(path, file.size ?? SIZES[file.kind]),
  );
  const record = await harness.record(job);
  expect(record).toMatchObject({ conversationId: file.conversationId, kind: file.kind, source, sourceUrl: file.url });
}

describe('backfill → queue → archiver → S3', () => {
  it('archives every file of two exported weeks, recordings and voicemails included, once each', async () => {
    const expected = dixa.exportData(Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 15));
    serve(expected.files);
    expect(await backfill(['--from', '2024-03-01', '--to', '2024-03-14', '--window-days', '7'])).toBe(
      expected.badLinks > 0 ? EXIT_REJECTED_LINKS : 0,
    );
    expect(await harness.drain()).toBe(expected.files.length);

    const kinds = new Set(expected.files.map((f) => f.kind));
    expect(kinds).toEqual(new Set(['attachment', 'recording', 'voicemail']));
    for (const file of expected.files) await expectArchived(file, 'export');
    expect(await harness.deadLetters()).toEqual([]);
    for (const file of expected.files) expect(harness.files.requestCount(new URL(file.url).pathname)).toBe(1);
    harness.files.assertNoLeaks();
  });

  it('archives a conversation’s recording, attachments, inline image and original e-mail from the message API', async () => {
    const expected = dixa.conversationData('5550');
    serve(expected.files);
    expect(await backfill(['--conversation', '5550'])).toBe(0);
    expect(await harness.drain()).toBe(expected.files.length);
    expect(expected.files.some((f) => f.kind === 'recording')).toBe(true);
    for (const file of expected.files) await expectArchived(file, 'messages-api');
    expect(await harness.deadLetters()).toEqual([]);
    harness.files.assertNoLeaks();
  });
});

describe('backfill after an erasure', () => {
  const capture = () => {
    let text = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          text += chunk.toString();
          done();
        },
      }),
      { isTTY: false },
    );
    return { stream, json: () => JSON.parse(text) as { totals: { erased: unknown; jobCount: number } } };
  };
  const filesOf = async (conversationId: string) =>
    (
      await harness.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: conversationPrefix(PREFIX, conversationId) }),
      )
    ).Contents ?? [];

  it('over the same range leaves the erased conversation out, counts it, and archives it nowhere', async () => {
    const expected = dixa.exportData(Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 8));
    serve(expected.files);
    const range = ['--from', '2024-03-01', '--to', '2024-03-07'];
    const status = expected.badLinks > 0 ? EXIT_REJECTED_LINKS : 0;
    expect(await backfill(range)).toBe(status);
    await harness.drain();
    const erasedId = expected.files[0]!.conversationId;
    const erasedFiles = expected.files.filter((f) => f.conversationId === erasedId).length;
    expect(await filesOf(erasedId)).toHaveLength(2 * erasedFiles);

    const archive = { s3: harness.s3, bucket: BUCKET, prefix: PREFIX };
    const plan = await planErasure(archive, erasedId);
    await executeErasure(archive, plan, { reason: 'GDPR #7', erasedBy: 'test', bypassGovernance: false });

    // Naming the archive: the erased conversation's jobs are not queued, and the summary says how many.
    const named = capture();
    expect(await backfill([...range, '--bucket', BUCKET, '--json'], named.stream, 'state-2.json')).toBe(status);
    expect(named.json().totals.erased).toEqual({ jobs: erasedFiles, conversations: 1 });
    expect(named.json().totals.jobCount).toBe(expected.files.length - erasedFiles);
    await harness.drain();
    expect(await filesOf(erasedId)).toEqual([]);

    // Without it: the jobs are queued, and the archiver skips them (its own check).
    const unnamed = capture();
    expect(await backfill([...range, '--json'], unnamed.stream, 'state-3.json')).toBe(status);
    expect(unnamed.json().totals).toMatchObject({ erased: null, jobCount: expected.files.length });
    await harness.drain();
    expect(await filesOf(erasedId)).toEqual([]);
    expect(await harness.deadLetters()).toEqual([]);
    for (const file of expected.files.filter((f) => f.conversationId !== erasedId))
      await expectArchived(file, 'export');
  });
});
