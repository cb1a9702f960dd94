/**
 * The IAM managed policy for a tightly held erasure role: exactly what `dixa-archiver erase` needs, nothing more.
 * It lists and reads a conversation's versions, its ledger and their Object Lock state (the plan), writes the
 * conversation's tombstone, deletes its versions and people-index entries by version id, and writes the erasure
 * receipt. Deletion reaches `<prefix>/conversations/`, the ledger's `people/` and `failures/` and `<prefix>/people/`
 * only; tombstones and receipts can be written, never deleted; hold events are out of reach. s3:BypassGovernanceRetention only when
 * the bucket's Object Lock is GOVERNANCE and the deployer allowed it (context `eraseBypassGovernance`).
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { conversationsRoot, ledgerRoot, peopleRoot, receiptPrefix } from '../../lambdas/core/keys.ts';
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
    const ledger = ledgerRoot(props.archivePrefix);
    const tombstones = `${ledger}*/tombstones/*`;
    // A conversation's people-index entries (both directions) and failure markers: erased with it.
    const indexEntries = [`${ledger}*/people/*`, `${ledger}*/failures/*`, `${peopleRoot(props.archivePrefix)}*`];
    const conversationObjects = archive.bucket.arnForObjects(conversations);
    const indexObjects = indexEntries.map((pattern) => archive.bucket.arnForObjects(pattern));

    const statements = [
      ...listAndReadStatements(archive, {
        listPrefixes: [conversations, `${ledger}*`, `${peopleRoot(props.archivePrefix)}*`],
        objectsPattern: conversations,
      }),
      new PolicyStatement({
        sid: 'ReadIndexLockState',
        actions: ['s3:GetObjectRetention', 's3:GetObjectLegalHold'],
        resources: indexObjects,
      }),
      // `erase` asks the bucket first whether Object Lock is on, instead of asking every version.
      new PolicyStatement({
        sid: 'ReadObjectLockConfiguration',
        actions: ['s3:GetBucketObjectLockConfiguration'],
        resources: [archive.bucket.bucketArn],
      }),
      new PolicyStatement({
        sid: 'WriteTombstones',
        actions: ['s3:PutObject'],
        resources: [archive.bucket.arnForObjects(tombstones)],
      }),
      new PolicyStatement({
        sid: 'EraseConversations',
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [conversationObjects, ...indexObjects],
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
          resources: [conversationObjects, ...indexObjects],
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
      `${bucket}/${tombstones}`,
      'Each erasure writes a new tombstone whose key carries the conversation and the time; PutObject only (with ' +
        'If-None-Match), confined to the ledger tombstones, so tombstones can be added but never deleted.',
    );
    for (const pattern of indexEntries) {
      acknowledgeWildcardResource(
        this.policy,
        `${bucket}/${pattern}`,
        "An erasure removes the conversation's people-index entries and failure markers, whose keys (person keys, " +
          'link hashes) are not known in advance; confined to those folders of the archive prefix.',
      );
    }
    acknowledgeWildcardResource(
      this.policy,
      `${bucket}/${receipts}`,
      'Each erasure writes a new receipt whose key carries the time and conversation; the grant is PutObject only, ' +
        'confined to the receipts folder, so receipts can be added but never deleted.',
    );
  }
}
