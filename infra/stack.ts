/**
 * The whole pipeline in one stack:
 *   Dixa ─▶ WebhookApi ─▶ IngestFunction ─▶ JobQueue ─▶ ArchiverFunction ─▶ ArchiveBucket
 * plus the daily completeness sweep, the Dixa secret, the managed policies for people (compliance read, erase, redrive, legal holds), alarms and a dashboard. Settings come from StackConfig.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StackConfig } from './config.ts';
import { ArchiveBucket } from './constructs/archive-bucket.ts';
import { ArchiverFunction } from './constructs/archiver-function.ts';
import { ComplianceErasePolicy } from './constructs/compliance-erase-policy.ts';
import { ComplianceHoldPolicy } from './constructs/compliance-hold-policy.ts';
import { ComplianceReadPolicy } from './constructs/compliance-read-policy.ts';
import { ComplianceRedrivePolicy } from './constructs/compliance-redrive-policy.ts';
import { DixaSecret } from './constructs/dixa-secret.ts';
import { IngestFunction } from './constructs/ingest-function.ts';
import { JobQueue } from './constructs/job-queue.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { SweepFunction } from './constructs/sweep-function.ts';
import { WebhookApi } from './constructs/webhook-api.ts';

/** AWS's advice for SQS event sources: a visibility timeout of at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface DixaArchiverStackProps extends StackProps {
  config: StackConfig;
}

export class DixaArchiverStack extends Stack {
  constructor(scope: Construct, id: string, props: DixaArchiverStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    const secret = new DixaSecret(this, 'DixaSecret', { importArn: config.dixaSecretArn });
    const archive = new ArchiveBucket(this, 'Archive', config);
    const jobs = new JobQueue(this, 'Jobs', {
      maxReceiveCount: config.maxReceiveCount,
      visibilityTimeout: Duration.seconds(config.archiverTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
    });
    const ingest = new IngestFunction(this, 'Ingest', {
      secret,
      queue: jobs.queue,
      memoryMiB: config.ingestMemoryMiB,
      filesBaseUrl: config.dixaFilesBaseUrl,
      logRetention,
    });
    const archiver = new ArchiverFunction(this, 'Archiver', { settings: config, secret, jobs, archive, logRetention });
    const webhook = new WebhookApi(this, 'Webhook', {
      handler: ingest.function,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      logRetention,
    });
    const sweep = new SweepFunction(this, 'Sweep', { settings: config, secret, jobs, archive, logRetention });
    const compliance = new ComplianceReadPolicy(this, 'ComplianceRead', archive, config.archivePrefix);
    const erase = new ComplianceErasePolicy(this, 'ComplianceErase', {
      archive,
      archivePrefix: config.archivePrefix,
      bypassGovernance: config.eraseBypassGovernance,
    });
    const holds = new ComplianceHoldPolicy(this, 'ComplianceHold', archive, config.archivePrefix);
    const redrive = new ComplianceRedrivePolicy(this, 'ComplianceRedrive', {
      jobs,
      archive,
      archivePrefix: config.archivePrefix,
    });
    const monitoring = new Monitoring(this, 'Monitoring', {
      dashboardName: this.stackName,
      ingest: ingest.function,
      archiver: archiver.function,
      queue: jobs.queue,
      deadLetterQueue: jobs.deadLetterQueue,
      api: webhook.api,
      alarmEmail: config.alarmEmail,
      oldestJobAlarmMinutes: config.oldestJobAlarmMinutes,
      sweep: { function: sweep.function, missedFilesThreshold: config.sweepMissedFilesAlarmThreshold },
    });

    const outputs: Record<string, [string, string]> = {
      WebhookUrl: [webhook.webhookUrl, 'Paste into Dixa as the webhook URL'],
      ArchiveBucketName: [archive.bucket.bucketName, 'The archive bucket'],
      JobQueueUrl: [jobs.queue.queueUrl, 'File jobs (backfill sends here)'],
      DeadLetterQueueUrl: [jobs.deadLetterQueue.queueUrl, 'Failed file jobs, with their reason (redrive reads here)'],
      SecretArn: [secret.secret.secretArn, 'Put {"apiToken","webhookSecret"} here'],
      ComplianceReadPolicyArn: [compliance.policy.managedPolicyArn, 'Attach to the compliance team'],
      ComplianceErasePolicyArn: [erase.policy.managedPolicyArn, 'Attach only to a tightly held erasure role'],
      ComplianceRedrivePolicyArn: [redrive.policy.managedPolicyArn, 'Attach to the operators who redrive failed jobs'],
      ComplianceHoldPolicyArn: [
        holds.policy.managedPolicyArn,
        'Attach to the people who place and release legal holds',
      ],
      DashboardName: [monitoring.dashboard.dashboardName, 'CloudWatch dashboard'],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, id, { value, description });
    }
  }
}
