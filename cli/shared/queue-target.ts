/**
 * `--queue-url --sqs-endpoint --region` for the commands that put jobs on the job queue. Defaults come from
 * JOB_QUEUE_URL / SQS_ENDPOINT; the region from --region, the environment, or the queue URL itself
 * (`https://sqs.<region>.amazonaws.com/...`). With a loopback endpoint (local mode's fauxqs) the emulator's
 * credentials are used unless AWS credentials are set.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readBacklog } from '../../lambdas/aws/queue.ts';
import { describeAwsError } from '../../lambdas/commons/aws-errors.ts';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { FlowControl, type FlowControlOptions } from '../../lambdas/dixa/flow-control.ts';
import type { Clock } from '../../lambdas/dixa/pacer.ts';
import { chooseEndpoint, parseEndpoint } from './aws-endpoint.ts';

export const QUEUE_FLAGS = {
  'queue-url': { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  region: { type: 'string' },
} as const;

export const QUEUE_FLAGS_HELP = `Where the jobs go:
  --queue-url <url>       the job queue (default: $JOB_QUEUE_URL; the stack output JobQueueUrl, or the URL local mode prints)
  --sqs-endpoint <url>    an SQS-compatible endpoint such as local mode's http://127.0.0.1:<port> (default: $SQS_ENDPOINT)
  --region <region>       AWS region (default: your AWS configuration, else the one in the queue URL)
AWS credentials come from the usual places (environment, profile, SSO, role).`;

export interface QueueTarget {
  sqs: SQSClient;
  queueUrl: string;
  /** Local mode (an emulator on loopback). */
  local: boolean;
}

/** Flow control for a bulk feeder (backfill, sweep), measured from the queue's own attributes. */
export type QueueFlowControl = (
  queue: QueueTarget,
  clock: Clock,
  onWait: FlowControlOptions['onWait'],
) => FlowControl | undefined;

export const queueFlowControl: QueueFlowControl = (queue, clock, onWait) =>
  new FlowControl({ read: () => readBacklog(queue.sqs, queue.queueUrl), clock, onWait });

export interface QueueFlags {
  queueUrl?: string;
  endpoint?: string;
  region?: string;
}

export function queueTarget(flags: QueueFlags, env: NodeJS.ProcessEnv = process.env): QueueTarget {
  const queueUrl = flags.queueUrl ?? env.JOB_QUEUE_URL;
  if (!queueUrl) throw new UsageError('--queue-url is required (or set JOB_QUEUE_URL)');
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new UsageError(`--queue-url must be a queue URL (got ${JSON.stringify(queueUrl)})`);
  }
  const endpoint = flags.endpoint ?? env.SQS_ENDPOINT;
  if (endpoint) parseEndpoint(endpoint, '--sqs-endpoint');
  const urlRegion = /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  const envRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const region = flags.region ?? (envRegion ? undefined : urlRegion);
  const { settings, local } = chooseEndpoint(endpoint, region, env);
  const sqs = new SQSClient({
    ...settings,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  return { sqs, queueUrl, local };
}

/** Fails with one line naming the queue when it cannot be used, before any work starts. */
export async function checkQueue(target: QueueTarget, queueUrl = target.queueUrl, what = 'job queue'): Promise<void> {
  try {
    await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  } catch (error: unknown) {
    throw new UserError(`cannot use the ${what} ${queueUrl}: ${describeAwsError(error)}`);
  }
}
