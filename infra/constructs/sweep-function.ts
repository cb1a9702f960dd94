/**
 * The daily completeness sweep (lambdas/sweep/handler.ts), invoked by EventBridge Scheduler at `sweepSchedule`
 * (UTC hour; `none` creates the function but no schedule, for runs by hand). Its role may: read the Dixa secret,
 * send jobs to the job queue, see whether records exist under `<prefix>/conversations/` (and read them: the
 * anonymization follower matches a redacted message's files by their records), read the ledger
 * (`<prefix>/ledger/`: tombstones, failures, hold events), and write completeness reports — no delete, no other queue.
 * Only with `followAnonymization: erase` does it also get exactly the erase policy's statements (without bypassing
 * governance retention): the follower erases as `erase` does.
 */
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { completenessReportKey, conversationsRoot, ledgerPrefix } from '../../lambdas/core/keys.ts';
import type { StackConfig } from '../config.ts';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import { acknowledgeErasureWildcards, erasureStatements } from './compliance-erase-policy.ts';
import type { DixaSecret } from './dixa-secret.ts';
import type { JobQueue } from './job-queue.ts';
import { NodeFunction } from './node-function.ts';

/** Lambda's maximum: three days of export requests paced at 10 a minute, with Dixa's back-offs, fit easily. */
export const SWEEP_TIMEOUT = Duration.minutes(15);

export type SweepSettings = Pick<
  StackConfig,
  'archivePrefix' | 'dixaFilesBaseUrl' | 'sweepSchedule' | 'sweepDays' | 'followAnonymization'
>;

export interface SweepFunctionProps {
  settings: SweepSettings;
  secret: DixaSecret;
  jobs: JobQueue;
  archive: ArchiveBucket;
  logRetention: RetentionDays;
}

export class SweepFunction extends Construct {
  readonly function: NodejsFunction;
  schedule: Schedule | undefined;

  constructor(scope: Construct, id: string, props: SweepFunctionProps) {
    super(scope, id);
    const { settings, jobs, archive } = props;
    const { function: fn } = new NodeFunction(this, 'Lambda', {
      entry: 'lambdas/sweep/handler.ts',
      description: 'Daily completeness sweep: queues files webhooks missed, writes the completeness report',
      memoryMiB: 512,
      timeout: SWEEP_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        DIXA_SECRET_ARN: props.secret.secret.secretArn,
        DIXA_FILES_BASE_URL: settings.dixaFilesBaseUrl,
        JOB_QUEUE_URL: jobs.queue.queueUrl,
        ARCHIVE_BUCKET: archive.bucket.bucketName,
        ARCHIVE_PREFIX: settings.archivePrefix,
        SWEEP_DAYS: String(settings.sweepDays),
        FOLLOW_ANONYMIZATION: settings.followAnonymization,
      },
    });

    props.secret.grantRead(fn);
    jobs.queue.grantSendMessages(fn);
    const records = `${conversationsRoot(settings.archivePrefix)}*`;
    const ledger = `${ledgerPrefix(settings.archivePrefix, '').slice(0, -1)}*`; // `<prefix>/ledger/*`
    const reports = completenessReportKey(settings.archivePrefix, '*').replace(/\*\.json$/, '*');
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'CheckArchivedAndReadLedger',
        // GetObject authorizes HeadObject: "is this record there?" for conversations, tombstones and failures.
        actions: ['s3:GetObject'],
        resources: [archive.bucket.arnForObjects(records), archive.bucket.arnForObjects(ledger)],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ListLedger',
        // Without ListBucket a missing record answers 403 instead of 404; key names only, never contents.
        actions: ['s3:ListBucket'],
        resources: [archive.bucket.bucketArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'WriteCompletenessReports',
        actions: ['s3:PutObject'],
        resources: [archive.bucket.arnForObjects(reports)],
      }),
    );
    // SSE-KMS: Decrypt to read ledger entries, GenerateDataKey to write the report.
    archive.key?.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    if (settings.followAnonymization === 'erase') {
      const erase = { archive, archivePrefix: settings.archivePrefix, bypassGovernance: false, useKey: false };
      for (const statement of erasureStatements(erase)) fn.addToRolePolicy(statement);
      acknowledgeErasureWildcards(fn.role ?? fn, archive, settings.archivePrefix);
    }

    const bucket = nagRef(archive.bucket);
    acknowledgeWildcardResource(
      fn.role ?? fn,
      `${bucket}/${records}`,
      'The sweep checks, per file link Dixa lists, whether its record exists; keys are derived at run time. Read only.',
    );
    acknowledgeWildcardResource(
      fn.role ?? fn,
      `${bucket}/${ledger}`,
      'The sweep reads each conversation’s tombstones and failure markers; the grant is read-only and confined to the ledger.',
    );
    acknowledgeWildcardResource(
      fn.role ?? fn,
      `${bucket}/${reports}`,
      'One completeness report per day, named by the date; PutObject only, confined to the reports folder.',
    );
    this.function = fn;

    if (settings.sweepSchedule === 'none') return;
    // Its own role (instead of the stack-wide one the target would create): it may invoke this function only.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Invokes the daily completeness sweep',
    });
    this.schedule = new Schedule(this, 'Daily', {
      description: `Daily completeness sweep of the last ${settings.sweepDays} day(s)`,
      schedule: ScheduleExpression.cron({ minute: '0', hour: String(settings.sweepSchedule) }),
      // A failed run is reported (alarm) and the next day's run covers the same days again: no retries.
      target: new LambdaInvoke(fn, { role, retryAttempts: 0, maxEventAge: Duration.hours(1) }),
    });
    acknowledgeWildcardResource(
      role,
      `${nagRef(fn)}:*`,
      'lambda:InvokeFunction on the sweep function and its versions (CDK grants both); no other function.',
    );
  }
}
