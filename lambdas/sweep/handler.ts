/**
 * The sweep Lambda, run daily by EventBridge Scheduler: sweeps the last SWEEP_DAYS days (lambdas/sweep/sweep.ts),
 * writes the completeness report, publishes one metric per count, and fails the invocation when any day is
 * unproven, so the "sweep failed" alarm fires. The Dixa token comes from the stack's secret.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { s3ClientFromEnv, sqsClientFromEnv } from '../aws/clients.ts';
import { sendJobs } from '../aws/queue.ts';
import { secretSourceFromEnv } from '../aws/secrets.ts';
import { objectExists } from '../aws/storage.ts';
import { logger, metrics } from '../commons/powertools.ts';
import type { Archive } from '../compliance/archive.ts';
import { DixaClient, DixaError } from '../dixa/dixa-client.ts';
import { systemClock } from '../dixa/pacer.ts';
import { sweepConfigFromEnv } from './config.ts';
import { type CompletenessReport, writeReport } from './report.ts';
import { runSweep, type SweepDeps, sweepWindow } from './sweep.ts';

/** Kept back from the Lambda timeout to write the report and the metrics after the last day. */
export const REPORT_MARGIN_MS = 60_000;

export interface SweepRun {
  deps: Omit<SweepDeps, 'dixa'> & { dixa: (token: string) => SweepDeps['dixa'] };
  token: () => Promise<string>;
  sweepDays: number;
  followAnonymization: CompletenessReport['followAnonymization'];
}

export function createSweepHandler(load: () => SweepRun) {
  return async (_event: unknown, context?: Context): Promise<{ reportKey: string; status: string }> => {
    if (context) logger.addContext(context);
    const run = load();
    const { deps } = run;
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining === undefined ? undefined : deps.clock.now() + remaining - REPORT_MARGIN_MS;
    const window = sweepWindow(deps.clock.now(), run.sweepDays);
    const token = await run.token();
    const report = await runSweep(
      { ...deps, dixa: token ? deps.dixa(token) : noToken },
      { ...window, followAnonymization: run.followAnonymization, trigger: 'schedule', deadline },
    );
    const reportKey = await writeReport(deps.archive, report);
    publish(report);
    logger.info('sweep finished', { reportKey, status: report.status, ...report.totals });
    if (report.status === 'unproven') {
      const errors = report.days.flatMap((d) => d.errors);
      throw new Error(`the sweep could not prove ${report.totals.unprovenDays} day(s): ${errors[0] ?? 'unknown'}`);
    }
    return { reportKey, status: report.status };
  };
}

/** An empty secret fails every day with one clear reason instead of asking Dixa with no token. */
const noToken: SweepDeps['dixa'] = {
  async exportMessages() {
    throw new DixaError('no Dixa API token in the stack secret (apiToken is empty)', true);
  },
};

function publish(report: CompletenessReport): void {
  const t = report.totals;
  const counts: [string, number][] = [
    ['SweepLinkedFiles', t.linked],
    ['SweepArchivedFiles', t.archived],
    ['MissedFiles', t.queued],
    ['SweepDeadLetteredFiles', t.deadLettered],
    ['SweepErasedFiles', t.erased],
    ['SweepNotArchivableLinks', t.notArchivable],
    ['SweepErrors', t.errors],
    ['SweepUnprovenDays', t.unprovenDays],
  ];
  for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}

let singleton: SweepRun | undefined;

function runFromEnv(): SweepRun {
  if (!singleton) {
    const config = sweepConfigFromEnv();
    const s3 = s3ClientFromEnv();
    const sqs = sqsClientFromEnv();
    const archive: Archive = { s3, bucket: config.bucket, prefix: config.prefix };
    const secrets = secretSourceFromEnv();
    singleton = {
      deps: {
        archive,
        files: config.files,
        clock: systemClock,
        exists: (key) => objectExists(s3, config.bucket, key),
        send: async (jobs, traceId) => {
          await sendJobs(sqs, config.jobQueueUrl, jobs, { traceId });
        },
        // Shorter patience than the CLI's: a Lambda has 15 minutes for every day and the report.
        dixa: (token) =>
          new DixaClient({
            token,
            exportsBaseUrl: config.exportsBaseUrl,
            apiBaseUrl: config.apiBaseUrl,
            maxAttempts: 4,
            timeoutMs: 60_000,
            maxRetryAfterMs: 2 * 60_000,
            onRetry: (event) => logger.warn('Dixa asked to wait', { ...event }),
          }),
      },
      token: async () => (await secrets.get()).apiToken,
      sweepDays: config.sweepDays,
      followAnonymization: config.followAnonymization,
    };
  }
  return singleton;
}

export const handler = createSweepHandler(runFromEnv);
