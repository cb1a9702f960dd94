/**
 * The completeness sweep end to end: `dixa-archiver sweep` reads the fake Dixa export, checks s3rver, queues what
 * is missing on fauxqs, and the real archiver handler archives it from the fake files host. Counts are compared
 * with the fake's own ground truth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueFlowControl } from '../../cli/shared/queue-target.ts';
import { failureKey, ledgerPrefix, linkHash } from '../../lambdas/core/keys.ts';
import {
  createFakeClock,
  DAY_MS,
  type ExpectedFile,
  type FakeClock,
  type FakeDixaApi,
  startFakeDixaApi,
} from '../fakes/dixa-api.ts';
import { SWEEP_API_TOKEN } from '../fakes/test-secrets.ts';
import { BUCKET, fileJob, type Harness, PREFIX, startHarness } from './archiver-harness.ts';
import { drainingFlowControl } from './flow-control-fixture.ts';
import { runSweepCommand } from './sweep-cli.ts';

const TOKEN = SWEEP_API_TOKEN;
const NOW = Date.UTC(2025, 0, 15, 12);
const FIRST_DAY = Date.UTC(2025, 0, 13);
const DAYS = ['2025-01-13', '2025-01-14', '2025-01-15'];

let harness: Harness;
let dixa: FakeDixaApi;
let dir: string;
let expected: ExpectedFile[];
/** One clock for the fake Dixa and the CLI: Dixa's limits are measured on the time the client waits. */
let clock: FakeClock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sweep-'));
  harness = await startHarness({ token: TOKEN, idleTimeoutMs: 10_000, maxReceiveCount: 2 });
  clock = createFakeClock(NOW);
  dixa = await startFakeDixaApi({
    token: TOKEN,
    clock,
    filesBaseUrl: harness.files.baseUrl,
    messagesPerDay: 6,
  });
  expected = dixa.exportData(FIRST_DAY, FIRST_DAY + 3 * DAY_MS).files;
});
afterEach(async () => {
  await dixa.close();
  await harness.close();
  await rm(dir, { recursive: true, force: true });
});

const sweep = (args: string[] = [], flowControl?: QueueFlowControl) =>
  runSweepCommand({ harness, dixa, clock, token: TOKEN, flowControl }, args);

const serveAll = (files = expected) => {
  for (const file of files) harness.files.addFile(new URL(file.url).pathname, { size: 2_000 });
};
const jobOf = (file: ExpectedFile) => fileJob(file.url, { conversationId: file.conversationId, kind: file.kind });
const perDay = (day: string) => {
  const start = Date.parse(`${day}T00:00:00Z`);
  return dixa.exportData(start, start + DAY_MS).files.length;
};
const queueDepth = async () => {
  const out = await harness.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: harness.config.jobQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
};

describe('dixa-archiver sweep', () => {
  it('finds the files webhooks missed, queues exactly those, and a second sweep queues nothing', async () => {
    expect(expected.length).toBeGreaterThan(8);
    serveAll();
    // Webhooks delivered every other file; the rest were lost.
    const delivered = expected.filter((_, i) => i % 2 === 0);
    for (const file of delivered) await harness.deliver({ job: jobOf(file) });

    const first = await sweep();
    expect(first.code).toBe(0);
    expect(first.report.days.map((d) => d.day)).toEqual(DAYS);
    expect(first.report.totals).toMatchObject({
      linked: expected.length,
      archived: delivered.length,
      queued: expected.length - delivered.length,
      deadLettered: 0,
      erased: 0,
      unprovenDays: 0,
    });
    for (const day of first.report.days) {
      expect(day.linked).toBe(perDay(day.day));
      expect(day.linked).toBe(day.archived + day.queued + day.deadLettered + day.erased);
    }
    expect(first.report.status).toBe('incomplete');
    expect(await queueDepth()).toBe(expected.length - delivered.length);

    expect(await harness.drain()).toBe(expected.length - delivered.length);
    for (const file of expected) expect(await harness.record(jobOf(file)), file.url).toBeDefined();

    const second = await sweep();
    expect(second.report.totals).toMatchObject({ linked: expected.length, archived: expected.length, queued: 0 });
    expect(second.report.status).toBe('complete');
    expect(second.report.days.every((d) => d.status === 'complete')).toBe(true);
    expect(await queueDepth()).toBe(0);

    // The report is in the bucket under the run's day, the same as printed.
    const stored = await harness.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: second.report.reportKey }));
    expect(second.report.reportKey).toBe(`${PREFIX}/reports/completeness/2025-01-15.json`);
    const { reportKey: _key, ...printed } = second.report;
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual(printed);
  });

  it('counts a file that failed for good by its reason instead of queueing it every day; archiving it later clears it', async () => {
    const [lost, ...rest] = expected;
    serveAll(rest); // the files host answers 404 for `lost`
    await sweep();
    await harness.drain();
    const dead = await harness.deadLetters();
    expect(dead).toHaveLength(1);
    const markerKey = failureKey(PREFIX, lost!.conversationId, linkHash(new URL(lost!.url).pathname));
    const marker = JSON.parse(
      await (await harness.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: markerKey }))).Body!.transformToString(),
    );
    expect(marker).toMatchObject({
      conversationId: lost!.conversationId,
      sourceUrl: lost!.url,
      failureClass: 'permanent',
    });

    const second = await sweep();
    expect(second.report.totals).toMatchObject({ queued: 0, deadLettered: 1, archived: expected.length - 1 });
    const day = second.report.days.find((d) => d.deadLettered === 1)!;
    expect(day.status).toBe('incomplete');
    expect(day.deadLetteredReasons).toEqual([{ code: marker.code, count: 1, example: marker.reason }]);
    expect(await queueDepth()).toBe(0);

    // Dixa serves the file again; redrive puts the job back; the archiver archives it and removes the marker.
    serveAll([lost!]);
    // What redrive does (by hand here: the dead letter was already received above).
    await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.config.jobQueueUrl, MessageBody: dead[0]!.body }),
    );
    await harness.drain();
    const ledger = await harness.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: ledgerPrefix(PREFIX, lost!.conversationId) }),
    );
    expect(ledger.Contents ?? []).toEqual([]);
    const third = await sweep();
    expect(third.report.status).toBe('complete');
    expect(third.report.totals).toMatchObject({ archived: expected.length, deadLettered: 0, queued: 0 });
  });

  it('does not queue the files of an erased conversation that predate the erasure', async () => {
    serveAll();
    const erasedCsid = expected[0]!.conversationId;
    const erased = expected.filter((f) => f.conversationId === erasedCsid);
    await harness.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${ledgerPrefix(PREFIX, erasedCsid)}tombstones/2025-01-15T11-00-00-000Z.json`,
        Body: JSON.stringify({ conversationId: erasedCsid, erasedAt: '2025-01-15T11:00:00.000Z' }),
      }),
    );
    const { report } = await sweep();
    // Messages created after the erasure would be new data; the fake's three days end after 11:00 on the 15th.
    const before = dixa
      .exportData(FIRST_DAY, Date.UTC(2025, 0, 15, 11))
      .files.filter((f) => f.conversationId === erasedCsid).length;
    expect(report.totals.erased).toBe(before);
    expect(report.totals.queued).toBe(expected.length - before);
    expect(erased.length).toBeGreaterThanOrEqual(before);
    expect(await harness.drain()).toBe(expected.length - before);
  });

  it('reports a day Dixa could not answer as unproven (exit 1) and still proves the others', async () => {
    serveAll();
    const failingDay = Date.UTC(2025, 0, 14);
    dixa.alwaysFail('export', (url) => url.searchParams.get('created_after') === String(failingDay - 1), {
      status: 500,
    });
    const { code, report } = await sweep();
    expect(code).toBe(1);
    expect(report.status).toBe('unproven');
    const [a, b, c] = report.days;
    expect(b).toMatchObject({ day: '2025-01-14', status: 'unproven', linked: 0, queued: 0 });
    expect(b!.errors[0]).toMatch(/500/);
    expect([a!.status, c!.status]).toEqual(['incomplete', 'incomplete']);
    expect(report.totals.unprovenDays).toBe(1);
    expect(await queueDepth()).toBe(a!.queued + c!.queued);
  }, 60_000);

  it('two sweeps at once may both queue a missing file; it is still archived exactly once', async () => {
    serveAll();
    const [one, two] = await Promise.all([sweep(), sweep()]);
    expect(one.report.totals.queued + two.report.totals.queued).toBeGreaterThanOrEqual(expected.length);
    await harness.drain();
    for (const file of expected) {
      const key = harness.keyOf(jobOf(file));
      const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual([key, `${key}.json`]);
      expect(harness.files.requestCount(new URL(file.url).pathname)).toBeLessThanOrEqual(2);
    }
    expect(await harness.deadLetters()).toEqual([]);
    const after = await sweep();
    expect(after.report.status).toBe('complete');
  }, 60_000);

  it('waits for the archiver before queueing the next day when the queue is full (flow control, as backfill)', async () => {
    serveAll();
    let drained = 0;
    const { flowControl, peak } = drainingFlowControl(
      async () => {
        drained += await harness.drain();
      },
      { initialBacklog: 1 },
    );
    const { code, report, stderr } = await sweep([], flowControl);
    expect(code).toBe(0);
    expect(report.totals.queued).toBe(expected.length);
    // Before a drain rate is measured only one job may wait; once it is, the room is what it drains in time.
    expect(stderr).toMatch(/job queue holds \d+ jobs \(room for 1; drain rate not measured yet\): waiting 30s/);
    expect(peak()).toBeLessThanOrEqual(Math.max(...DAYS.map(perDay))); // never more than one day's files waiting
    expect(drained + (await harness.drain())).toBe(expected.length);
    for (const file of expected) expect(await harness.record(jobOf(file)), file.url).toBeDefined();
  });

  it('refuses bad input with one line', async () => {
    await expect(sweep(['--from', '2025-01-16'])).rejects.toThrow(/in the future/);
    await expect(sweep(['--from', '2024-01-01', '--to', '2024-03-01'])).rejects.toThrow(/at most 31 days/);
    await expect(sweep(['--follow-anonymization', 'delete'])).rejects.toThrow(/must be one of report, erase, off/);
    await expect(sweep(['--from', '2025-13-01'])).rejects.toThrow(/is not a date/);
  });
});
