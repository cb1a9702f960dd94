/**
 * Who is erasing: the ARN STS reports for the credentials the S3 client uses (GetCallerIdentity needs no IAM
 * permission). In local mode there is no AWS identity: the OS user is recorded instead.
 */
import { userInfo } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { UserError } from '../commons/errors.ts';

export interface IdentityOptions {
  /** Overrides the regional STS endpoint (tests use an emulator on loopback). */
  endpoint?: string;
}

export function localIdentity(): string {
  return `local user ${userInfo().username}`;
}

export async function callerArn(s3: S3Client, options: IdentityOptions = {}): Promise<string> {
  const sts = new STSClient({
    region: await s3.config.region(),
    credentials: s3.config.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('no ARN in the answer');
    return Arn;
  } catch (error) {
    const code = (error as { name?: string }).name ?? 'Error';
    throw new Error(`STS GetCallerIdentity failed (${code === 'Error' ? (error as Error).message : code})`);
  } finally {
    sts.destroy();
  }
}

/** Who is erasing, for the receipt: the local user in local mode, else the AWS caller; nothing is done without it. */
export function whoIsErasing(s3: S3Client, local: boolean): Promise<string> {
  return whoIsActing(s3, local, 'the receipt', 'nothing was deleted');
}

/** Who is acting, for the record `recordedIn` (a receipt, a hold event); `nothingDone` ends the error line. */
export async function whoIsActing(s3: S3Client, local: boolean, recordedIn: string, nothingDone: string) {
  if (local) return localIdentity();
  try {
    return await callerArn(s3);
  } catch (error: unknown) {
    throw new UserError(
      `cannot tell who you are for ${recordedIn} (STS GetCallerIdentity): ${(error as Error).message}; ${nothingDone}`,
    );
  }
}
