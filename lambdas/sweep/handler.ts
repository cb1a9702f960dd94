/**
 * The sweep Lambda, run daily by EventBridge Scheduler: sweeps the last SWEEP_DAYS days (lambdas/sweep/sweep.ts),
 * follows Dixa's anonymization (FOLLOW_ANONYMIZATION), writes the completeness report, publishes one metric per
 * count, and fails the invocation when any day or the follower is unproven, so the "sweep failed" alarm fires. The
 * Dixa token comes from the stack's secret; the follower's erasure receipts name the function's role (STS).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { s3ClientFromEnv, sqsClientFromEnv } from '../aws/clients.ts';
import { readBacklog, sendJobs } from '../aws/queue.ts';
import { secretSourceFromEnv } from '../aws/secrets.ts';
import { objectExists } from '../aws/storage.ts';
import { logger, metrics } from '../commons/powertools.ts';
import type { Archive } from '../compliance/archive.ts';
import { callerArn } from '../compliance/caller-identity.ts';
import { DixaClient, DixaError } from '../dixa/dixa-client.ts';
import { FlowControl } from '../dixa/flow-control.ts';
import { systemClock } from '../dixa/pacer.ts';
import { sweepConfigFromEnv } from './config.ts';
import { type CompletenessReport, runFailed, writeReport } from './report.ts';
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
    logger.info('sweep finished', {
      reportKey,
      status: report.status,
      anonymization: report.anonymization.status,
      ...report.totals,
    });
    if (runFailed(report)) {
      const errors = [...report.days.flatMap((d) => d.errors), ...report.anonymization.errors];
      const days = report.totals.unprovenDays;
      const what = days > 0 ? `could not prove ${days} day(s)` : 'could not follow every anonymization';
      throw new Error(`the sweep ${what}: ${errors[0] ?? 'unknown'}`);
    }
    return { reportKey, status: report.status };
  };
}

/** An empty secret fails every day (and the follower) with one clear reason instead of asking Dixa with no token. */
const noTokenError = () => new DixaError('no Dixa API token in the stack secret (apiToken is empty)', true);
const noToken: SweepDeps['dixa'] = {
  async exportMessages() {
    throw noTokenError();
  },
  async exportConversations() {
    throw noTokenError();
  },
  async conversation() {
    throw noTokenError();
  },
  // biome-ignore lint/correctness/useYield: it fails before any page, like Dixa refusing the token
  async *activityLog() {
    throw noTokenError();
  },
};

function publish(report: CompletenessReport): void {
  const t = report.totals;
  const followed = [...report.anonymization.conversations, ...report.anonymization.messages];
  const counts: [string, number][] = [
    ['SweepLinkedFiles', t.linked],
    ['SweepArchivedFiles', t.archived],
    ['MissedFiles', t.queued],
    ['SweepDeadLetteredFiles', t.deadLettered],
    ['SweepErasedFiles', t.erased],
    ['SweepNotArchivableLinks', t.notArchivable],
    ['SweepErrors', t.errors],
    ['SweepUnprovenDays', t.unprovenDays],
    ['AnonymizedConversations', report.anonymization.conversations.length],
    ['RedactedMessages', report.anonymization.messages.length],
    ['AnonymizationErased', followed.filter((f) => f.action === 'erased').length],
    ['AnonymizationHeld', followed.filter((f) => f.action === 'held').length],
    ['AnonymizationErrors', report.anonymization.errors.length],
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
        send: (jobs, traceId) => sendJobs(sqs, config.jobQueueUrl, jobs, { traceId }),
        flowControl: (deadline) =>
          new FlowControl({
            read: () => readBacklog(sqs, config.jobQueueUrl),
            clock: systemClock,
            deadline,
            onWait: (status) => logger.info('job queue full: waiting for the archiver', { ...status }),
          }),
        erasedBy: () => callerArn(s3),
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
