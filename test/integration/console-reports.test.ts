/**
 * The console's completeness reports over real HTTP against s3rver: the reports the sweep wrote (writeReport),
 * listed newest first with their outcome, one read in full, and what is not a report refused or named.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARIZED_REPORTS } from '../../cli/console/routes/reports.ts';
import { BUCKET, type Emulator, PREFIX, startS3 } from './compliance-fixture.ts';
import { type ConsoleClient, seedReport, startTestConsole } from './console-fixture.ts';

interface Listed {
  day: string;
  summary: { status?: string; totals?: { linked: number; queued: number }; problem?: string } | null;
}

describe('console: completeness reports', () => {
  let emulator: Emulator;
  let client: ConsoleClient;

  beforeAll(async () => {
    emulator = await startS3();
    client = await startTestConsole(emulator);
  });
  afterAll(async () => {
    await client?.running.stop();
    await emulator?.stop();
  });

  it('says when there is no report yet', async () => {
    expect((await client.getJson('/api/reports')).json).toEqual({ reports: [] });
  });

  it('lists reports newest first with their outcome, and reads one in full', async () => {
    await seedReport(emulator, '2026-11-29', [{ day: '2026-11-28', linked: 3, archived: 3, messages: 2 }]);
    const incomplete = await seedReport(emulator, '2026-11-30', [
      { day: '2026-11-28', linked: 3, archived: 3, messages: 2 },
      {
        day: '2026-11-29',
        linked: 6,
        archived: 2,
        queued: 2,
        deadLettered: 1,
        erased: 1,
        messages: 4,
        deadLetteredReasons: [{ code: 'not-found', count: 1, example: 'files.dixa.io answered 404' }],
      },
    ]);
    const put = (key: string, body: string) =>
      emulator.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/reports/completeness/${key}`, Body: body }),
      );
    await put('notes.txt', 'not a report');
    await put('2026-11-27.json', '{ "half": ');

    const { json } = await client.getJson<{ reports: Listed[] }>('/api/reports');
    expect(json.reports.map((r) => r.day)).toEqual(['2026-11-30', '2026-11-29', '2026-11-27']);
    expect(json.reports[0]!.summary).toMatchObject({ status: 'incomplete', totals: { linked: 9, queued: 2 } });
    expect(json.reports[1]!.summary).toMatchObject({ status: 'complete' });
    expect(json.reports[2]!.summary).toEqual({ problem: expect.stringMatching(/2026-11-27\.json is not valid JSON/) });

    const one = await client.getJson<{ report: unknown }>('/api/reports/2026-11-30');
    expect(one.status).toBe(200);
    expect(one.json.report).toEqual(incomplete);
  });

  it('answers a day that is not a day, or has no report, in one line', async () => {
    const notDay = await client.getJson<{ error: string }>('/api/reports/..%2F..%2Fconversations');
    expect(notDay.status).toBe(400);
    expect(notDay.json.error).toMatch(/is not a day \(YYYY-MM-DD\)/);
    const none = await client.getJson<{ error: string }>('/api/reports/2020-01-01');
    expect(none.status).toBe(422);
    expect(none.json.error).toBe('no completeness report for 2020-01-01');
  });

  it(`reads the outcome of the newest ${SUMMARIZED_REPORTS} reports only`, async () => {
    const days = Array.from({ length: SUMMARIZED_REPORTS + 2 }, (_, i) =>
      new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10),
    );
    for (const day of days) await seedReport(emulator, day, [{ day }]);
    const { json } = await client.getJson<{ reports: Listed[] }>('/api/reports');
    const withSummary = json.reports.filter((r) => r.summary !== null);
    expect(withSummary).toHaveLength(SUMMARIZED_REPORTS);
    expect(json.reports.at(-1)).toEqual(expect.objectContaining({ day: days[0], summary: null }));
  });
});
