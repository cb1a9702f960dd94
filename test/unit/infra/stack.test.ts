/**
 * The synthesized template, setting by setting (not a snapshot): one synth with the defaults, one with every
 * option set. Both synths run cdk-nag's AwsSolutions checks, so they also prove the stack is nag-clean.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../infra/build.ts';
import { DEFAULT_CONFIG } from '../../../infra/config.ts';
import { ArchiveBucket } from '../../../infra/constructs/archive-bucket.ts';
import { DixaSecret } from '../../../infra/constructs/dixa-secret.ts';
import type { DixaArchiverStack } from '../../../infra/stack.ts';
import {
  actionsOf,
  appWith,
  type CfnResource,
  cdkJsonContext,
  type Json,
  logicalIdAt,
  only,
  outputValue,
  type Statement,
  statementsOfRole,
  synthesize,
} from './synth.ts';

const FOURTEEN_DAYS = 14 * 24 * 3600;

function resource(template: Template, id: string): CfnResource {
  const found = template.toJSON().Resources[id] as CfnResource | undefined;
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const objectsArn = (bucketId: string, pattern: string) => ({ 'Fn::Join': ['', [getAtt(bucketId), `/${pattern}`]] });

function managedPolicyStatements(template: Template, policyId: string): Statement[] {
  return resource(template, policyId).Properties.PolicyDocument.Statement as Statement[];
}

function allPolicyStatements(template: Template): { owner: string; statement: Statement }[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.entries(policies).flatMap(([id, policy]) =>
    (policy.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({
      owner: policy.Type === 'AWS::IAM::ManagedPolicy' ? id : JSON.stringify(policy.Properties.Roles),
      statement,
    })),
  );
}

describe('the stack with the default config', () => {
  let template: Template;
  let stack: DixaArchiverStack;
  const id = (path: string) => logicalIdAt(stack, path);

  beforeAll(() => {
    ({ template, stack } = synthesize());
  });

  describe('webhook API', () => {
    it('is an HTTP API with one route, POST /webhook, proxied to the ingest Lambda with payload v2', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhook' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: getAtt(id('Ingest/Lambda/Function')),
      });
    });

    it('throttles the stage and writes JSON access logs to a retained log group', () => {
      const stage = only(template, 'AWS::ApiGatewayV2::Stage').props;
      expect(stage).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: DEFAULT_CONFIG.apiRateLimit,
          ThrottlingBurstLimit: DEFAULT_CONFIG.apiBurstLimit,
        },
        AccessLogSettings: { DestinationArn: getAtt(id('Webhook/AccessLogs')) },
      });
      const format = JSON.parse(stage.AccessLogSettings.Format);
      expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(resource(template, id('Webhook/AccessLogs'))).toMatchObject({
        Properties: { RetentionInDays: DEFAULT_CONFIG.logRetentionDays },
        DeletionPolicy: 'Retain',
      });
    });

    it('outputs the webhook URL to paste into Dixa', () => {
      const url = JSON.stringify(outputValue(template, 'WebhookUrl'));
      expect(url).toContain(`{"Ref":"${id('Webhook/Api')}"}`);
      expect(url).toMatch(/"\/webhook"\]\]/);
    });
  });

  describe('job queue', () => {
    it('is encrypted, keeps jobs 7 days and sends a job to the DLQ after maxReceiveCount receives', () => {
      expect(resource(template, id('Jobs/Queue')).Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 7 * 24 * 3600,
        RedrivePolicy: {
          deadLetterTargetArn: getAtt(id('Jobs/DeadLetterQueue')),
          maxReceiveCount: DEFAULT_CONFIG.maxReceiveCount,
        },
      });
    });

    it('has a dead-letter queue that is encrypted and keeps jobs 14 days, longer than the job queue', () => {
      const dead = resource(template, id('Jobs/DeadLetterQueue')).Properties;
      expect(dead).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: FOURTEEN_DAYS });
      const jobs = resource(template, id('Jobs/Queue')).Properties;
      expect(dead.MessageRetentionPeriod).toBeGreaterThan(jobs.MessageRetentionPeriod);
    });

    it('refuses requests without TLS on both queues', () => {
      for (const queue of ['Jobs/Queue', 'Jobs/DeadLetterQueue']) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id(queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('hides a job for at least 6 times the archiver timeout', () => {
      const timeout = resource(template, id('Archiver/Lambda/Function')).Properties.Timeout as number;
      const visibility = resource(template, id('Jobs/Queue')).Properties.VisibilityTimeout as number;
      expect(timeout).toBe(DEFAULT_CONFIG.archiverTimeoutSeconds);
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    });
  });

  describe('archiver Lambda', () => {
    it('runs Node.js 24 on arm64 with the configured memory and timeout, source maps on', () => {
      expect(resource(template, id('Archiver/Lambda/Function')).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: DEFAULT_CONFIG.archiverMemoryMiB,
        Timeout: DEFAULT_CONFIG.archiverTimeoutSeconds,
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: id('Archiver/Lambda/Logs') } },
      });
    });

    it('gets every environment variable the archiver reads', () => {
      const env = resource(template, id('Archiver/Lambda/Function')).Properties.Environment.Variables;
      expect(env).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'dixa-archiver',
        POWERTOOLS_METRICS_NAMESPACE: 'DixaArchiver',
        DIXA_SECRET_ARN: { Ref: id('DixaSecret/Secret') },
        DIXA_FILES_BASE_URL: 'https://files.dixa.io',
        JOB_QUEUE_URL: { Ref: id('Jobs/Queue') },
        DEAD_LETTER_QUEUE_URL: { Ref: id('Jobs/DeadLetterQueue') },
        MAX_RECEIVE_COUNT: String(DEFAULT_CONFIG.maxReceiveCount),
        ARCHIVE_BUCKET: { Ref: id('Archive/Bucket') },
        ARCHIVE_PREFIX: 'dixa',
        PART_SIZE_MIB: String(DEFAULT_CONFIG.partSizeMiB),
        UPLOAD_QUEUE_SIZE: String(DEFAULT_CONFIG.uploadQueueSize),
        FETCH_CONNECT_TIMEOUT_MS: String(DEFAULT_CONFIG.fetchConnectTimeoutMs),
        FETCH_IDLE_TIMEOUT_MS: String(DEFAULT_CONFIG.fetchIdleTimeoutMs),
        FETCH_MIN_BYTES_PER_SECOND: String(DEFAULT_CONFIG.fetchMinBytesPerSecond),
        FETCH_THROUGHPUT_WINDOW_MS: String(DEFAULT_CONFIG.fetchThroughputWindowMs),
        FETCH_MAX_DECODED_RATIO: String(DEFAULT_CONFIG.fetchMaxDecodedRatio),
        ARCHIVE_OBJECT_LOCK: 'false',
      });
    });

    it('consumes the job queue in small batches, reports partial failures, with low max concurrency', () => {
      expect(only(template, 'AWS::Lambda::EventSourceMapping').props).toEqual({
        EventSourceArn: getAtt(id('Jobs/Queue')),
        FunctionName: { Ref: id('Archiver/Lambda/Function') },
        BatchSize: DEFAULT_CONFIG.archiverBatchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: DEFAULT_CONFIG.archiverMaxConcurrency },
      });
      expect(DEFAULT_CONFIG.archiverMaxConcurrency).toBeLessThanOrEqual(10); // Dixa: 10 requests/s per token
    });
  });

  describe('ingest Lambda', () => {
    it('runs Node.js 24 on arm64 and gets the secret, the queue and the files host', () => {
      expect(resource(template, id('Ingest/Lambda/Function')).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: DEFAULT_CONFIG.ingestMemoryMiB,
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'dixa-archiver',
            POWERTOOLS_METRICS_NAMESPACE: 'DixaArchiver',
            DIXA_SECRET_ARN: { Ref: id('DixaSecret/Secret') },
            JOB_QUEUE_URL: { Ref: id('Jobs/Queue') },
            DIXA_FILES_BASE_URL: 'https://files.dixa.io',
          },
        },
      });
    });

    it('logs to its own retained log group with the configured retention', () => {
      for (const fn of ['Ingest', 'Archiver']) {
        expect(resource(template, id(`${fn}/Lambda/Logs`))).toMatchObject({
          Properties: { RetentionInDays: DEFAULT_CONFIG.logRetentionDays },
          DeletionPolicy: 'Retain',
        });
      }
    });
  });

  describe('Dixa secret', () => {
    it('is created with empty fields only: no secret value in the template', () => {
      const secret = only(template, 'AWS::SecretsManager::Secret').props;
      expect(secret.SecretString).toBeUndefined();
      const generate = secret.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string };
      expect(JSON.parse(generate.SecretStringTemplate)).toEqual({ apiToken: '', webhookSecret: '' });
      expect(['apiToken', 'webhookSecret']).not.toContain(generate.GenerateStringKey);
    });

    it('carries no credential anywhere in the template, nor in any Lambda environment', () => {
      const json = JSON.stringify(template.toJSON());
      expect(json.match(/"SecretString"\s*:|DIXA_API_TOKEN|DIXA_WEBHOOK_SECRET|Basic [A-Za-z0-9+/=]{8,}/g)).toBeNull();
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
        const names = Object.keys(fn.Properties.Environment.Variables);
        expect(names.filter((name) => /TOKEN|SECRET(?!_ARN)|PASSWORD|KEY/.test(name))).toEqual([]);
      }
    });

    it('may be read by the three Lambdas only (ingest, archiver, sweep)', () => {
      const readers = allPolicyStatements(template)
        .filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('secretsmanager:')))
        .map(({ owner, statement }) => {
          expect(statement.Resource).toEqual({ Ref: id('DixaSecret/Secret') });
          expect(actionsOf(statement).sort()).toEqual([
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
          ]);
          return owner;
        });
      expect(readers.sort()).toEqual(
        [
          JSON.stringify([{ Ref: id('Ingest/Lambda/Role') }]),
          JSON.stringify([{ Ref: id('Archiver/Lambda/Role') }]),
          JSON.stringify([{ Ref: id('Sweep/Lambda/Role') }]),
        ].sort(),
      );
    });
  });

  describe('archive bucket', () => {
    let bucket: CfnResource;
    beforeAll(() => {
      bucket = resource(template, id('Archive/Bucket'));
    });

    it('blocks all public access, is versioned and encrypted with SSE-S3 by default', () => {
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      template.resourceCountIs('AWS::KMS::Key', 0);
    });

    it('is retained when the stack is deleted, with its access-log bucket', () => {
      for (const path of ['Archive/Bucket', 'Archive/AccessLogs']) {
        expect(resource(template, id(path))).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
      expect(JSON.stringify(template.toJSON())).not.toContain('Custom::S3AutoDeleteObjects');
    });

    it('refuses requests without TLS (and below TLS 1.2)', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id('Archive/Bucket') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    });

    it('logs server access to a separate, private, encrypted, SSL-only bucket', () => {
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: id('Archive/AccessLogs') },
        LogFilePrefix: 'archive-bucket/',
      });
      expect(resource(template, id('Archive/AccessLogs')).Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: {
          Rules: [{ ExpirationInDays: DEFAULT_CONFIG.accessLogExpireDays, Status: 'Enabled' }],
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id('Archive/AccessLogs') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }),
          ]),
        },
      });
    });

    it('aborts incomplete multipart uploads after 1 day and expires old versions; no transition or expiry by default', () => {
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
        { Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        {
          Id: 'ExpireNoncurrentVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: DEFAULT_CONFIG.noncurrentVersionExpireDays },
          ExpiredObjectDeleteMarker: true,
        },
      ]);
    });

    it('has no Object Lock unless configured', () => {
      expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
      expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    });
  });

  describe('least privilege', () => {
    it('lets ingest only write its logs, read the secret and send to the job queue', () => {
      const statements = statementsOfRole(template, id('Ingest/Lambda/Role'));
      expect(statements.flatMap(actionsOf).sort()).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      const send = statements.find((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect(send?.Resource).toEqual(getAtt(id('Jobs/Queue')));
    });

    it('lets the archiver write and remove files under conversations/ only, consume the queue and send to the DLQ', () => {
      const statements = statementsOfRole(template, id('Archiver/Lambda/Role'));
      const byResource = (r: unknown) =>
        statements
          .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(r))
          .flatMap(actionsOf)
          .sort();
      expect(byResource(objectsArn(id('Archive/Bucket'), 'dixa/conversations/*'))).toEqual([
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:ListMultipartUploadParts',
        's3:PutObject',
      ]);
      const index = [
        objectsArn(id('Archive/Bucket'), 'dixa/ledger/*/people/*'),
        objectsArn(id('Archive/Bucket'), 'dixa/people/*'),
      ];
      // The people index: person keys only (lambdas/archiver/people.ts).
      expect(byResource(index)).toEqual(['s3:PutObject']);
      // What it stored for a conversation erased meanwhile, and nothing else.
      expect(byResource([objectsArn(id('Archive/Bucket'), 'dixa/conversations/*'), ...index])).toEqual([
        's3:DeleteObject',
        's3:DeleteObjectVersion',
      ]);
      // Never the whole prefix: receipts, tombstones and hold events are out of its reach.
      expect(byResource(objectsArn(id('Archive/Bucket'), 'dixa/*'))).toEqual([]);
      expect(JSON.stringify(statements)).not.toMatch(/tombstones|erasure-receipts|holds/);
      expect(byResource(getAtt(id('Archive/Bucket')))).toEqual(['s3:ListBucket', 's3:ListBucketVersions']);
      const versions = statements.find((s) => actionsOf(s).includes('s3:ListBucketVersions'));
      expect(versions?.Condition).toEqual({
        StringLike: { 's3:prefix': ['dixa/conversations/*', 'dixa/ledger/*', 'dixa/people/*'] },
      });
      // Every statement that can write or delete objects is on the archiver's own folders, none elsewhere.
      const writes = statements.filter((s) => actionsOf(s).some((a) => /^s3:(Put|Delete)|^s3:\*$/.test(a)));
      expect(new Set(writes.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r))))).toEqual(
        new Set(
          ['dixa/conversations/*', 'dixa/ledger/*/failures/*', 'dixa/ledger/*/people/*', 'dixa/people/*'].map(
            (folder) => JSON.stringify(objectsArn(id('Archive/Bucket'), folder)),
          ),
        ),
      );
      expect(byResource(getAtt(id('Jobs/Queue')))).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ]);
      expect(byResource(getAtt(id('Jobs/DeadLetterQueue')))).toEqual([
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      expect(byResource({ Ref: id('DixaSecret/Secret') })).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      expect(byResource(getAtt(id('Archiver/Lambda/Logs')))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      // Failure markers: written on a dead letter, looked up and removed once the file is archived after all.
      expect(byResource(objectsArn(id('Archive/Bucket'), 'dixa/ledger/*/failures/*'))).toEqual([
        's3:DeleteObject',
        's3:GetObject',
        's3:PutObject',
      ]);
      expect(statements).toHaveLength(10);
    });

    it('grants no wildcard action, no "*" resource, no delete but to erasure (and failure markers), and no AWS managed policy to the Lambdas', () => {
      const erasePolicy = id('ComplianceErase/Policy');
      const archiverRole = id('Archiver/Lambda/Role');
      const removable = JSON.stringify(
        ['conversations/*', 'ledger/*/people/*', 'people/*'].map((p) => objectsArn(id('Archive/Bucket'), `dixa/${p}`)),
      );
      const failureMarkers = JSON.stringify(objectsArn(id('Archive/Bucket'), 'dixa/ledger/*/failures/*'));
      for (const { owner, statement } of allPolicyStatements(template)) {
        for (const action of actionsOf(statement)) {
          expect(action).not.toContain('*');
          expect(action).not.toMatch(/PutBucket|PutObjectRetention|BypassGovernance/);
          // Legal holds are set only by the people with the hold policy (the archiver only with Object Lock).
          if (/PutObjectLegalHold/.test(action)) expect(owner).toBe(id('ComplianceHold/Policy'));
          if (!/Delete(Object|Bucket)/.test(action) || owner === erasePolicy) continue;
          expect(owner, action).toContain(archiverRole);
          // The archiver removes its own failure markers, and what it stored for a conversation erased meanwhile.
          if (JSON.stringify(statement.Resource) === failureMarkers) {
            expect(action).toBe('s3:DeleteObject');
            continue;
          }
          expect(action).toMatch(/^s3:DeleteObject(Version)?$/);
          expect(JSON.stringify(statement.Resource)).toBe(removable);
        }
        expect(statement.Resource).not.toBe('*');
      }
      for (const role of ['Ingest/Lambda/Role', 'Archiver/Lambda/Role', 'Sweep/Lambda/Role']) {
        expect(resource(template, id(role)).Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('exports a read-only compliance retrieval managed policy scoped to the archive prefix', () => {
      const policy = resource(template, id('ComplianceRead/Policy')).Properties;
      expect(policy.PolicyDocument.Statement).toEqual([
        {
          Sid: 'ListArchive',
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:ListBucketVersions'],
          Resource: getAtt(id('Archive/Bucket')),
          Condition: { StringLike: { 's3:prefix': ['dixa', 'dixa/*'] } },
        },
        {
          Sid: 'ReadArchive',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion'],
          Resource: objectsArn(id('Archive/Bucket'), 'dixa/*'),
        },
      ]);
      expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
      expect(outputValue(template, 'ComplianceReadPolicyArn')).toEqual({
        Ref: id('ComplianceRead/Policy'),
      });
    });
  });

  describe('erase policy', () => {
    let statements: Statement[];
    beforeAll(() => {
      statements = managedPolicyStatements(template, id('ComplianceErase/Policy'));
    });

    it('grants exactly what `erase` needs: list, read and delete conversations and their index entries, write tombstones and receipts', () => {
      const bucket = id('Archive/Bucket');
      const index = [
        objectsArn(bucket, 'dixa/ledger/*/failures/*'),
        objectsArn(bucket, 'dixa/ledger/*/people/*'),
        objectsArn(bucket, 'dixa/people/*'),
      ];
      expect(statements).toEqual([
        {
          Sid: 'ListArchive',
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:ListBucketVersions'],
          Resource: getAtt(bucket),
          Condition: { StringLike: { 's3:prefix': ['dixa/conversations/*', 'dixa/ledger/*', 'dixa/people/*'] } },
        },
        {
          Sid: 'ReadArchive',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion'],
          Resource: objectsArn(bucket, 'dixa/conversations/*'),
        },
        {
          Sid: 'ReadIndexLockState',
          Effect: 'Allow',
          Action: ['s3:GetObjectLegalHold', 's3:GetObjectRetention'],
          Resource: index,
        },
        {
          Sid: 'ReadHoldEvents',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: objectsArn(bucket, 'dixa/ledger/*/holds/*'),
        },
        {
          Sid: 'ReadObjectLockConfiguration',
          Effect: 'Allow',
          Action: 's3:GetBucketObjectLockConfiguration',
          Resource: getAtt(bucket),
        },
        {
          Sid: 'WriteTombstones',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: objectsArn(bucket, 'dixa/ledger/*/tombstones/*'),
        },
        {
          Sid: 'EraseConversations',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          Resource: [objectsArn(bucket, 'dixa/conversations/*'), ...index],
        },
        {
          Sid: 'WriteErasureReceipts',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: objectsArn(bucket, 'dixa/erasure-receipts/*'),
        },
      ]);
    });

    it('cannot delete (or read) receipts or tombstones, and only reads hold events (to name the matters it refuses for)', () => {
      for (const folder of ['erasure-receipts', 'tombstones']) {
        const on = statements.filter((s) => JSON.stringify(s.Resource).includes(folder));
        expect(on.flatMap(actionsOf)).toEqual(['s3:PutObject']);
      }
      const onHolds = statements.filter((s) => JSON.stringify(s.Resource).includes('holds'));
      expect(onHolds.flatMap(actionsOf)).toEqual(['s3:GetObject']);
      const onBucket = statements.filter(
        (s) => JSON.stringify(s.Resource) === JSON.stringify(getAtt(id('Archive/Bucket'))),
      );
      expect(onBucket.flatMap(actionsOf).sort()).toEqual([
        's3:GetBucketObjectLockConfiguration',
        's3:ListBucket',
        's3:ListBucketVersions',
      ]);
    });

    it('does not bypass governance retention without Object Lock, and is attached to nobody', () => {
      expect(statements.flatMap(actionsOf)).not.toContain('s3:BypassGovernanceRetention');
      const policy = resource(template, id('ComplianceErase/Policy')).Properties;
      expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
      expect(outputValue(template, 'ComplianceErasePolicyArn')).toEqual({ Ref: id('ComplianceErase/Policy') });
    });
  });

  describe('redrive policy', () => {
    it('lets an operator drain the dead-letter queue into the job queue, and nothing else', () => {
      expect(managedPolicyStatements(template, id('ComplianceRedrive/Policy'))).toEqual([
        {
          Sid: 'DrainDeadLetterQueue',
          Effect: 'Allow',
          Action: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ListMessageMoveTasks',
            'sqs:ReceiveMessage',
            'sqs:StartMessageMoveTask',
          ],
          Resource: getAtt(id('Jobs/DeadLetterQueue')),
        },
        {
          Sid: 'RefillJobQueue',
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
          Resource: getAtt(id('Jobs/Queue')),
        },
        {
          Sid: 'ListLedgers',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: getAtt(id('Archive/Bucket')),
          Condition: { StringLike: { 's3:prefix': ['dixa/ledger/*'] } },
        },
      ]);
      const policy = resource(template, id('ComplianceRedrive/Policy')).Properties;
      expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
      expect(outputValue(template, 'ComplianceRedrivePolicyArn')).toEqual({ Ref: id('ComplianceRedrive/Policy') });
    });
  });

  describe('alarms and dashboard', () => {
    type Alarm = Json;
    let alarms: Alarm[];
    const alarmOn = (metricName: string, dimension: Record<string, unknown>): Alarm => {
      const found = alarms.filter(
        (a) => a.MetricName === metricName && JSON.stringify(a.Dimensions) === JSON.stringify([dimension]),
      );
      expect(found, `${metricName} ${JSON.stringify(dimension)}`).toHaveLength(1);
      return found[0] as Alarm;
    };
    beforeAll(() => {
      alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    });

    it('alarms as soon as one job is in the dead-letter queue', () => {
      expect(
        alarmOn('ApproximateNumberOfMessagesVisible', {
          Name: 'QueueName',
          Value: getAtt(id('Jobs/DeadLetterQueue'), 'QueueName'),
        }),
      ).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    });

    it('alarms when the oldest job has waited too long', () => {
      expect(
        alarmOn('ApproximateAgeOfOldestMessage', { Name: 'QueueName', Value: getAtt(id('Jobs/Queue'), 'QueueName') }),
      ).toMatchObject({
        Threshold: DEFAULT_CONFIG.oldestJobAlarmMinutes * 60,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('alarms on errors and throttles of both Lambdas', () => {
      for (const fn of ['Ingest', 'Archiver']) {
        for (const metric of ['Errors', 'Throttles']) {
          expect(alarmOn(metric, { Name: 'FunctionName', Value: { Ref: id(`${fn}/Lambda/Function`) } })).toMatchObject({
            Namespace: 'AWS/Lambda',
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
          });
        }
      }
    });

    it('alarms on webhook API 5xx', () => {
      expect(alarmOn('5xx', { Name: 'ApiId', Value: { Ref: id('Webhook/Api') } })).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('sends every alarm (and its recovery) to one SSL-only SNS topic, without e-mail unless configured', () => {
      expect(alarms).toHaveLength(9);
      const topic = { Ref: id('Monitoring/AlarmTopic') };
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([topic]);
        expect(alarm.OKActions).toEqual([topic]);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topic],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('draws files and bytes archived, failures and queue depth on a dashboard', () => {
      const dashboard = only(template, 'AWS::CloudWatch::Dashboard').props;
      expect(dashboard.DashboardName).toBe(DEFAULT_CONFIG.stackName);
      // The body is JSON with the region and resource names joined in: resolve those to read it as JSON.
      const parts = dashboard.DashboardBody['Fn::Join'][1] as Json[];
      const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REF')).join(''));
      const widgets = new Map<string, Json[]>(
        body.widgets
          .filter((w: Json) => w.type === 'metric')
          .map((w: Json) => [w.properties.title, w.properties.metrics]),
      );
      const own = (name: string) => ['DixaArchiver', name, 'service', 'dixa-archiver'];
      expect(widgets.get('Files archived')?.[0]).toEqual([...own('FilesArchived'), { label: 'files', stat: 'Sum' }]);
      expect(widgets.get('Bytes archived')?.[0]).toEqual([...own('BytesArchived'), { label: 'bytes', stat: 'Sum' }]);
      const failures = JSON.stringify(widgets.get('Failures'));
      expect(failures).toContain('SEARCH(\'{DixaArchiver,reason,service} MetricName=\\"PermanentFailures\\"\'');
      expect(failures).toContain(JSON.stringify(own('Retries')).slice(1, -1));
      expect(failures).toContain('"AWS/Lambda","Errors"');
      expect(failures).toContain('"AWS/ApiGateway","5xx"');
      const depth = JSON.stringify(widgets.get('Queue depth'));
      expect(depth).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
      expect(depth).toContain('"AWS/SQS","ApproximateNumberOfMessagesNotVisible"');
      expect(body.widgets.find((w: Json) => w.type === 'alarm').properties.alarms).toHaveLength(9);
    });
  });

  it('outputs everything an operator and the CLI need', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'ArchiveBucketName',
        'ComplianceErasePolicyArn',
        'ComplianceHoldPolicyArn',
        'ComplianceReadPolicyArn',
        'ComplianceRedrivePolicyArn',
        'DashboardName',
        'DeadLetterQueueUrl',
        'JobQueueUrl',
        'SecretArn',
        'WebhookUrl',
      ].sort(),
    );
    expect(outputValue(template, 'SecretArn')).toEqual({ Ref: id('DixaSecret/Secret') });
    expect(outputValue(template, 'DeadLetterQueueUrl')).toEqual({
      Ref: id('Jobs/DeadLetterQueue'),
    });
  });

  it('acknowledges each cdk-nag finding with a written reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledged) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length, rule).toBeGreaterThan(40);
    }
  });
});

describe('the stack with every option set', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa/prod-AbCdEf';
  let template: Template;
  let stack: DixaArchiverStack;
  const id = (path: string) => logicalIdAt(stack, path);

  beforeAll(() => {
    // Strings as `-c key=value` gives them, numbers as cdk.json gives them.
    ({ template, stack } = synthesize({
      stackName: 'DixaArchiverProd',
      archivePrefix: 'archive/dixa/',
      archiveEncryption: 'SSE-KMS',
      objectLockMode: 'COMPLIANCE',
      objectLockDays: '2555',
      transitionAfterDays: 90,
      transitionStorageClass: 'DEEP_ARCHIVE',
      expireAfterDays: '3650',
      noncurrentVersionExpireDays: 7,
      accessLogExpireDays: 90,
      maxReceiveCount: '3',
      archiverMemoryMiB: 1024,
      archiverTimeoutSeconds: '900',
      archiverMaxConcurrency: 2,
      archiverBatchSize: '2',
      partSizeMiB: 16,
      uploadQueueSize: '3',
      fetchConnectTimeoutMs: 2000,
      fetchIdleTimeoutMs: '20000',
      fetchMinBytesPerSecond: '4096',
      fetchThroughputWindowMs: 60_000,
      fetchMaxDecodedRatio: '20',
      ingestMemoryMiB: 512,
      apiRateLimit: 10,
      apiBurstLimit: '20',
      dixaSecretArn: secretArn,
      alarmEmail: 'compliance@example.com',
      oldestJobAlarmMinutes: '30',
      logRetentionDays: 731,
    }));
  });

  it('names the stack and the dashboard from "stackName"', () => {
    expect(stack.stackName).toBe('DixaArchiverProd');
    expect(only(template, 'AWS::CloudWatch::Dashboard').props.DashboardName).toBe('DixaArchiverProd');
  });

  it('encrypts with a retained, rotating customer-managed KMS key and an S3 bucket key', () => {
    expect(resource(template, id('Archive/Key'))).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
    expect(resource(template, id('Archive/Bucket')).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(id('Archive/Key')) },
        },
      ],
    });
  });

  it('lets the archiver use the key for uploads and the compliance policy only decrypt', () => {
    const archiverKms = statementsOfRole(template, id('Archiver/Lambda/Role')).filter(
      (s) => JSON.stringify(s.Resource) === JSON.stringify(getAtt(id('Archive/Key'))),
    );
    expect(archiverKms.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    const compliance = resource(template, id('ComplianceRead/Policy')).Properties.PolicyDocument.Statement;
    expect(compliance).toContainEqual({
      Sid: 'DecryptArchive',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: getAtt(id('Archive/Key')),
    });
  });

  it('lets the erase policy read records and write receipts with the key, and never bypass COMPLIANCE retention', () => {
    const statements = managedPolicyStatements(template, id('ComplianceErase/Policy'));
    expect(statements).toContainEqual({
      Sid: 'UseArchiveKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: getAtt(id('Archive/Key')),
    });
    expect(statements.flatMap(actionsOf)).not.toContain('s3:BypassGovernanceRetention');
  });

  it('enables Object Lock with the default retention mode and days', () => {
    expect(resource(template, id('Archive/Bucket')).Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
      },
    });
  });

  it('transitions and expires archived objects under the prefix, and expires old versions as configured', () => {
    const rules = resource(template, id('Archive/Bucket')).Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual([
      { Id: 'AbortIncompleteUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      {
        Id: 'ExpireNoncurrentVersions',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
        ExpiredObjectDeleteMarker: true,
      },
      {
        Id: 'TransitionArchive',
        Status: 'Enabled',
        Prefix: 'archive/dixa/',
        Transitions: [{ StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 90 }],
      },
      { Id: 'ExpireArchive', Status: 'Enabled', Prefix: 'archive/dixa/conversations/', ExpirationInDays: 3650 },
    ]);
    expect(resource(template, id('Archive/AccessLogs')).Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: 90 },
    ]);
  });

  it('scopes every object grant to the normalized prefix', () => {
    const archiver = statementsOfRole(template, id('Archiver/Lambda/Role'));
    expect(archiver.map((s) => s.Resource)).toContainEqual(
      objectsArn(id('Archive/Bucket'), 'archive/dixa/conversations/*'),
    );
    const compliance = resource(template, id('ComplianceRead/Policy')).Properties.PolicyDocument.Statement;
    expect(compliance[0].Condition).toEqual({ StringLike: { 's3:prefix': ['archive/dixa', 'archive/dixa/*'] } });
    expect(compliance[1].Resource).toEqual(objectsArn(id('Archive/Bucket'), 'archive/dixa/*'));
    const erase = managedPolicyStatements(template, id('ComplianceErase/Policy'));
    expect(erase[0]?.Condition).toEqual({
      StringLike: { 's3:prefix': ['archive/dixa/conversations/*', 'archive/dixa/ledger/*', 'archive/dixa/people/*'] },
    });
    const objects = (pattern: string) => objectsArn(id('Archive/Bucket'), `archive/dixa/${pattern}`);
    const index = [objects('ledger/*/failures/*'), objects('ledger/*/people/*'), objects('people/*')];
    expect(erase.map((s) => JSON.stringify(s.Resource))).toEqual(
      [
        getAtt(id('Archive/Bucket')),
        objects('conversations/*'),
        index,
        objects('ledger/*/holds/*'),
        getAtt(id('Archive/Bucket')),
        objects('ledger/*/tombstones/*'),
        [objects('conversations/*'), ...index],
        objects('erasure-receipts/*'),
        getAtt(id('Archive/Key')),
      ].map((r) => JSON.stringify(r)),
    );
  });

  it('lets the archiver hold on arrival: PutObjectLegalHold on files and records only, never retention or a bypass', () => {
    const archiver = statementsOfRole(template, id('Archiver/Lambda/Role'));
    expect(archiver.filter((s) => actionsOf(s).some((a) => /LegalHold|Retention|Bypass/.test(a)))).toEqual([
      {
        Sid: 'HoldOnArrival',
        Effect: 'Allow',
        Action: 's3:PutObjectLegalHold',
        Resource: objectsArn(id('Archive/Bucket'), 'archive/dixa/conversations/*'),
      },
    ]);
    const env = resource(template, id('Archiver/Lambda/Function')).Properties.Environment.Variables;
    expect(env.ARCHIVE_OBJECT_LOCK).toBe('true');
    // Nobody else but the hold policy sets legal holds.
    const setters = allPolicyStatements(template)
      .filter(({ statement }) => actionsOf(statement).includes('s3:PutObjectLegalHold'))
      .map(({ owner }) => owner);
    expect(setters.sort()).toEqual(
      [JSON.stringify([{ Ref: id('Archiver/Lambda/Role') }]), id('ComplianceHold/Policy')].sort(),
    );
  });

  it('passes the archiver settings to the archiver', () => {
    expect(resource(template, id('Archiver/Lambda/Function')).Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: 900,
      Environment: {
        Variables: {
          ARCHIVE_PREFIX: 'archive/dixa',
          MAX_RECEIVE_COUNT: '3',
          PART_SIZE_MIB: '16',
          UPLOAD_QUEUE_SIZE: '3',
          FETCH_CONNECT_TIMEOUT_MS: '2000',
          FETCH_IDLE_TIMEOUT_MS: '20000',
          FETCH_MIN_BYTES_PER_SECOND: '4096',
          FETCH_THROUGHPUT_WINDOW_MS: '60000',
          FETCH_MAX_DECODED_RATIO: '20',
          DIXA_SECRET_ARN: secretArn,
        },
      },
    });
    expect(only(template, 'AWS::Lambda::EventSourceMapping').props).toMatchObject({
      BatchSize: 2,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resource(template, id('Ingest/Lambda/Function')).Properties.MemorySize).toBe(512);
  });

  it('keeps the queue visibility at 6 times the longer timeout and uses the configured maxReceiveCount', () => {
    expect(resource(template, id('Jobs/Queue')).Properties).toMatchObject({
      VisibilityTimeout: 6 * 900,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
  });

  it('imports the given secret instead of creating one, and grants only the three Lambdas', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const readers = allPolicyStatements(template).filter(({ statement }) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers.map(({ statement }) => statement.Resource)).toEqual([secretArn, secretArn, secretArn]);
    expect(readers).toHaveLength(3);
    expect(outputValue(template, 'SecretArn')).toBe(secretArn);
  });

  it('throttles the API, alarms on the configured age, keeps logs as configured, e-mails alarms', () => {
    expect(only(template, 'AWS::ApiGatewayV2::Stage').props.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 1800,
    });
    for (const logs of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logs.Properties.RetentionInDays).toBe(731);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'compliance@example.com',
      TopicArn: { Ref: id('Monitoring/AlarmTopic') },
    });
  });
});

describe('the stack with Object Lock GOVERNANCE', () => {
  const bypassStatements = (context: Record<string, unknown>) => {
    const { template, stack } = synthesize({ objectLockMode: 'GOVERNANCE', objectLockDays: 30, ...context });
    const statements = managedPolicyStatements(template, logicalIdAt(stack, 'ComplianceErase/Policy'));
    const bypass = statements.filter((s) => actionsOf(s).includes('s3:BypassGovernanceRetention'));
    return { bypass, bucket: logicalIdAt(stack, 'Archive/Bucket'), template, stack };
  };

  it('lets the erase policy bypass governance retention on what it erases only when eraseBypassGovernance allows it', () => {
    const { bypass, bucket } = bypassStatements({ eraseBypassGovernance: 'true' });
    expect(bypass).toEqual([
      {
        Sid: 'BypassGovernanceRetention',
        Effect: 'Allow',
        Action: 's3:BypassGovernanceRetention',
        Resource: ['conversations/*', 'ledger/*/failures/*', 'ledger/*/people/*', 'people/*'].map((pattern) =>
          objectsArn(bucket, `dixa/${pattern}`),
        ),
      },
    ]);
  });

  it('grants no bypass by default, and nobody else ever gets one', () => {
    const { bypass, template, stack } = bypassStatements({});
    expect(bypass).toEqual([]);
    const elsewhere = allPolicyStatements(template).filter(
      ({ owner, statement }) =>
        owner !== logicalIdAt(stack, 'ComplianceErase/Policy') &&
        actionsOf(statement).includes('s3:BypassGovernanceRetention'),
    );
    expect(elsewhere).toEqual([]);
  });
});

describe('constructs on their own', () => {
  it('ArchiveBucket: Object Lock in GOVERNANCE mode', () => {
    const stack = new Stack(new App({ context: cdkJsonContext() }));
    new ArchiveBucket(stack, 'Archive', { ...DEFAULT_CONFIG, objectLockMode: 'GOVERNANCE', objectLockDays: 30 });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
    });
  });

  it('DixaSecret: a partial ARN (no random suffix) is granted with the suffix wildcard', () => {
    const stack = new Stack(new App());
    const secret = new DixaSecret(stack, 'Secret', {
      importArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa',
    });
    secret.grantRead(new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa-??????' })],
      },
    });
  });
});

describe('cdk-nag gate', () => {
  it('fails the synth on an unacknowledged AwsSolutions finding', () => {
    const stack = buildApp(appWith());
    new Queue(stack, 'Unencrypted', { encryption: QueueEncryption.UNENCRYPTED, enforceSSL: false });
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-SQS/);
  });
});
