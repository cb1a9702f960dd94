/**
 * The sweep Lambda: it sweeps the last SWEEP_DAYS days, writes the report, publishes one metric per count, and
 * fails the invocation (for the "sweep failed" alarm) when a day is unproven — after writing the report.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metrics } from '../../../lambdas/commons/powertools.ts';
import { parseFileJob } from '../../../lambdas/core/job.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import { DixaError } from '../../../lambdas/dixa/dixa-client.ts';
import { FlowControl, type FlowStatus } from '../../../lambdas/dixa/flow-control.ts';
import { createSweepHandler, type SweepRun } from '../../../lambdas/sweep/handler.ts';
import type { CompletenessReport } from '../../../lambdas/sweep/report.ts';
import { QUEUE_REFUSED } from '../../../lambdas/sweep/sweep.ts';
import { BUCKET, PREFIX, VersionedBucket } from '../compliance/versioned-bucket.ts';

const NOW = Date.UTC(2025, 0, 15, 6);
const files = parseFilesBaseUrl('https://files.dixa.io');

let bucket: VersionedBucket;
let sent: string[];
let exportCalls: string[];
beforeEach(() => {
  activityFails = false;
  bucket = new VersionedBucket();
  sent = [];
  exportCalls = [];
  vi.spyOn(metrics, 'addMetric');
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
});
afterEach(() => {
  bucket.restore();
  vi.restoreAllMocks();
});

let activityFails = false;

function run(overrides: Partial<SweepRun> = {}, failDay?: string): SweepRun {
  return {
    sweepDays: 3,
    followAnonymization: 'report',
    token: async () => 'token',
    deps: {
      archive: { s3: bucket.client, bucket: BUCKET, prefix: PREFIX },
      files,
      clock: { now: () => NOW },
      exists: async (key) => bucket.versions.some((v) => v.key === key),
      send: async (jobs) => {
        sent.push(...jobs.map((j) => j.url));
      },
      erasedBy: async () => 'arn:aws:sts::123456789012:assumed-role/sweep/fn',
      dixa: () => ({
        exportConversations: async () => [],
        conversation: async () => undefined,
        async *activityLog() {
          if (activityFails) throw new DixaError('dev.dixa.io answered 503 Service Unavailable');
          yield [];
        },
        async exportMessages(window) {
          exportCalls.push(window.firstDay);
          if (window.firstDay === failDay) throw new DixaError('exports.dixa.io answered 500 Internal Server Error');
          return [
            {
              id: `m-${window.firstDay}`,
              csid: 7,
              created_at: window.startMs + 1000,
              attached_files: [`/private/org/attachments/${window.firstDay}/a.pdf`],
            },
          ];
        },
      }),
    },
    ...overrides,
  };
}

const storedReport = (): CompletenessReport =>
  JSON.parse(bucket.versions.find((v) => v.key === `${PREFIX}/reports/completeness/2025-01-15.json`)!.body.toString());

describe('sweep handler', () => {
  it('sweeps the last sweepDays days, writes the report and publishes every count', async () => {
    const result = await createSweepHandler(() => run())({});
    expect(exportCalls).toEqual(['2025-01-13', '2025-01-14', '2025-01-15']);
    expect(result).toEqual({ reportKey: `${PREFIX}/reports/completeness/2025-01-15.json`, status: 'incomplete' });
    expect(sent).toHaveLength(3);
    for (const url of sent)
      expect(
        parseFileJob(
          JSON.stringify({
            v: 1,
            url,
            visibility: 'private',
            kind: 'attachment',
            conversationId: '7',
            source: 'export',
          }),
          files,
        ).ok,
      ).toBe(true);
    const report = storedReport();
    expect(report).toMatchObject({ trigger: 'schedule', from: '2025-01-13', to: '2025-01-15', status: 'incomplete' });
    expect(report.totals).toMatchObject({ linked: 3, queued: 3, archived: 0 });
    expect(metrics.addMetric).toHaveBeenCalledWith('MissedFiles', 'Count', 3);
    expect(metrics.addMetric).toHaveBeenCalledWith('SweepLinkedFiles', 'Count', 3);
    expect(metrics.addMetric).toHaveBeenCalledWith('SweepUnprovenDays', 'Count', 0);
  });

  it('fails the invocation when a day is unproven, after writing the report that says which', async () => {
    await expect(createSweepHandler(() => run({}, '2025-01-14'))({})).rejects.toThrow(
      /could not prove 1 day\(s\).*500/,
    );
    const report = storedReport();
    expect(report.days.map((d) => d.status)).toEqual(['incomplete', 'unproven', 'incomplete']);
    expect(metrics.addMetric).toHaveBeenCalledWith('SweepUnprovenDays', 'Count', 1);
  });

  it('an empty token in the secret proves nothing and says why; Dixa is not asked', async () => {
    await expect(createSweepHandler(() => run({ token: async () => '' }))({})).rejects.toThrow(/apiToken is empty/);
    expect(exportCalls).toEqual([]);
    expect(storedReport().days.every((d) => d.status === 'unproven' && /apiToken is empty/.test(d.errors[0]!))).toBe(
      true,
    );
  });

  it('stops starting days when the Lambda runs out of time, and reports those days unproven', async () => {
    let now = NOW;
    const slow = run();
    slow.deps.clock = { now: () => now };
    const dixa = slow.deps.dixa;
    slow.deps.dixa = (token) => {
      const client = dixa(token);
      return {
        ...client,
        async exportMessages(window) {
          now += 5 * 60_000; // every day takes five minutes
          return client.exportMessages(window);
        },
      };
    };
    const context = { getRemainingTimeInMillis: () => 10.5 * 60_000 } as never;
    await expect(createSweepHandler(() => slow)({}, context)).rejects.toThrow(/ran out of time/);
    expect(storedReport().days.map((d) => d.status)).toEqual(['incomplete', 'incomplete', 'unproven']);
  });

  it('waits for the archiver like backfill while the queue is too full, and stops at the deadline (days unproven)', async () => {
    let now = NOW;
    const waits: FlowStatus[] = [];
    const behind = run();
    behind.deps.clock = { now: () => now };
    // A queue with 5,000 jobs the archiver does not drain (it is failing): no day's jobs may join them.
    behind.deps.flowControl = (deadline) =>
      new FlowControl({
        read: async () => ({ messages: 5_000, retentionSeconds: 7 * 86_400 }),
        clock: {
          now: () => now,
          async sleep(ms) {
            now += ms;
          },
        },
        deadline,
        onWait: (status) => waits.push(status),
      });
    const context = { getRemainingTimeInMillis: () => 3 * 60_000 } as never;
    await expect(createSweepHandler(() => behind)({}, context)).rejects.toThrow(/could not prove 3 day\(s\)/);
    expect(sent).toEqual([]);
    expect(waits.length).toBeGreaterThan(0);
    expect(now - NOW).toBeLessThanOrEqual(2 * 60_000); // it gave up by the deadline, leaving time for the report
    const report = storedReport();
    expect(report.days.map((d) => d.status)).toEqual(['unproven', 'unproven', 'unproven']);
    expect(report.days[0]!.errors[0]).toMatch(/the job queue holds 5000 jobs, more than the archiver drains in time/);
    expect(report.totals.queued).toBe(0);
  });

  it('counts a job SQS refuses as failed for good (queue-refused), not as queued', async () => {
    const refusing = run();
    refusing.deps.send = async (jobs) => {
      const [refused, ...rest] = jobs;
      sent.push(...rest.map((j) => j.url));
      return { refused: refused ? [{ job: refused, reason: 'InvalidMessageContents: Invalid binary character' }] : [] };
    };
    await createSweepHandler(() => refusing)({});
    const report = storedReport();
    expect(report.totals).toMatchObject({ linked: 3, queued: 0, deadLettered: 3, notArchivable: 0 });
    for (const day of report.days) {
      expect(day.status).toBe('incomplete');
      expect(day.deadLetteredReasons).toEqual([
        { code: QUEUE_REFUSED, count: 1, example: 'InvalidMessageContents: Invalid binary character' },
      ]);
    }
  });

  it('fails the invocation when the anonymization follower could not ask Dixa, after writing the report', async () => {
    activityFails = true;
    await expect(createSweepHandler(() => run())({})).rejects.toThrow(
      /could not follow every anonymization: activity log: .*503/,
    );
    const report = storedReport();
    expect(report.status).toBe('incomplete'); // the days themselves were proven
    expect(report.anonymization).toMatchObject({ policy: 'report', status: 'unproven' });
    expect(metrics.addMetric).toHaveBeenCalledWith('AnonymizationErrors', 'Count', 1);
    expect(metrics.addMetric).toHaveBeenCalledWith('AnonymizedConversations', 'Count', 0);
  });
});
