/**
 * The typed config: defaults, both value shapes (strings from `-c key=value`, JSON values from cdk.json), and one
 * clear error naming the key for every bad value.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, DEFAULT_CONFIG, parseConfig } from '../../../infra/config.ts';

const parse = (context: Record<string, unknown>) => parseConfig((key) => context[key], Object.keys(context));

function errorOf(context: Record<string, unknown>): string {
  try {
    parse(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(context)}`);
}

/** [key, bad value, the start of the one-line error]: at least one row per key. */
const BAD_VALUES: [string, unknown, string][] = [
  ['maxReceiveCount', 'abc', 'Invalid context "maxReceiveCount": expected an integer 1-1000, got "abc"'],
  ['maxReceiveCount', '0', 'Invalid context "maxReceiveCount": expected an integer 1-1000, got "0"'],
  ['maxReceiveCount', 2.5, 'Invalid context "maxReceiveCount": expected an integer 1-1000, got 2.5'],
  ['maxReceiveCount', true, 'Invalid context "maxReceiveCount": expected an integer 1-1000, got true'],
  ['archiverTimeoutSeconds', '901', 'Invalid context "archiverTimeoutSeconds": expected an integer 30-900, got "901"'],
  ['archiverMemoryMiB', '64', 'Invalid context "archiverMemoryMiB": expected an integer 128-10240, got "64"'],
  ['archiverMaxConcurrency', '1', 'Invalid context "archiverMaxConcurrency": expected an integer 2-1000, got "1"'],
  ['archiverBatchSize', '11', 'Invalid context "archiverBatchSize": expected an integer 1-10, got "11"'],
  ['partSizeMiB', '4', 'Invalid context "partSizeMiB": expected an integer 5-512, got "4"'],
  ['uploadQueueSize', '0', 'Invalid context "uploadQueueSize": expected an integer 1-32, got "0"'],
  ['fetchConnectTimeoutMs', '-1', 'Invalid context "fetchConnectTimeoutMs": expected an integer 1-600000, got "-1"'],
  ['fetchIdleTimeoutMs', '1e3', 'Invalid context "fetchIdleTimeoutMs": expected an integer 1-600000, got "1e3"'],
  [
    'fetchMinBytesPerSecond',
    '-1',
    'Invalid context "fetchMinBytesPerSecond": expected an integer 0-1073741824, got "-1"',
  ],
  [
    'fetchThroughputWindowMs',
    '50',
    'Invalid context "fetchThroughputWindowMs": expected an integer 100-600000, got "50"',
  ],
  ['fetchMaxDecodedRatio', '0', 'Invalid context "fetchMaxDecodedRatio": expected an integer 1-100000, got "0"'],
  ['ingestMemoryMiB', '100000', 'Invalid context "ingestMemoryMiB": expected an integer 128-10240, got "100000"'],
  ['apiRateLimit', 'fast', 'Invalid context "apiRateLimit": expected an integer 1-10000, got "fast"'],
  ['apiBurstLimit', '0', 'Invalid context "apiBurstLimit": expected an integer 1-5000, got "0"'],
  ['transitionAfterDays', '-3', 'Invalid context "transitionAfterDays": expected an integer 0-36500, got "-3"'],
  ['expireAfterDays', '0', 'Invalid context "expireAfterDays": expected an integer 1-36500, got "0"'],
  [
    'noncurrentVersionExpireDays',
    'x',
    'Invalid context "noncurrentVersionExpireDays": expected an integer 1-36500, got "x"',
  ],
  ['objectLockDays', '0', 'Invalid context "objectLockDays": expected an integer 1-36500, got "0"'],
  ['eraseBypassGovernance', 'yes', 'Invalid context "eraseBypassGovernance": expected true or false, got "yes"'],
  ['eraseBypassGovernance', 1, 'Invalid context "eraseBypassGovernance": expected true or false, got 1'],
  ['accessLogExpireDays', '0', 'Invalid context "accessLogExpireDays": expected an integer 1-36500, got "0"'],
  ['oldestJobAlarmMinutes', '0', 'Invalid context "oldestJobAlarmMinutes": expected an integer 1-20160, got "0"'],
  ['sweepSchedule', '24', 'Invalid context "sweepSchedule": expected an hour 0-23 (UTC) or "none", got "24"'],
  ['sweepDays', '0', 'Invalid context "sweepDays": expected an integer 1-31, got "0"'],
  ['followAnonymization', 'delete', 'Invalid context "followAnonymization": expected one of report, erase, off'],
  ['sweepMissedFilesAlarmThreshold', '-1', 'Invalid context "sweepMissedFilesAlarmThreshold": expected an integer'],
  ['logRetentionDays', '10', 'Invalid context "logRetentionDays": expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120'],
  ['archiveEncryption', 'KMS', 'Invalid context "archiveEncryption": expected one of SSE-S3, SSE-KMS, got "KMS"'],
  [
    'objectLockMode',
    'governance',
    'Invalid context "objectLockMode": expected one of NONE, GOVERNANCE, COMPLIANCE, got "governance"',
  ],
  [
    'transitionStorageClass',
    'ONEZONE_IA',
    'Invalid context "transitionStorageClass": expected one of STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, got "ONEZONE_IA"',
  ],
  ['archivePrefix', '../etc', 'Invalid context "archivePrefix": archive prefix segment ".." is not allowed'],
  ['archivePrefix', '/', 'Invalid context "archivePrefix": expected a non-empty key prefix'],
  ['archivePrefix', 42, 'Invalid context "archivePrefix": expected a non-empty key prefix'],
  ['stackName', '1st', 'Invalid context "stackName": expected a CloudFormation stack name, got "1st"'],
  [
    'dixaSecretArn',
    'my-secret',
    'Invalid context "dixaSecretArn": expected a Secrets Manager secret ARN, got "my-secret"',
  ],
  [
    'dixaSecretArn',
    'arn:aws:s3:::bucket',
    'Invalid context "dixaSecretArn": expected a Secrets Manager secret ARN, got "arn:aws:s3:::bucket"',
  ],
  ['dixaFilesBaseUrl', 'http://files.dixa.io', 'Invalid context "dixaFilesBaseUrl": expected an https:// origin'],
  [
    'dixaFilesBaseUrl',
    'https://files.dixa.io/x',
    'Invalid context "dixaFilesBaseUrl": files base URL must be an origin only',
  ],
  ['alarmEmail', 'ops', 'Invalid context "alarmEmail": expected an e-mail address, got "ops"'],
];

describe('parseConfig', () => {
  it('gives the defaults for an empty context', () => {
    expect(parse({})).toEqual(DEFAULT_CONFIG);
  });

  it('defaults to an archiver that respects Dixa rate limits and fits large recordings', () => {
    expect(DEFAULT_CONFIG.archiverMaxConcurrency).toBeLessThanOrEqual(10);
    expect(DEFAULT_CONFIG.archiverBatchSize).toBeLessThanOrEqual(5);
    expect(DEFAULT_CONFIG.archiverTimeoutSeconds).toBeGreaterThanOrEqual(600);
    expect(DEFAULT_CONFIG.maxReceiveCount).toBe(5);
  });

  it('reads numbers from strings (-c key=value) and from JSON numbers (cdk.json) alike', () => {
    expect(parse({ maxReceiveCount: '7', archiverMemoryMiB: 1024 })).toMatchObject({
      maxReceiveCount: 7,
      archiverMemoryMiB: 1024,
    });
    expect(parse({ maxReceiveCount: ' 7 ' }).maxReceiveCount).toBe(7);
  });

  it('reads booleans from strings (-c key=value) and from JSON booleans (cdk.json) alike', () => {
    const governance = { objectLockMode: 'GOVERNANCE', objectLockDays: 30 };
    expect(parse({ ...governance, eraseBypassGovernance: 'true' }).eraseBypassGovernance).toBe(true);
    expect(parse({ ...governance, eraseBypassGovernance: true }).eraseBypassGovernance).toBe(true);
    expect(parse({ ...governance, eraseBypassGovernance: 'false' }).eraseBypassGovernance).toBe(false);
    expect(parse({ eraseBypassGovernance: false }).eraseBypassGovernance).toBe(false);
  });

  it('treats an empty value as unset', () => {
    expect(parse({ alarmEmail: '', transitionAfterDays: '' })).toEqual(DEFAULT_CONFIG);
  });

  it('normalizes the archive prefix', () => {
    expect(parse({ archivePrefix: '/archive//dixa/' }).archivePrefix).toBe('archive/dixa');
  });

  it('accepts every option set together', () => {
    const config = parse({
      archiveEncryption: 'SSE-KMS',
      objectLockMode: 'GOVERNANCE',
      objectLockDays: '30',
      eraseBypassGovernance: 'true',
      transitionAfterDays: '30',
      transitionStorageClass: 'STANDARD_IA',
      expireAfterDays: '400',
      alarmEmail: 'ops@example.com',
      dixaSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa-AbCdEf',
      dixaFilesBaseUrl: 'https://files.dixa.io:443',
    });
    expect(config).toMatchObject({
      archiveEncryption: 'SSE-KMS',
      objectLockMode: 'GOVERNANCE',
      objectLockDays: 30,
      eraseBypassGovernance: true,
      transitionAfterDays: 30,
      expireAfterDays: 400,
      dixaFilesBaseUrl: 'https://files.dixa.io',
    });
  });

  it.each(BAD_VALUES)('rejects %s = %j naming the key', (key, value, message) => {
    expect(errorOf({ [key]: value })).toContain(message);
  });

  it('has a bad-value test above for every key', () => {
    const tested = new Set(BAD_VALUES.map(([key]) => key));
    expect(CONFIG_KEYS.filter((key) => !tested.has(key))).toEqual([]);
  });

  it.each([
    [{ objectLockMode: 'COMPLIANCE' }, 'Missing context "objectLockDays": required with "objectLockMode" COMPLIANCE'],
    [
      { objectLockDays: '30' },
      'Invalid context "objectLockDays": only allowed with "objectLockMode" GOVERNANCE or COMPLIANCE',
    ],
    [
      { transitionAfterDays: '10', transitionStorageClass: 'STANDARD_IA' },
      'Invalid context "transitionAfterDays": STANDARD_IA needs at least 30 days, got 10',
    ],
    [
      { transitionAfterDays: '90', expireAfterDays: '90' },
      'Invalid context "expireAfterDays": must be greater than "transitionAfterDays" (90), got 90',
    ],
    [
      { objectLockMode: 'GOVERNANCE', objectLockDays: '365', expireAfterDays: '100' },
      'Invalid context "expireAfterDays": must be at least "objectLockDays" (365), got 100',
    ],
    [
      { eraseBypassGovernance: 'true' },
      'Invalid context "eraseBypassGovernance": only allowed with "objectLockMode" GOVERNANCE, got NONE',
    ],
    [
      { objectLockMode: 'COMPLIANCE', objectLockDays: '30', eraseBypassGovernance: true },
      'Invalid context "eraseBypassGovernance": only allowed with "objectLockMode" GOVERNANCE, got COMPLIANCE',
    ],
    [
      { archiverTimeoutSeconds: '60', fetchThroughputWindowMs: '60000' },
      'Invalid context "fetchThroughputWindowMs": must be shorter than "archiverTimeoutSeconds" (60 s), got 60000',
    ],
    [
      { apiRateLimit: '100', apiBurstLimit: '50' },
      'Invalid context "apiBurstLimit": must be at least "apiRateLimit" (100), got 50',
    ],
  ])('rejects the contradictory combination %j', (context, message) => {
    expect(errorOf(context)).toBe(message);
  });

  it('allows any throughput window when the minimum-throughput rule is off', () => {
    const off = { archiverTimeoutSeconds: '60', fetchThroughputWindowMs: '60000', fetchMinBytesPerSecond: '0' };
    expect(parse(off)).toMatchObject({ fetchMinBytesPerSecond: 0, fetchThroughputWindowMs: 60_000 });
  });

  it('rejects a misspelt key instead of silently deploying its default', () => {
    expect(errorOf({ maxRecieveCount: '3' })).toMatch(
      /^Unknown context "maxRecieveCount": expected one of stackName, /,
    );
  });

  it('documents every key in docs/configuration.md, with its default', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `(\w+)` +\| ([^|]+?) +\|/gm)].map(([, key, value]) => [key!, value!.replaceAll('`', '')]),
    );
    const documented = (key: keyof typeof DEFAULT_CONFIG) => {
      const value = DEFAULT_CONFIG[key];
      return value === undefined ? rows.has(key) : rows.get(key)?.startsWith(String(value));
    };
    expect(CONFIG_KEYS.filter((key) => !documented(key))).toEqual([]);
  });

  it('has no key through which a secret value could be passed', () => {
    expect(errorOf({ dixaApiToken: 'token' })).toMatch(/^Unknown context "dixaApiToken"/);
    expect(CONFIG_KEYS.filter((key) => /token|webhookSecret|password/i.test(key))).toEqual([]);
  });

  it('ignores the CDK own context keys and feature flags', () => {
    expect(
      parse({
        '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
        'aws:cdk:bundling-stacks': [],
        'acknowledged-issue-numbers': [1],
      }),
    ).toEqual(DEFAULT_CONFIG);
  });

  it('never prints a stack trace: errors are one line', () => {
    const message = errorOf({ maxReceiveCount: 'x\ny' });
    expect(message).toContain('"x\\ny"');
    expect(message.split('\n')).toHaveLength(1);
  });
});
