/**
 * Client settings shared by the S3 and SQS commands. Without an endpoint the AWS SDK's usual chain decides
 * region and credentials (env, profile, SSO, instance role). With a loopback endpoint (local mode's s3rver and
 * fauxqs) the emulators' fixed credentials are used unless AWS credentials are set explicitly.
 */
import { UsageError } from '../../lambdas/commons/errors.ts';

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
const LOCAL_REGION = 'us-east-1';

export interface ClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface EndpointChoice {
  settings: ClientSettings;
  /** True when talking to an emulator on this machine (local mode). */
  local: boolean;
}

/** 127.x.x.x, [::1], localhost and *.localhost (fauxqs names its queues http://sqs.<region>.localhost:<port>/…). */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname;
  return host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host) || host === 'localhost' || host.endsWith('.localhost');
}

export function parseEndpoint(endpoint: string, flag = '--endpoint'): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:4569 (got ${JSON.stringify(endpoint)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http(s) URL`);
  return url;
}

export function chooseEndpoint(
  endpoint: string | undefined,
  region: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): EndpointChoice {
  if (!endpoint) return { settings: region ? { region } : {}, local: false };
  const url = parseEndpoint(endpoint);
  const local = isLoopbackUrl(url);
  const settings: ClientSettings = { endpoint: url.origin };
  const envRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region ?? envRegion ?? local) settings.region = region ?? envRegion ?? LOCAL_REGION;
  if (local && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) settings.credentials = { ...LOCAL_CREDENTIALS };
  return { settings, local };
}

/** Local mode's queue URLs name the emulator; `*.localhost` names need not resolve, so use 127.0.0.1. */
export function loopbackOrigin(queueUrl: string | undefined): string | undefined {
  if (!queueUrl || !URL.canParse(queueUrl)) return undefined;
  const url = new URL(queueUrl);
  if (!isLoopbackUrl(url)) return undefined;
  return url.hostname.endsWith('.localhost')
    ? `${url.protocol}//127.0.0.1${url.port ? `:${url.port}` : ''}`
    : url.origin;
}
