/**
 * Who erased: STS GetCallerIdentity, signed with the S3 client's own credentials. Checked against fauxqs's STS
 * endpoint (a real Query-protocol answer) and against a recording fetch (the SigV4 request itself).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerArn } from '../../cli/compliance/caller-identity.ts';

let server: FauxqsServer;
beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
});
afterAll(async () => server.stop());

const s3 = (sessionToken?: string) =>
  new S3Client({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', ...(sessionToken ? { sessionToken } : {}) },
  });

describe('callerArn', () => {
  it('reads the ARN from an STS GetCallerIdentity answer', async () => {
    expect(await callerArn(s3(), { endpoint: server.address })).toBe('arn:aws:iam::000000000000:root');
  });

  it('sends a SigV4-signed Query call to the regional STS endpoint', async () => {
    let seen: { url: string; headers: Record<string, string>; body: string } | undefined;
    const recording: typeof fetch = async (url, init) => {
      seen = { url: String(url), headers: init?.headers as Record<string, string>, body: String(init?.body) };
      return new Response('<GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/dpo/jane</Arn>', { status: 200 });
    };
    expect(await callerArn(s3('session-token'), { fetch: recording })).toBe('arn:aws:sts::1:assumed-role/dpo/jane');
    expect(seen!.url).toBe('https://sts.eu-central-1.amazonaws.com/');
    expect(seen!.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
    expect(seen!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(seen!.headers['x-amz-security-token']).toBe('session-token');
  });

  it('fails with the STS error code', async () => {
    const rejecting: typeof fetch = async () =>
      new Response('<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>', { status: 403 });
    await expect(callerArn(s3(), { fetch: rejecting })).rejects.toThrow(
      'STS GetCallerIdentity failed (InvalidClientTokenId)',
    );
  });
});
