/**
 * The IAM managed policy for the operators who run `dixa-archiver redrive`: look at the dead-letter queue without
 * consuming it, and move its jobs back to the job queue — with an SQS message move task, or one by one where there
 * is none; and list the conversations' ledgers, so jobs of erased conversations are dropped instead of moved.
 * Nothing else: no other queue, no purge, no queue settings, no object in S3 read or written.
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ledgerRoot } from '../../lambdas/core/keys.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import type { JobQueue } from './job-queue.ts';

export interface ComplianceRedrivePolicyProps {
  jobs: JobQueue;
  archive: ArchiveBucket;
  archivePrefix: string;
}

export class ComplianceRedrivePolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, { jobs, archive, archivePrefix }: ComplianceRedrivePolicyProps) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Redrive failed file jobs from the dead-letter queue to the job queue (dixa-archiver redrive)',
      statements: [
        new PolicyStatement({
          sid: 'DrainDeadLetterQueue',
          // The move task's actions are authorized on its source queue (the DLQ), which also needs
          // Receive/Delete/GetQueueAttributes for the task; ChangeMessageVisibility puts peeked jobs back.
          actions: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:StartMessageMoveTask',
            'sqs:ListMessageMoveTasks',
          ],
          resources: [jobs.deadLetterQueue.queueArn],
        }),
        new PolicyStatement({
          sid: 'RefillJobQueue',
          // GetQueueAttributes: the CLI reads the job queue's ARN, the move task's destination.
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          resources: [jobs.queue.queueArn],
        }),
        new PolicyStatement({
          sid: 'ListLedgers',
          // Tombstones are read from their keys alone (lambdas/compliance/ledger.ts): listing, no object reads.
          actions: ['s3:ListBucket'],
          resources: [archive.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${ledgerRoot(archivePrefix)}*`] } },
        }),
      ],
    });
  }
}
