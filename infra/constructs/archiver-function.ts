/**
 * The archiver Lambda (lambdas/archiver/handler.ts): consumes file jobs, streams each file from Dixa into the
 * archive bucket, moves permanent failures to the dead-letter queue. It may only read the Dixa secret, consume
 * the job queue, send to the DLQ, read/write files and records under `<prefix>/conversations/` (deleting only what it
 * stored for a conversation erased meanwhile), list the bucket (the "already archived?" check, the ledger), and note, read and remove its own failure
 * markers in the ledger. On an Object Lock bucket it may also set and clear S3's legal hold under
 * `<prefix>/conversations/`: the files of a held conversation are held on arrival.
 */
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { conversationsRoot, ledgerPrefix, ledgerRoot, peopleRoot } from '../../lambdas/core/keys.ts';
import type { StackConfig } from '../config.ts';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import type { DixaSecret } from './dixa-secret.ts';
import type { JobQueue } from './job-queue.ts';
import { NodeFunction } from './node-function.ts';

export type ArchiverSettings = Pick<
  StackConfig,
  | 'archivePrefix'
  | 'archiverMemoryMiB'
  | 'archiverTimeoutSeconds'
  | 'archiverMaxConcurrency'
  | 'archiverBatchSize'
  | 'maxReceiveCount'
  | 'partSizeMiB'
  | 'uploadQueueSize'
  | 'fetchConnectTimeoutMs'
  | 'fetchIdleTimeoutMs'
  | 'fetchMinBytesPerSecond'
  | 'fetchThroughputWindowMs'
  | 'fetchMaxDecodedRatio'
  | 'dixaFilesBaseUrl'
>;

export interface ArchiverFunctionProps {
  settings: ArchiverSettings;
  secret: DixaSecret;
  jobs: JobQueue;
  archive: ArchiveBucket;
  logRetention: RetentionDays;
}

export class ArchiverFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ArchiverFunctionProps) {
    super(scope, id);
    const { settings, jobs, archive } = props;
    const { function: fn } = new NodeFunction(this, 'Lambda', {
      entry: 'lambdas/archiver/handler.ts',
      description: 'Streams Dixa files into the archive bucket',
      memoryMiB: settings.archiverMemoryMiB,
      timeout: Duration.seconds(settings.archiverTimeoutSeconds),
      logRetention: props.logRetention,
      environment: {
        DIXA_SECRET_ARN: props.secret.secret.secretArn,
        DIXA_FILES_BASE_URL: settings.dixaFilesBaseUrl,
        JOB_QUEUE_URL: jobs.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: jobs.deadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
        ARCHIVE_BUCKET: archive.bucket.bucketName,
        ARCHIVE_PREFIX: settings.archivePrefix,
        PART_SIZE_MIB: String(settings.partSizeMiB),
        UPLOAD_QUEUE_SIZE: String(settings.uploadQueueSize),
        FETCH_CONNECT_TIMEOUT_MS: String(settings.fetchConnectTimeoutMs),
        FETCH_IDLE_TIMEOUT_MS: String(settings.fetchIdleTimeoutMs),
        FETCH_MIN_BYTES_PER_SECOND: String(settings.fetchMinBytesPerSecond),
        FETCH_THROUGHPUT_WINDOW_MS: String(settings.fetchThroughputWindowMs),
        FETCH_MAX_DECODED_RATIO: String(settings.fetchMaxDecodedRatio),
        ARCHIVE_OBJECT_LOCK: String(archive.objectLock),
      },
    });

    props.secret.grantRead(fn);
    // Consume (receive, delete, change visibility: the 429 back-off) comes with the event source.
    fn.addEventSource(
      new SqsEventSource(jobs.queue, {
        batchSize: settings.archiverBatchSize,
        maxConcurrency: settings.archiverMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    jobs.deadLetterQueue.grantSendMessages(fn);

    // The archiver's own folder (lambdas/core/keys.ts): files and records under `<prefix>/conversations/`.
    const conversations = `${conversationsRoot(settings.archivePrefix)}*`;
    const conversationObjects = archive.bucket.arnForObjects(conversations);
    // The people index it writes (both directions; lambdas/archiver/people.ts): person keys only, never addresses.
    const peopleIndex = [`${ledgerRoot(settings.archivePrefix)}*/people/*`, `${peopleRoot(settings.archivePrefix)}*`];
    const peopleObjects = peopleIndex.map((pattern) => archive.bucket.arnForObjects(pattern));
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ArchiveFiles',
        // GetObject also authorizes HeadObject (the "already archived?" check) and reading a stored file back.
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [conversationObjects],
      }),
    );
    // A failure marker is written when a job is dead-lettered, and looked up and removed once the file is archived
    // after all (for the daily sweep); nothing else of the ledger is the archiver's to write.
    const failureMarkers = `${ledgerPrefix(settings.archivePrefix, '*')}failures/*`;
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'FailureMarkers',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [archive.bucket.arnForObjects(failureMarkers)],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'IndexPeople',
        actions: ['s3:PutObject'],
        resources: peopleObjects,
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'RemoveWritesForErasedConversations',
        // A job in flight during an erasure deletes what it stored once it finds the tombstone (archive-file.ts,
        // people.ts): every version of its own file and record, or of the conversation's index entries.
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [conversationObjects, ...peopleObjects],
      }),
    );
    if (archive.objectLock) {
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'HoldOnArrival',
          // A file of a held conversation is created under legal hold (PutObject's legal-hold header needs this
          // action too), and a job that raced a hold or a release brings its own file and record in step.
          actions: ['s3:PutObjectLegalHold'],
          resources: [conversationObjects],
        }),
      );
    }
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ListArchive',
        // Without ListBucket, S3 answers HeadObject of a missing key with 403 instead of 404, and the archiver could
        // not tell "not archived yet" from "denied"; it also reads a conversation's ledger (tombstones) by listing.
        // It reveals key names only, never object contents.
        actions: ['s3:ListBucket'],
        resources: [archive.bucket.bucketArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ListVersionsOfFiles',
        actions: ['s3:ListBucketVersions'],
        resources: [archive.bucket.bucketArn],
        conditions: {
          StringLike: {
            's3:prefix': [
              conversations,
              `${ledgerRoot(settings.archivePrefix)}*`,
              `${peopleRoot(settings.archivePrefix)}*`,
            ],
          },
        },
      }),
    );
    // SSE-KMS: multipart uploads need GenerateDataKey (new data keys) and Decrypt (completing, reading back).
    archive.key?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    for (const pattern of peopleIndex) {
      acknowledgeWildcardResource(
        fn.role ?? fn,
        `${nagRef(archive.bucket)}/${pattern}`,
        'People-index keys are derived from person keys and conversation ids at run time; confined to the index folders.',
      );
    }
    acknowledgeWildcardResource(
      fn.role ?? fn,
      `${nagRef(archive.bucket)}/${conversations}`,
      'Object keys are derived from each job at run time; the grant is confined to the conversations folder of the ' +
        'archive prefix (not receipts, tombstones or the ledger).',
    );
    acknowledgeWildcardResource(
      fn.role ?? fn,
      `${nagRef(archive.bucket)}/${failureMarkers}`,
      'Failure markers are keyed by conversation and link hash; the grant is confined to the ledger failures folders.',
    );
    this.function = fn;
  }
}
