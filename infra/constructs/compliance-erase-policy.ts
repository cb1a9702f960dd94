/**
 * The IAM managed policy for a tightly held erasure role: exactly what `dixa-archiver erase` needs, nothing more.
 * It lists and reads a conversation's versions, its ledger and their Object Lock state (the plan), reads its hold
 * events (a held conversation is refused, naming the matters), writes the conversation's (or a message's) tombstone,
 * deletes its versions and people-index entries by version id, and writes the erasure receipt. Deletion reaches
 * `<prefix>/conversations/`, the ledger's `people/` and `failures/` and `<prefix>/people/` only; tombstones and
 * receipts can be written, never deleted; hold events can be read, never written. s3:BypassGovernanceRetention only
 * when the bucket's Object Lock is GOVERNANCE and the deployer allowed it (context `eraseBypassGovernance`).
 *
 * The same statements (`erasureStatements`) go to the sweep's role when it follows Dixa's anonymization by erasing.
 */
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { conversationsRoot, ledgerRoot, peopleRoot, receiptPrefix } from '../../lambdas/core/keys.ts';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import { archiveKeyStatements, listAndReadStatements } from './compliance-statements.ts';

export interface ComplianceErasePolicyProps {
  archive: ArchiveBucket;
  archivePrefix: string;
  /** Allow s3:BypassGovernanceRetention; only meaningful (and only accepted by the config) with GOVERNANCE. */
  bypassGovernance: boolean;
  /** Add the use of the archive's KMS key (default); off where the holder is granted it otherwise. */
  useKey?: boolean;
}

export class ComplianceErasePolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ComplianceErasePolicyProps) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Erase Dixa conversations from the archive and write erasure receipts (dixa-archiver erase)',
      statements: erasureStatements(props),
    });
    acknowledgeErasureWildcards(this.policy, props.archive, props.archivePrefix);
  }
}

/** The key patterns an erasure touches (lambdas/core/keys.ts). */
function erasurePatterns(archivePrefix: string) {
  const ledger = ledgerRoot(archivePrefix);
  return {
    conversations: `${conversationsRoot(archivePrefix)}*`,
    receipts: `${receiptPrefix(archivePrefix)}*`,
    ledger,
    tombstones: `${ledger}*/tombstones/*`,
    holdEvents: `${ledger}*/holds/*`,
    // A conversation's people-index entries (both directions) and failure markers: erased with it.
    indexEntries: [`${ledger}*/people/*`, `${ledger}*/failures/*`, `${peopleRoot(archivePrefix)}*`],
  };
}

export function erasureStatements(props: ComplianceErasePolicyProps): PolicyStatement[] {
  const { archive } = props;
  const p = erasurePatterns(props.archivePrefix);
  const conversationObjects = archive.bucket.arnForObjects(p.conversations);
  const indexObjects = p.indexEntries.map((pattern) => archive.bucket.arnForObjects(pattern));

  const statements = [
    ...listAndReadStatements(archive, {
      listPrefixes: [p.conversations, `${p.ledger}*`, `${peopleRoot(props.archivePrefix)}*`],
      objectsPattern: p.conversations,
    }),
    new PolicyStatement({
      sid: 'ReadIndexLockState',
      actions: ['s3:GetObjectRetention', 's3:GetObjectLegalHold'],
      resources: indexObjects,
    }),
    // `erase` refuses a held conversation and names the matters: it reads the hold events, never writes them.
    new PolicyStatement({
      sid: 'ReadHoldEvents',
      actions: ['s3:GetObject'],
      resources: [archive.bucket.arnForObjects(p.holdEvents)],
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
      resources: [archive.bucket.arnForObjects(p.tombstones)],
    }),
    new PolicyStatement({
      sid: 'EraseConversations',
      actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [conversationObjects, ...indexObjects],
    }),
    new PolicyStatement({
      sid: 'WriteErasureReceipts',
      actions: ['s3:PutObject'],
      resources: [archive.bucket.arnForObjects(p.receipts)],
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
  if (props.useKey !== false) {
    statements.push(...archiveKeyStatements(archive, 'UseArchiveKey', ['kms:Decrypt', 'kms:GenerateDataKey']));
  }
  return statements;
}

/** The cdk-nag acknowledgements for `erasureStatements`, on the policy or role that carries them. */
export function acknowledgeErasureWildcards(on: IConstruct, archive: ArchiveBucket, archivePrefix: string): void {
  const p = erasurePatterns(archivePrefix);
  const bucket = nagRef(archive.bucket);
  acknowledgeWildcardResource(
    on,
    `${bucket}/${p.conversations}`,
    'An erasure removes every version of every object of one conversation, whose keys are not known in advance; ' +
      'the grant is confined to the conversations folder of the archive prefix.',
  );
  acknowledgeWildcardResource(
    on,
    `${bucket}/${p.tombstones}`,
    'Each erasure writes a new tombstone whose key carries the conversation and the time; PutObject only (with ' +
      'If-None-Match), confined to the ledger tombstones, so tombstones can be added but never deleted.',
  );
  acknowledgeWildcardResource(
    on,
    `${bucket}/${p.holdEvents}`,
    'A held conversation is refused, naming the matters: hold events are read (GetObject only), confined to the ' +
      'ledgers’ holds folders; they can be neither written nor deleted.',
  );
  for (const pattern of p.indexEntries) {
    acknowledgeWildcardResource(
      on,
      `${bucket}/${pattern}`,
      "An erasure removes the conversation's people-index entries and failure markers, whose keys (person keys, " +
        'link hashes) are not known in advance; confined to those folders of the archive prefix.',
    );
  }
  acknowledgeWildcardResource(
    on,
    `${bucket}/${p.receipts}`,
    'Each erasure writes a new receipt whose key carries the time and conversation; the grant is PutObject only, ' +
      'confined to the receipts folder, so receipts can be added but never deleted.',
  );
}
