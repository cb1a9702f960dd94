/** The managed policy for hold managers: what `dixa-archiver hold` needs, and nothing that deletes or unlocks. */
import { describe, expect, it } from 'vitest';
import { actionsOf, type Json, logicalIdAt, outputValue, type Statement, synthesize } from './synth.ts';

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objectsArn = (bucketId: string, pattern: string) => ({ 'Fn::Join': ['', [getAtt(bucketId), `/${pattern}`]] });

describe('ComplianceHoldPolicy', () => {
  const { template, stack } = synthesize({ objectLockMode: 'COMPLIANCE', objectLockDays: '3650' });
  const id = (path: string) => logicalIdAt(stack, path);
  const policy = template.toJSON().Resources[id('ComplianceHold/Policy')].Properties as Json;
  const statements = policy.PolicyDocument.Statement as Statement[];
  const bucket = id('Archive/Bucket');
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;

  it('sets legal holds on conversation objects, adds hold events, and reads what it needs', () => {
    expect(actionsOf(bySid('SetLegalHolds'))).toEqual(['s3:PutObjectLegalHold']);
    expect(bySid('SetLegalHolds').Resource).toEqual(objectsArn(bucket, 'dixa/conversations/*'));
    expect(actionsOf(bySid('ReadAndAddHoldEvents'))).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(bySid('ReadAndAddHoldEvents').Resource).toEqual(objectsArn(bucket, 'dixa/ledger/*/holds/*'));
    expect(actionsOf(bySid('ReadBucketSettings'))).toEqual([
      's3:GetBucketObjectLockConfiguration',
      's3:GetLifecycleConfiguration',
    ]);
    expect(bySid('ListConversationsAndLedgers').Condition).toEqual({
      StringLike: { 's3:prefix': ['dixa/conversations/*', 'dixa/ledger/', 'dixa/ledger/*'] },
    });
  });

  it('can delete nothing, change no retention, bypass nothing, and write nowhere but hold events', () => {
    const actions = statements.flatMap(actionsOf);
    for (const forbidden of [/Delete/, /Retention/, /Bypass/, /\*/]) {
      expect(
        actions.filter((a) => forbidden.test(a)),
        String(forbidden),
      ).toEqual([]);
    }
    const writers = statements.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(writers.map((s) => s.Resource)).toEqual([objectsArn(bucket, 'dixa/ledger/*/holds/*')]);
  });

  it('is a stack output, like the other compliance policies', () => {
    expect(outputValue(template, 'ComplianceHoldPolicyArn')).toEqual({ Ref: id('ComplianceHold/Policy') });
  });
});
