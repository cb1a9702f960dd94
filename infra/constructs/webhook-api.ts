/**
 * The endpoint Dixa posts webhooks to: an HTTP API with one route, `POST /webhook` → the ingest Lambda (payload
 * v2), throttled, with JSON access logs. Requests are authenticated by Dixa's HMAC signature inside the Lambda.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const WEBHOOK_PATH = '/webhook';

/** One JSON line per request, with HTTP API context variables (never headers or bodies: no signature in logs). */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    route: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationStatus: '$context.integration.status',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

export interface WebhookApiProps {
  handler: IFunction;
  rateLimit: number;
  burstLimit: number;
  logRetention: RetentionDays;
}

export class WebhookApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The URL to paste into Dixa. */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'Receives Dixa webhooks',
      // Our own $default stage below carries the throttling and access logs.
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: WEBHOOK_PATH,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Ingest', props.handler),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Dixa cannot send IAM, JWT or Lambda-authorizer credentials; every webhook is authenticated by its ' +
        'HMAC X-DIXA-SIGNATURE, verified by the ingest Lambda before anything else (401 otherwise).',
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
    this.webhookUrl = `${this.stage.url}${WEBHOOK_PATH.slice(1)}`;
  }
}
