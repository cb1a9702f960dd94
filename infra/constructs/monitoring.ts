/**
 * Alarms (to one SNS topic, optionally e-mailed) and a dashboard: is anything failing, is anything stuck,
 * and how much is being archived.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/commons/powertools.ts';

const PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  dashboardName: string;
  ingest: IFunction;
  archiver: IFunction;
  queue: IQueue;
  deadLetterQueue: IQueue;
  api: IHttpApi;
  alarmEmail: string | undefined;
  oldestJobAlarmMinutes: number;
  /** The daily completeness sweep, and how many missed files in one run mean that webhooks are failing. */
  sweep: { function: IFunction; missedFilesThreshold: number };
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Dixa archiver alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const dlqVisible = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const oldestJob = props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' });
    this.alarm('DeadLetterQueueNotEmpty', dlqVisible, 0, 'A file job failed for good and is in the dead-letter queue');
    this.alarm(
      'OldestJobTooOld',
      oldestJob,
      props.oldestJobAlarmMinutes * 60,
      `A file job has waited more than ${props.oldestJobAlarmMinutes} minutes in the queue`,
    );
    for (const [name, fn] of [
      ['Ingest', props.ingest],
      ['Archiver', props.archiver],
    ] as const) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period: PERIOD }), 0, `The ${name.toLowerCase()} Lambda failed`);
      this.alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: PERIOD }),
        0,
        `The ${name.toLowerCase()} Lambda was throttled`,
      );
    }
    this.alarm(
      'WebhookApi5xx',
      props.api.metricServerError({ period: PERIOD }),
      0,
      'The webhook API answered 5xx (Dixa will retry)',
    );

    // The Lambdas' own EMF metrics (lambdas/commons/powertools.ts): dimension `service`, plus `reason` on failures.
    const own = (metricName: string, label?: string, period = PERIOD) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
        ...(label ? { label } : {}),
      });

    // The sweep fails its invocation when a day is unproven (and on any crash or timeout).
    this.alarm(
      'SweepFailed',
      props.sweep.function.metricErrors({ period: PERIOD }),
      0,
      'The completeness sweep failed: some days are unproven (see the latest completeness report)',
    );
    this.alarm(
      'SweepMissedFiles',
      own('MissedFiles', undefined, Duration.hours(1)),
      props.sweep.missedFilesThreshold,
      `The completeness sweep queued more than ${props.sweep.missedFilesThreshold} files that webhooks had missed`,
    );
    const permanentFailuresByReason = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="PermanentFailures"', 'Sum', ${PERIOD.toSeconds()})`,
      label: 'moved to DLQ:',
      period: PERIOD,
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [
        [
          graph('Files archived', [own('FilesArchived', 'files')], 8),
          graph('Bytes archived', [own('BytesArchived', 'bytes')], 8),
          graph('Webhooks', [own('EventsReceived', 'events received'), own('JobsQueued', 'file jobs queued')], 8),
        ],
        [
          graph('Failures', [
            permanentFailuresByReason,
            own('Retries', 'jobs retried'),
            props.archiver.metricErrors({ period: PERIOD, label: 'archiver errors' }),
            props.ingest.metricErrors({ period: PERIOD, label: 'ingest errors' }),
            props.api.metricServerError({ period: PERIOD, label: 'webhook 5xx' }),
          ]),
          graph('Completeness sweep', [
            own('SweepLinkedFiles', 'files Dixa links', Duration.days(1)),
            own('MissedFiles', 'missed, queued', Duration.days(1)),
            own('SweepDeadLetteredFiles', 'failed for good', Duration.days(1)),
            own('SweepUnprovenDays', 'unproven days', Duration.days(1)),
          ]),
          graph('Queue depth', [
            props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' }),
            props.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, label: 'in flight' }),
            dlqVisible.with({ label: 'dead-letter queue', period: PERIOD }),
          ]),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

function graph(title: string, metrics: IMetric[], width = 12): GraphWidget {
  return new GraphWidget({ title, left: metrics, width });
}
