/**
 * The file-job queue and its dead-letter queue: encrypted (SQS-managed keys), SSL-only; jobs kept 7 days, dead
 * letters 14 (longer than the job queue, so nothing moved there expires unseen; backfill keeps its backlog well
 * inside the job queue's period).
 * The visibility timeout covers a whole archiver run several times over, so a job is never handed to a second
 * archiver while the first is still streaming it.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION_SECONDS, JOB_RETENTION_SECONDS } from '../../lambdas/aws/queue.ts';

export const JOB_RETENTION = Duration.seconds(JOB_RETENTION_SECONDS);
export const DEAD_LETTER_RETENTION = Duration.seconds(DEAD_LETTER_RETENTION_SECONDS);

export interface JobQueueProps {
  maxReceiveCount: number;
  visibilityTimeout: Duration;
}

export class JobQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: JOB_RETENTION,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
