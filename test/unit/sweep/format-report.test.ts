/**
 * The sweep's report on a terminal (issue 16, item 2): failure reasons, errors and the follower's details come from
 * Dixa, S3 and the archiver, and are shown inert — an escape sequence in them cannot rewrite what a person reads.
 */
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../cli/commands/sweep.ts';
import { type CompletenessReport, emptyCounts, REPORT_VERSION } from '../../../lambdas/sweep/report.ts';

const HOSTILE = 'x\u001b[2J\u001b[1;1Hall files archived\u202e';

function report(): CompletenessReport {
  const day = {
    day: '2025-01-14',
    status: 'unproven' as const,
    messages: 1,
    ...emptyCounts(),
    deadLettered: 1,
    deadLetteredReasons: [{ code: 'not-found', count: 1, example: `404 for ${HOSTILE}` }],
    errors: [`Dixa said ${HOSTILE}`],
  };
  return {
    reportVersion: REPORT_VERSION,
    from: day.day,
    to: day.day,
    trigger: 'cli',
    startedAt: '2025-01-15T05:00:00.000Z',
    finishedAt: '2025-01-15T05:01:00.000Z',
    bucket: 'archive',
    prefix: 'dixa',
    followAnonymization: 'report',
    status: 'unproven',
    totals: { ...emptyCounts(), deadLettered: 1, messages: 1, errors: 1, unprovenDays: 1 },
    days: [day],
    anonymization: {
      policy: 'report',
      status: 'unproven',
      conversations: [
        { conversationId: '7', anonymizedAt: '2025-01-14T10:00:00Z', files: 1, action: 'failed', detail: HOSTILE },
      ],
      messages: [],
      errors: [`activity log: ${HOSTILE}`],
    },
  };
}

describe('sweep report on a terminal', () => {
  it('shows every value from Dixa, S3 or the archiver inert', () => {
    const text = formatReport(report());
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text.match(/x\\x1B\[2J\\x1B\[1;1Hall files archived\\u202E/g)).toHaveLength(4);
  });
});
