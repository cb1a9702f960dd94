/**
 * Who is erasing: the ARN STS reports for the credentials the S3 client uses (GetCallerIdentity needs no IAM
 * permission). The project does not ship @aws-sdk/client-sts, so this sends the one documented STS Query call,
 * signed with the SDK's own SigV4 signer and the S3 client's resolved credentials.
 */
import { createHash, createHmac } from 'node:crypto';
import { userInfo } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

export interface IdentityOptions {
  /** Overrides the regional STS endpoint (tests use an emulator on loopback). */
  endpoint?: string;
  fetch?: typeof fetch;
}

export function localIdentity(): string {
  return `local user ${userInfo().username}`;
}

export async function callerArn(s3: S3Client, options: IdentityOptions = {}): Promise<string> {
  const region = await s3.config.region();
  const credentials = await s3.config.credentials();
  const url = new URL(options.endpoint ?? stsEndpoint(region));
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const response = await (options.fetch ?? fetch)(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!response.ok || !arn) {
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
    throw new Error(`STS GetCallerIdentity failed (${code})`);
  }
  return arn;
}

function stsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`;
}

/** The hash SigV4 needs, from node:crypto (SHA-256, or HMAC-SHA-256 when given a key). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
