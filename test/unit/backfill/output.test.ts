import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../../cli/backfill/progress.ts';
import { formatSummary, toJson } from '../../../cli/backfill/report.ts';
import type { BackfillSummary, UnitResult } from '../../../lambdas/dixa/backfill.ts';

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  columns = 160;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const units: UnitResult[] = [
  {
    id: 'a',
    label: 'window 2024-01-01..2024-01-30',
    status: 'already-done',
    messages: 0,
    jobs: {},
    jobCount: 0,
    rejected: 0,
    erased: 0,
  },
  {
    id: 'b',
    label: 'window 2024-01-31..2024-02-29',
    status: 'queued',
    messages: 120,
    jobs: { attachment: 40, recording: 30, voicemail: 5 },
    jobCount: 75,
    rejected: 2,
    erased: 0,
  },
  {
    id: 'c',
    label: 'window 2024-03-01..2024-03-30',
    status: 'failed',
    messages: 0,
    jobs: {},
    jobCount: 0,
    rejected: 0,
    erased: 0,
    error: 'window 2024-03-01..2024-03-30: gave up after 8 attempts, last: exports.dixa.io answered 502 Bad Gateway',
  },
];

function summaryOf(dryRun = false): BackfillSummary {
  return {
    dryRun,
    units: units.map((u) => (dryRun && u.status === 'queued' ? { ...u, status: 'would-queue' } : u)),
    messagesSeen: 120,
    jobs: { attachment: 40, recording: 30, voicemail: 5, 'inline-image': 0, 'original-email': 0, 'email-content': 0 },
    jobCount: 75,
    rejected: [
      { reason: 'host "evil.example.com" is not the files host', count: 1, example: 'https://evil.example.com/x.pdf' },
      { reason: 'scheme ftp is not allowed', count: 1, example: 'ftp://files.dixa.io/private/a/b' },
    ],
    errors: [units[2]!.error!],
  };
}

const run = {
  mode: 'export' as const,
  unitName: 'windows',
  from: '2024-01-01',
  to: '2024-03-30',
  windowDays: 30,
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
  stateFile: './.dixa-backfill-state.json',
};

describe('progress', () => {
  it('writes one plain line per unit when stderr is not a terminal', () => {
    const stream = new Capture(false);
    const progress = createProgress({
      stream,
      unitName: 'windows',
      total: 3,
      pending: 2,
      pacer: { intervalMs: 6_000, waitMs: () => 0 },
      dryRun: false,
    });
    const summary = summaryOf();
    units.forEach((unit, i) => {
      progress.unitDone(unit, { ...summary, units: units.slice(0, i + 1) });
    });
    progress.retrying({ api: 'export', reason: 'exports.dixa.io answered 429 Too Many Requests', waitMs: 30_000 });
    progress.stop();
    expect(stream.text.split('\n')).toEqual([
      '[1/3] window 2024-01-01..2024-01-30: already done in an earlier run, skipped',
      '[2/3] window 2024-01-31..2024-02-29: 120 messages, 75 jobs queued (attachment 40, recording 30, voicemail 5), 2 links rejected',
      '[3/3] window 2024-03-01..2024-03-30: FAILED: gave up after 8 attempts, last: exports.dixa.io answered 502 Bad Gateway',
      '  waiting 30s before retrying: exports.dixa.io answered 429 Too Many Requests',
      '',
    ]);
  });

  it('draws a bar with units done, jobs queued and an ETA from the pace on a terminal', () => {
    const stream = new Capture(true);
    const progress = createProgress({
      stream,
      unitName: 'windows',
      total: 3,
      pending: 2,
      pacer: { intervalMs: 6_000, waitMs: () => 4_000 },
      dryRun: false,
    });
    expect(stream.text).toContain('0/3 | 0 jobs queued | ETA 10s');
    progress.unitDone(units[0]!, { ...summaryOf(), units: units.slice(0, 1), jobCount: 0 });
    progress.unitDone(units[1]!, { ...summaryOf(), units: units.slice(0, 2) });
    progress.stop();
    expect(stream.text).toContain('2/3 | 75 jobs queued | ETA 4s');
  });

  it('formats durations for people', () => {
    expect([formatDuration(0), formatDuration(5_500), formatDuration(78_000), formatDuration(3_720_000)]).toEqual([
      '0s',
      '6s',
      '1m18s',
      '1h02m',
    ]);
  });
});

describe('report', () => {
  it('summarizes messages, jobs by kind, rejected links with reasons, and errors', () => {
    expect(formatSummary(run, summaryOf())).toBe(
      [
        'Backfill summary (queue https://sqs.eu-west-1.amazonaws.com/1/jobs)',
        '  windows   3 (1 queued, 1 already done earlier, 1 failed)',
        '  messages  120 seen',
        '  jobs      75 queued: attachment 40, recording 30, voicemail 5',
        '  rejected  2 links NOT archived',
        '              1 × host "evil.example.com" is not the files host (e.g. https://evil.example.com/x.pdf)',
        '              1 × scheme ftp is not allowed (e.g. ftp://files.dixa.io/private/a/b)',
        '  erased    not checked (no archive bucket given); the archiver skips erased conversations anyway',
        '  errors    1',
        '              window 2024-03-01..2024-03-30: gave up after 8 attempts, last: exports.dixa.io answered 502 Bad Gateway',
        '  state     ./.dixa-backfill-state.json',
        '',
        'INCOMPLETE: 2 file links were rejected; those files are not archived.',
      ].join('\n'),
    );
  });

  it('counts the jobs of erased conversations left out', () => {
    const summary = { ...summaryOf(), erased: { jobs: 3, conversations: 1 } };
    expect(formatSummary(run, summary)).toContain('\n  erased    3 jobs of 1 erased conversation left out\n');
    expect(formatSummary(run, { ...summary, erased: { jobs: 0, conversations: 0 } })).toContain('\n  erased    none\n');
  });

  it('aligns the summary for conversations too', () => {
    const lines = formatSummary({ mode: 'conversations', unitName: 'conversations' }, summaryOf()).split('\n');
    expect(lines.slice(1, 3)).toEqual([
      '  conversations  3 (1 queued, 1 already done earlier, 1 failed)',
      '  messages       120 seen',
    ]);
    expect(lines[5]).toMatch(/^ {19}1 × host/);
  });

  it('puts a per-window table before the summary of a dry run', () => {
    const text = formatSummary({ ...run, queueUrl: undefined, stateFile: undefined }, summaryOf(true));
    expect(text.split('\n').slice(0, 6)).toEqual([
      'Dry run: nothing was sent to the queue and no progress was recorded.',
      '',
      'unit                           messages  jobs  attachment  recording  voicemail  rejected  note',
      'window 2024-01-01..2024-01-30         -     -           -          -          -         -  already done',
      'window 2024-01-31..2024-02-29       120    75          40         30          5         2',
      'window 2024-03-01..2024-03-30         -     -           -          -          -         -  FAILED',
    ]);
    expect(text).toContain('  jobs      75 would be queued: attachment 40, recording 30, voicemail 5');
  });

  it('gives machines the units and the totals', () => {
    const json = toJson(run, summaryOf());
    expect(json).toMatchObject({ mode: 'export', from: '2024-01-01', dryRun: false, units });
    expect(json).not.toHaveProperty('unitName');
    expect(json.totals.units).toEqual({ total: 3, queued: 1, 'would-queue': 0, 'already-done': 1, failed: 1 });
  });
});
