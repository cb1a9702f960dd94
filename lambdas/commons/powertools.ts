/**
 * Powertools set up once for every handler (as in Powertools' examples/app): structured JSON logs and EMF metrics.
 * Local mode and tests reuse these same instances; they only change where the lines go.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'dixa-archiver';
export const METRICS_NAMESPACE = 'DixaArchiver';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});
