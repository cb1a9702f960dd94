/**
 * The IAM managed policy for the people allowed to place and release legal holds (`dixa-archiver hold`): read the
 * conversations' files and records (what is held), list and read the ledgers' hold events, write new hold events
 * (PutObject only: events are never changed or deleted), and set or clear S3 legal holds on the conversations'
 * object versions. Nothing is deleted; no retention is changed; nothing outside the archive prefix is reachable.
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { conversationsRoot, ledgerRoot } from '../../lambdas/core/keys.ts';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import { archiveKeyStatements } from './compliance-statements.ts';

export class ComplianceHoldPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, archive: ArchiveBucket, archivePrefix: string) {
    super(scope, id);
    const conversations = `${conversationsRoot(archivePrefix)}*`;
    const ledger = ledgerRoot(archivePrefix);
    const holdEvents = `${ledger}*/holds/*`;
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Place, release and list legal holds on archived Dixa conversations (dixa-archiver hold)',
      statements: [
        new PolicyStatement({
          sid: 'ListConversationsAndLedgers',
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [archive.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [conversations, ledger, `${ledger}*`] } },
        }),
        new PolicyStatement({
          sid: 'ReadBucketSettings',
          // Whether S3 legal holds apply (Object Lock), and whether lifecycle expiry could outrun a hold.
          actions: ['s3:GetBucketObjectLockConfiguration', 's3:GetLifecycleConfiguration'],
          resources: [archive.bucket.bucketArn],
        }),
        new PolicyStatement({
          sid: 'ReadHeldConversations',
          actions: ['s3:GetObject', 's3:GetObjectLegalHold'],
          resources: [archive.bucket.arnForObjects(conversations)],
        }),
        new PolicyStatement({
          sid: 'SetLegalHolds',
          actions: ['s3:PutObjectLegalHold'],
          resources: [archive.bucket.arnForObjects(conversations)],
        }),
        new PolicyStatement({
          sid: 'ReadAndAddHoldEvents',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [archive.bucket.arnForObjects(holdEvents)],
        }),
        ...archiveKeyStatements(archive, 'UseArchiveKey', ['kms:Decrypt', 'kms:GenerateDataKey']),
      ],
    });
    const bucket = nagRef(archive.bucket);
    acknowledgeWildcardResource(
      this.policy,
      `${bucket}/${conversations}`,
      'A hold covers every version of every file and record of a conversation, whose keys are not known in advance; ' +
        'confined to the conversations folder; read and legal hold only, no delete.',
    );
    acknowledgeWildcardResource(
      this.policy,
      `${bucket}/${holdEvents}`,
      'Hold events are keyed by conversation, time and matter key; confined to the ledgers’ holds folders; ' +
        'PutObject adds events (written with If-None-Match), nothing can be deleted.',
    );
  }
}
