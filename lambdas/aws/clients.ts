/**
 * AWS clients, created once per container. In Lambda they use the runtime's region and role; in local mode
 * and tests S3_ENDPOINT / SQS_ENDPOINT point them at the emulators (s3rver, fauxqs) on loopback.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.S3_ENDPOINT;
  return new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
}

export function sqsClientFromEnv(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const endpoint = env.SQS_ENDPOINT;
  return new SQSClient(endpoint ? { endpoint } : {});
}
