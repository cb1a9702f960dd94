/**
 * The IAM managed policy for a tightly held erasure role: exactly what `dixa-archiver erase` needs, nothing more.
 * It lists and reads a conversation's versions and their Object Lock state (the plan), deletes them by version id,
 * and writes the erasure receipt. Deletion reaches `<prefix>/conversations/` only; receipts can be written, never
 * deleted; nothing else under the prefix (or in the bucket) is reachable. s3:BypassGovernanceRetention only when
 * the bucket's Object Lock is GOVERNANCE and the deployer allowed it (context `eraseBypassGovernance`).
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { conversationsRoot, receiptPrefix } from '../../lambdas/core/keys.ts';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import { archiveKeyStatements, listAndReadStatements } from './compliance-statements.ts';

export interface ComplianceErasePolicyProps {
  archive: ArchiveBucket;
  archivePrefix: string;
  /** Allow s3:BypassGovernanceRetention; only meaningful (and only accepted by the config) with GOVERNANCE. */
  bypassGovernance: boolean;
}

export class ComplianceErasePolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ComplianceErasePolicyProps) {
    super(scope, id);
    const { archive } = props;
    // The key layout's own folders (lambdas/core/keys.ts): `<prefix>/conversations/*`, `<prefix>/erasure-receipts/*`.
    const conversations = `${conversationsRoot(props.archivePrefix)}*`;
    const receipts = `${receiptPrefix(props.archivePrefix)}*`;
    const conversationObjects = archive.bucket.arnForObjects(conversations);

    const statements = [
      ...listAndReadStatements(archive, { listPrefixes: [conversations], objectsPattern: conversations }),
      // `erase` asks the bucket first whether Object Lock is on, instead of asking every version.
      new PolicyStatement({
        sid: 'ReadObjectLockConfiguration',
        actions: ['s3:GetBucketObjectLockConfiguration'],
        resources: [archive.bucket.bucketArn],
      }),
      new PolicyStatement({
        sid: 'EraseConversations',
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [conversationObjects],
      }),
      new PolicyStatement({
        sid: 'WriteErasureReceipts',
        actions: ['s3:PutObject'],
        resources: [archive.bucket.arnForObjects(receipts)],
      }),
    ];
    if (props.bypassGovernance) {
      statements.push(
        new PolicyStatement({
          sid: 'BypassGovernanceRetention',
          actions: ['s3:BypassGovernanceRetention'],
          resources: [conversationObjects],
        }),
      );
    }
    // Decrypt to read the provenance records; GenerateDataKey to write the receipt (S3 asks KMS for a data key).
    statements.push(...archiveKeyStatements(archive, 'UseArchiveKey', ['kms:Decrypt', 'kms:GenerateDataKey']));

    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Erase Dixa conversations from the archive and write erasure receipts (dixa-archiver erase)',
      statements,
    });
    const bucket = nagRef(archive.bucket);
    acknowledgeWildcardResource(
      this.policy,
      `${bucket}/${conversations}`,
      'An erasure removes every version of every object of one conversation, whose keys are not known in advance; ' +
        'the grant is confined to the conversations folder of the archive prefix.',
    );
    acknowledgeWildcardResource(
      this.policy,
      `${bucket}/${receipts}`,
      'Each erasure writes a new receipt whose key carries the time and conversation; the grant is PutObject only, ' +
        'confined to the receipts folder, so receipts can be added but never deleted.',
    );
  }
}
