/**
 * The archive: a private, SSL-only, versioned bucket that is never deleted with the stack, encrypted with SSE-S3 or
 * a customer-managed KMS key, its access logged to a separate bucket, with lifecycle rules for incomplete uploads,
 * old versions, and (optionally) a colder storage class and an expiry, and optional Object Lock.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  ObjectLockRetention,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { conversationsRoot } from '../../lambdas/core/keys.ts';
import type { StackConfig } from '../config.ts';

export type ArchiveBucketProps = Pick<
  StackConfig,
  | 'archivePrefix'
  | 'archiveEncryption'
  | 'transitionAfterDays'
  | 'transitionStorageClass'
  | 'expireAfterDays'
  | 'noncurrentVersionExpireDays'
  | 'objectLockMode'
  | 'objectLockDays'
  | 'accessLogExpireDays'
>;

export class ArchiveBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  /** The customer-managed key, when `archiveEncryption` is SSE-KMS. */
  readonly key: Key | undefined;
  /** `<prefix>/*`: the only objects the pipeline and the compliance policy touch. */
  readonly objectsPattern: string;
  /** Whether the bucket has Object Lock (objectLockMode GOVERNANCE or COMPLIANCE): S3 legal holds can be set. */
  readonly objectLock: boolean;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    this.objectsPattern = `${props.archivePrefix}/*`;

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED, // the only encryption S3 server access logging can write to
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(props.accessLogExpireDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.key =
      props.archiveEncryption === 'SSE-KMS'
        ? new Key(this, 'Key', {
            description: 'Encrypts the Dixa archive bucket',
            enableKeyRotation: true,
            removalPolicy: RemovalPolicy.RETAIN, // the archived data cannot be read without it
          })
        : undefined;

    const objectLock =
      props.objectLockMode === 'NONE' || props.objectLockDays === undefined
        ? undefined
        : props.objectLockMode === 'COMPLIANCE'
          ? ObjectLockRetention.compliance(Duration.days(props.objectLockDays))
          : ObjectLockRetention.governance(Duration.days(props.objectLockDays));

    this.objectLock = objectLock !== undefined;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      ...(this.key
        ? { encryption: BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'archive-bucket/',
      lifecycleRules: lifecycleRules(props),
      ...(objectLock ? { objectLockEnabled: true, objectLockDefaultRetention: objectLock } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

const STORAGE_CLASSES: Record<StackConfig['transitionStorageClass'], StorageClass> = {
  STANDARD_IA: StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: StorageClass.INTELLIGENT_TIERING,
  GLACIER_IR: StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: StorageClass.GLACIER,
  DEEP_ARCHIVE: StorageClass.DEEP_ARCHIVE,
};

function lifecycleRules(props: ArchiveBucketProps): LifecycleRule[] {
  const archive = `${props.archivePrefix}/`;
  const rules: LifecycleRule[] = [
    // Backstop for uploads a crashed or timed-out archiver could not abort itself.
    { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    // Overwritten versions, and versions hidden by a delete marker (a delete without a version id, ExpireArchive),
    // disappear for good after this delay; then their delete markers go too. `erase` needs no such delay: it deletes
    // by version id, which is permanent at once.
    {
      id: 'ExpireNoncurrentVersions',
      noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpireDays),
      expiredObjectDeleteMarker: true,
    },
  ];
  if (props.transitionAfterDays !== undefined) {
    rules.push({
      id: 'TransitionArchive',
      prefix: archive,
      transitions: [
        {
          storageClass: STORAGE_CLASSES[props.transitionStorageClass],
          transitionAfter: Duration.days(props.transitionAfterDays),
        },
      ],
    });
  }
  if (props.expireAfterDays !== undefined) {
    // Files and records only: erasure receipts are the proof that data was erased and must outlive it.
    const files = conversationsRoot(props.archivePrefix);
    rules.push({ id: 'ExpireArchive', prefix: files, expiration: Duration.days(props.expireAfterDays) });
  }
  return rules;
}
