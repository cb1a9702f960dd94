/**
 * The IAM managed policy handed to the compliance team: list, read and verify archived files and their versions
 * (and see their Object Lock retention) under the archive prefix — nothing else, no write, no delete.
 */
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource, nagRef } from '../nag.ts';
import type { ArchiveBucket } from './archive-bucket.ts';
import { archiveKeyStatements, listAndReadStatements } from './compliance-statements.ts';

export class ComplianceReadPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, archive: ArchiveBucket, archivePrefix: string) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Read-only access to the Dixa archive (list, get, verify) for the compliance team',
      statements: [
        ...listAndReadStatements(archive, {
          listPrefixes: [archivePrefix, `${archivePrefix}/*`],
          objectsPattern: archive.objectsPattern,
        }),
        ...archiveKeyStatements(archive, 'DecryptArchive', ['kms:Decrypt']),
      ],
    });
    acknowledgeWildcardResource(
      this.policy,
      `${nagRef(archive.bucket)}/${archive.objectsPattern}`,
      'Compliance retrieval reads any archived file; the grant is confined to the archive prefix and is read-only.',
    );
  }
}
