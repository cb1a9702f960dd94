/**
 * The one secret holding the Dixa API token and the webhook signing secret, as
 * `{"apiToken": "...", "webhookSecret": "<hex>"}`. Either created here with empty values (the operator fills it with
 * `aws secretsmanager put-secret-value`, so no secret value is ever in the template or in context) or imported.
 */
import { Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface DixaSecretProps {
  /** Use this existing secret instead of creating one. */
  importArn: string | undefined;
}

/** The fields the Lambdas read (lambdas/aws/secrets.ts); empty until the operator puts the real values. */
export const EMPTY_SECRET = { apiToken: '', webhookSecret: '' };

export class DixaSecret extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: DixaSecretProps) {
    super(scope, id);
    if (props.importArn) {
      // A complete ARN ends with the 6-character suffix Secrets Manager appends to the name.
      this.secret = /-[A-Za-z0-9]{6}$/.test(props.importArn)
        ? Secret.fromSecretCompleteArn(this, 'Secret', props.importArn)
        : Secret.fromSecretPartialArn(this, 'Secret', props.importArn);
      return;
    }
    const secret = new Secret(this, 'Secret', {
      description: 'Dixa API token and webhook signing secret: {"apiToken": "...", "webhookSecret": "..."}',
      // CloudFormation needs some initial value; a random one under an unused key keeps every real field empty.
      generateSecretString: {
        secretStringTemplate: JSON.stringify(EMPTY_SECRET),
        generateStringKey: 'placeholder',
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The Dixa API token is issued in the Dixa UI and the signing secret is shown when the webhook is created; ' +
        'neither can be rotated by a Lambda. The README explains how to replace them.',
    });
    this.secret = secret;
  }

  grantRead(grantee: IGrantable): void {
    this.secret.grantRead(grantee);
  }
}
