/**
 * The IAM managed policy handed to the compliance team: list, read and verify archived files and their versions
 * (and see their Object Lock retention) under the archive prefix — nothing else, no write, no delete.
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';

export class ComplianceReadPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, archive: ArchiveBucket, archivePrefix: string) {
    super(scope, id);
    const statements = [
      new PolicyStatement({
        sid: 'ListArchive',
        actions: ['s3:ListBucket', 's3:ListBucketVersions'],
        resources: [archive.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [archivePrefix, `${archivePrefix}/*`] } },
      }),
      new PolicyStatement({
        sid: 'ReadArchive',
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
        resources: [archive.bucket.arnForObjects(archive.objectsPattern)],
      }),
    ];
    if (archive.key) {
      statements.push(
        new PolicyStatement({ sid: 'DecryptArchive', actions: ['kms:Decrypt'], resources: [archive.key.keyArn] }),
      );
    }
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Read-only access to the Dixa archive (list, get, verify) for the compliance team',
      statements,
    });
    acknowledgeWildcardResource(
      this.policy,
      `${nagRef(archive.bucket)}/${archive.objectsPattern}`,
      'Compliance retrieval reads any archived file; the grant is confined to the archive prefix and is read-only.',
    );
  }
}
