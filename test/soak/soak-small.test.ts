/**
 * The soak in CI, reduced: 60 files (up to 2 MiB) in 20 webhooks, each delivered twice, 20 % of the files with
 * transient download faults, a missing one, and local mode SIGKILLed once mid-run. `npm run soak` is the full run.
 */
import { describe, expect, it } from 'vitest';
import { renderReport } from './report.ts';
import { runSoak } from './run-soak.ts';

const MIB = 1024 * 1024;

describe('soak (reduced)', () => {
  it('archives every file exactly once, byte-exact, dead-letters exactly the missing one, across a SIGKILL', {
    timeout: 180_000,
  }, async () => {
    const report = await runSoak({
      seed: 20250602,
      files: 60,
      webhooks: 20,
      big: 0,
      maxFileBytes: 2 * MIB,
      bigFileBytes: 0,
      faultRate: 0.2,
      missingRate: 0.02,
      kills: 1,
      visibilityTimeoutSeconds: 15,
      idleTimeoutMs: 1000,
      drainTimeoutMs: 150_000,
    });
    const text = renderReport(report);
    expect(report.problems, text).toEqual([]);
    expect(report.crashes.done, text).toBe(1);
    expect(report.archive.exact, text).toBe(report.archive.expected);
    expect(report.archive.expected, text).toBe(report.plan.files - report.plan.missing);
    expect(report.deadLetters.files, text).toBe(report.plan.missing);
    expect(report.deliveries.accepted, text).toBe(report.plan.deliveries);
    expect(
      Object.values(report.pipelineLog.retries).reduce((a, b) => a + b, 0),
      text,
    ).toBeGreaterThan(0);
  });
});
