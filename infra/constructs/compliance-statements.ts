/**
 * IAM statements shared by the compliance policies (ComplianceReadPolicy, ComplianceErasePolicy): listing and reading
 * archived objects, their versions and their Object Lock state under one key prefix, and using the archive's KMS key.
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ArchiveBucket } from './archive-bucket.ts';

export interface ListAndReadScope {
  /** `s3:prefix` values (StringLike) the bucket may be listed with, current objects and versions alike. */
  listPrefixes: string[];
  /** The objects that may be read, e.g. `dixa/*`. */
  objectsPattern: string;
}

export function listAndReadStatements(archive: ArchiveBucket, scope: ListAndReadScope): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'ListArchive',
      actions: ['s3:ListBucket', 's3:ListBucketVersions'],
      resources: [archive.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': scope.listPrefixes } },
    }),
    new PolicyStatement({
      sid: 'ReadArchive',
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
      resources: [archive.bucket.arnForObjects(scope.objectsPattern)],
    }),
  ];
}

/** Use of the customer-managed key, when the archive has one (SSE-KMS); none with SSE-S3. */
export function archiveKeyStatements(archive: ArchiveBucket, sid: string, actions: string[]): PolicyStatement[] {
  return archive.key ? [new PolicyStatement({ sid, actions, resources: [archive.key.keyArn] })] : [];
}
