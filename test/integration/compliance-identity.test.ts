/**
 * Who erased: STS GetCallerIdentity with the S3 client's own credentials. Checked against fauxqs's STS endpoint
 * (a real Query-protocol answer) and with aws-sdk-client-mock for the failure path.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerArn } from '../../lambdas/compliance/caller-identity.ts';

let server: FauxqsServer;
beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
});
afterAll(async () => server.stop());

const s3 = () =>
  new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });

describe('callerArn', () => {
  it('reads the ARN from an STS GetCallerIdentity answer', async () => {
    expect(await callerArn(s3(), { endpoint: server.address })).toBe('arn:aws:iam::000000000000:root');
  });

  it('fails with the STS error code', async () => {
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('bad token'), { name: 'InvalidClientTokenId' }));
    try {
      await expect(callerArn(s3())).rejects.toThrow('STS GetCallerIdentity failed (InvalidClientTokenId)');
    } finally {
      sts.restore();
    }
  });
});
