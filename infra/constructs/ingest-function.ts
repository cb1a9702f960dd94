/**
 * The ingest Lambda (lambdas/ingest/handler.ts): verifies the webhook, enqueues its file jobs, answers Dixa.
 * It may only read the Dixa secret and send to the job queue.
 */
import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DixaSecret } from './dixa-secret.ts';
import { NodeFunction } from './node-function.ts';

export interface IngestFunctionProps {
  secret: DixaSecret;
  queue: IQueue;
  memoryMiB: number;
  filesBaseUrl: string;
  logRetention: RetentionDays;
}

export class IngestFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    const { function: fn } = new NodeFunction(this, 'Lambda', {
      entry: 'lambdas/ingest/handler.ts',
      description: 'Verifies Dixa webhooks and queues their file jobs',
      memoryMiB: props.memoryMiB,
      // Ingest never downloads: a secret read (cached) and one batched SendMessage.
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      environment: {
        DIXA_SECRET_ARN: props.secret.secret.secretArn,
        JOB_QUEUE_URL: props.queue.queueUrl,
        DIXA_FILES_BASE_URL: props.filesBaseUrl,
      },
    });
    props.secret.grantRead(fn);
    props.queue.grantSendMessages(fn);
    this.function = fn;
  }
}
