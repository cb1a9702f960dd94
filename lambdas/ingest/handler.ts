/**
 * The ingest Lambda: API Gateway HTTP API (payload v2) → Dixa webhook → file jobs on SQS.
 * This module only adapts the event, logs, counts and shapes the response; the decisions live in webhook.ts.
 * Configuration and clients are created on the first invocation and kept for the container's life.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { sqsClientFromEnv } from '../aws/clients.ts';
import { secretSourceFromEnv } from '../aws/secrets.ts';
import { ConfigError } from '../commons/env.ts';
import { logger, metrics } from '../commons/powertools.ts';
import { ingestConfigFromEnv } from './config.ts';
import { createWebhookReceiver, type Outcome, type WebhookDeps, type WebhookReceiver } from './webhook.ts';

export type IngestHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** `loadDeps` runs on the first invocation (and again only if it threw), so a container builds its clients once. */
export function createIngestHandler(loadDeps: () => WebhookDeps): IngestHandler {
  let receive: WebhookReceiver | undefined;
  return async (event, context) => {
    if (context) logger.addContext(context);
    metrics.addMetric('EventsReceived', MetricUnit.Count, 1);
    try {
      receive ??= createWebhookReceiver(loadDeps());
      const outcome = await receive({
        method: event.requestContext?.http?.method,
        headers: event.headers ?? {},
        body: event.body,
        isBase64Encoded: event.isBase64Encoded === true,
      });
      return respond(outcome);
    } catch (error) {
      if (error instanceof ConfigError) logger.error('ingest is misconfigured', { reason: error.message });
      else logger.error('ingest failed unexpectedly', error as Error);
      countOne('EventsFailed', 'internal');
      return json(500, { error: 'internal error' });
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

export const handler: IngestHandler = createIngestHandler(() => ({
  config: ingestConfigFromEnv(),
  sqs: sqsClientFromEnv(),
  secrets: secretSourceFromEnv(),
}));

function respond(outcome: Outcome): APIGatewayProxyStructuredResultV2 {
  logger.appendKeys({ ...outcome.ids });
  switch (outcome.kind) {
    case 'rejected':
      logger.warn('webhook rejected', { status: outcome.status, reason: outcome.message });
      countOne('EventsRejected', outcome.reason);
      return json(outcome.status, { error: outcome.message }, outcome.status === 405 ? { allow: 'POST' } : {});
    case 'ignored':
      if (outcome.rejected.length > 0) {
        logger.warn('not queued', { links: outcome.rejected.map(({ field, reason }) => ({ field, reason })) });
      }
      logger.info('webhook ignored: event carries no files', { event_fqn: outcome.eventFqn });
      metrics.addMetric('EventsIgnored', MetricUnit.Count, 1);
      return json(200, { status: 'ignored' });
    case 'queued': {
      const rejected = outcome.rejected.map(({ field, reason }) => ({ field, reason }));
      if (rejected.length > 0) logger.warn('file links rejected', { links: rejected });
      if (outcome.stripped > 0) {
        logger.warn('jobs queued without their metadata, which the job queue refused', { jobs: outcome.stripped });
      }
      logger.info('webhook queued', { jobs: outcome.jobs, linksRejected: rejected.length });
      metrics.addMetric('JobsQueued', MetricUnit.Count, outcome.jobs);
      metrics.addMetric('LinksRejected', MetricUnit.Count, rejected.length);
      return json(202, { status: 'queued', jobs: outcome.jobs, rejected });
    }
    case 'failed':
      logger.error('webhook not accepted, Dixa will redeliver', { status: outcome.status, reason: outcome.message });
      countOne('EventsFailed', outcome.reason);
      return json(outcome.status, {
        error: outcome.status === 503 ? 'job queue unavailable, retry later' : 'internal error',
      });
  }
}

/** A count with a low-cardinality `reason` dimension, emitted on its own so it does not tag the other metrics. */
function countOne(name: 'EventsRejected' | 'EventsFailed', reason: string): void {
  metrics.singleMetric().addDimension('reason', reason).addMetric(name, MetricUnit.Count, 1);
}

function json(
  statusCode: number,
  body: object,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
