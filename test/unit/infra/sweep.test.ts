/**
 * The daily completeness sweep in the stack: its schedule, its least-privilege role, its alarms, and the context
 * keys that steer it (sweepSchedule, sweepDays, followAnonymization, sweepMissedFilesAlarmThreshold).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig } from '../../../infra/config.ts';
import type { DixaArchiverStack } from '../../../infra/stack.ts';
import { actionsOf, type Json, logicalIdAt, type Statement, statementsOfRole, synthesize } from './synth.ts';

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const objectsArn = (bucketId: string, pattern: string) => ({ 'Fn::Join': ['', [getAtt(bucketId), `/${pattern}`]] });

function sweepOf(context: Record<string, unknown> = {}) {
  const { template, stack } = synthesize(context);
  const id = (path: string) => logicalIdAt(stack, path);
  const fn = template.toJSON().Resources[id('Sweep/Lambda/Function')].Properties as Json;
  return { template, stack, id, fn, statements: statementsOfRole(template, id('Sweep/Lambda/Role')) };
}

describe('the sweep with the default config', () => {
  let template: Template;
  let stack: DixaArchiverStack;
  let fn: Json;
  let statements: Statement[];
  let id: (path: string) => string;

  beforeAll(() => {
    ({ template, stack, fn, statements, id } = sweepOf());
  });

  it('runs every day at 05:00 UTC through EventBridge Scheduler, invoking the sweep Lambda without retries', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const schedule = schedules[0]!.Properties as Json;
    expect(schedule.ScheduleExpression).toBe('cron(0 5 * * ? *)');
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.Target.Arn).toEqual(getAtt(id('Sweep/Lambda/Function')));
    expect(schedule.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('passes its settings and the stack secret (never a token) to the Lambda, with Lambda’s longest timeout', () => {
    expect(fn.Timeout).toBe(900);
    expect(fn.Environment.Variables).toMatchObject({
      SWEEP_DAYS: '3',
      FOLLOW_ANONYMIZATION: 'report',
      ARCHIVE_PREFIX: DEFAULT_CONFIG.archivePrefix,
      ARCHIVE_BUCKET: { Ref: id('Archive/Bucket') },
      JOB_QUEUE_URL: { Ref: id('Jobs/Queue') },
      DIXA_SECRET_ARN: { Ref: id('DixaSecret/Secret') },
    });
    expect(JSON.stringify(fn.Environment.Variables)).not.toMatch(/DIXA_API_TOKEN/);
  });

  it('has a least-privilege role: read the secret, send jobs, check records and the ledger, write reports', () => {
    const bucket = id('Archive/Bucket');
    const byAction = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
    expect(byAction('secretsmanager:GetSecretValue').map((s) => s.Resource)).toEqual([
      { Ref: id('DixaSecret/Secret') },
    ]);
    expect(byAction('sqs:SendMessage').map((s) => s.Resource)).toEqual([getAtt(id('Jobs/Queue'))]);
    // Flow control reads the job queue's backlog and retention (lambdas/dixa/flow-control.ts).
    expect(byAction('sqs:GetQueueAttributes').map((s) => s.Resource)).toEqual([getAtt(id('Jobs/Queue'))]);
    expect(byAction('s3:GetObject')).toHaveLength(1);
    expect(byAction('s3:GetObject')[0]!.Resource).toEqual([
      objectsArn(bucket, 'dixa/conversations/*'),
      objectsArn(bucket, 'dixa/ledger/*'),
    ]);
    expect(byAction('s3:PutObject').map((s) => s.Resource)).toEqual([
      objectsArn(bucket, 'dixa/reports/completeness/*'),
    ]);
    expect(byAction('s3:ListBucket').map((s) => s.Resource)).toEqual([getAtt(bucket)]);

    const actions = statements.flatMap(actionsOf);
    for (const forbidden of [/Delete/, /s3:\*/, /sqs:ReceiveMessage/, /sqs:\*/, /PutObjectLegalHold/, /Bypass/]) {
      expect(
        actions.filter((a) => forbidden.test(a)),
        String(forbidden),
      ).toEqual([]);
    }
    // Nothing on the dead-letter queue: the sweep counts failures from the ledger, it never drains the DLQ.
    expect(JSON.stringify(statements)).not.toContain(id('Jobs/DeadLetterQueue'));
  });

  it('lets the archiver note, read and clear failure markers in the ledger, write the people index, and nothing else of the ledger', () => {
    const archiver = statementsOfRole(template, id('Archiver/Lambda/Role'));
    const ledger = archiver.filter((s) => JSON.stringify(s.Resource).includes('ledger'));
    const failures = ledger.filter((s) => JSON.stringify(s.Resource).includes('failures'));
    expect(failures).toHaveLength(1);
    expect(actionsOf(failures[0]!).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(failures[0]!.Resource).toEqual(objectsArn(id('Archive/Bucket'), 'dixa/ledger/*/failures/*'));
    // The rest is the people index (issue 13) and listing: never tombstones or hold events.
    const text = JSON.stringify(ledger);
    expect(text).not.toMatch(/tombstones|holds/);
    for (const statement of ledger.filter((s) => !failures.includes(s))) {
      expect(
        JSON.stringify(statement.Resource).replace(/ledger\/\*\/people\/\*|conversations\/\*|people\/\*/g, ''),
      ).not.toMatch(/ledger\/\*\//);
    }
  });

  it('alarms when a run fails and when a run queued more than 10 missed files', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Json);
    const failed = alarms.find(
      (a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(id('Sweep/Lambda/Function')),
    );
    expect(failed).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Sum' });
    const missed = alarms.find((a) => a.MetricName === 'MissedFiles');
    expect(missed).toMatchObject({
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      Namespace: 'DixaArchiver',
      Period: 3600,
    });
    const topic = { Ref: id('Monitoring/AlarmTopic') };
    for (const alarm of [failed, missed]) expect(alarm.AlarmActions).toEqual([topic]);
    expect(stack).toBeDefined();
  });
});

describe('the sweep configured', () => {
  it('takes the hour, days, policy and threshold from context', () => {
    const { template, fn } = sweepOf({
      sweepSchedule: '23',
      sweepDays: '7',
      followAnonymization: 'off',
      sweepMissedFilesAlarmThreshold: '250',
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0]!.Properties as Json;
    expect(schedule.ScheduleExpression).toBe('cron(0 23 * * ? *)');
    expect(fn.Environment.Variables).toMatchObject({ SWEEP_DAYS: '7', FOLLOW_ANONYMIZATION: 'off' });
    const missed = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.MetricName === 'MissedFiles',
    );
    expect(missed!.Properties.Threshold).toBe(250);
  });

  it('followAnonymization erase: the role gets exactly the erase policy’s statements, never a bypass', () => {
    const { statements, id, template } = sweepOf({
      followAnonymization: 'erase',
      objectLockMode: 'GOVERNANCE',
      objectLockDays: '30',
      eraseBypassGovernance: 'true', // people may bypass; the follower never does
    });
    const erasePolicy = template.toJSON().Resources[id('ComplianceErase/Policy')].Properties.PolicyDocument
      .Statement as Statement[];
    const expected = erasePolicy.filter((s) => !['BypassGovernanceRetention', 'UseArchiveKey'].includes(s.Sid!));
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    for (const statement of expected) expect(bySid.get(statement.Sid), statement.Sid).toEqual(statement);
    expect(statements.flatMap(actionsOf)).not.toContain('s3:BypassGovernanceRetention');
    expect(statements.flatMap(actionsOf).filter((a) => /PutObjectLegalHold|PutObjectRetention/.test(a))).toEqual([]);
    const bucket = id('Archive/Bucket');
    const deleting = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:Delete')));
    expect(deleting.map((s) => s.Resource)).toEqual([
      [
        objectsArn(bucket, 'dixa/conversations/*'),
        objectsArn(bucket, 'dixa/ledger/*/failures/*'),
        objectsArn(bucket, 'dixa/ledger/*/people/*'),
        objectsArn(bucket, 'dixa/people/*'),
      ],
    ]);
    const writing = statements.filter((s) => actionsOf(s).includes('s3:PutObject')).map((s) => s.Resource);
    expect(writing).toEqual([
      objectsArn(bucket, 'dixa/reports/completeness/*'),
      objectsArn(bucket, 'dixa/ledger/*/tombstones/*'),
      objectsArn(bucket, 'dixa/erasure-receipts/*'),
    ]);
  });

  it('followAnonymization report or off: the role can delete nothing and write no tombstone or receipt', () => {
    for (const followAnonymization of ['report', 'off']) {
      const actions = sweepOf({ followAnonymization }).statements.flatMap(actionsOf);
      expect(
        actions.filter((a) => /Delete|Bypass|LegalHold|Retention/.test(a)),
        followAnonymization,
      ).toEqual([]);
      const resources = JSON.stringify(sweepOf({ followAnonymization }).statements.map((s) => s.Resource));
      expect(resources).not.toMatch(/tombstones|erasure-receipts/);
    }
  });

  it('sweepSchedule none: the function exists for runs by hand, but nothing schedules it', () => {
    const { template, fn } = sweepOf({ sweepSchedule: 'none' });
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(fn.Timeout).toBe(900);
  });

  it('refuses bad values with one line naming the key', () => {
    const parse = (context: Record<string, unknown>) => () => parseConfig((key) => context[key], Object.keys(context));
    for (const [context, message] of [
      [{ sweepSchedule: '24' }, /"sweepSchedule": expected an hour 0-23 \(UTC\) or "none", got "24"/],
      [{ sweepSchedule: 'daily' }, /"sweepSchedule"/],
      [{ sweepSchedule: 5.5 }, /"sweepSchedule"/],
      [{ sweepDays: '0' }, /"sweepDays": expected an integer 1-31/],
      [{ sweepDays: 32 }, /"sweepDays"/],
      [{ followAnonymization: 'delete' }, /"followAnonymization": expected one of report, erase, off/],
      [{ sweepMissedFilesAlarmThreshold: '-1' }, /"sweepMissedFilesAlarmThreshold"/],
    ] as const) {
      expect(parse(context as Record<string, unknown>), JSON.stringify(context)).toThrow(ConfigError);
      expect(parse(context as Record<string, unknown>)).toThrow(message);
    }
    expect(parseConfig((key) => ({ sweepSchedule: 0 })[key as 'sweepSchedule']).sweepSchedule).toBe(0);
    expect(parseConfig(() => undefined)).toMatchObject({
      sweepSchedule: 5,
      sweepDays: 3,
      followAnonymization: 'report',
      sweepMissedFilesAlarmThreshold: 10,
    });
  });
});
