/** Turns AWS SDK failures into one line that says what to do, naming the bucket the command was working on. */

import { describeAwsError } from '../commons/aws-errors.ts';
import { UserError } from '../commons/errors.ts';
import type { Archive } from './archive.ts';

export async function explainS3Errors<T>(archive: Archive, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (error instanceof UserError) throw error;
    throw new UserError(`s3://${archive.bucket}: ${describeS3Error(error)}`);
  }
}

export function describeS3Error(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string };
  switch (e?.name) {
    case 'NoSuchBucket':
      return 'the bucket does not exist (check --bucket and --region)';
    case 'AccessDenied':
    case 'Forbidden':
      return 'access denied (check your AWS credentials and the bucket policy)';
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
      return `your AWS credentials were rejected (${e.name})`;
  }
  if (e?.code === 'ECONNREFUSED') return 'cannot connect to the S3 endpoint (is local mode running?)';
  return describeAwsError(error);
}
