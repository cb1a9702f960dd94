/**
 * The archiver Lambda: SQS batch of file jobs → one archived file (and its provenance record) per job.
 * Partial batch responses (Powertools Batch): one bad job never fails or repeats its neighbours.
 * Everything past the event lives in process-job.ts / archive-file.ts.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { s3ClientFromEnv, sqsClientFromEnv } from '../aws/clients.ts';
import { secretSourceFromEnv } from '../aws/secrets.ts';
import { ArchiveStorage } from '../aws/storage.ts';
import { logger, metrics } from '../commons/powertools.ts';
import { archiverConfigFromEnv } from './config.ts';
import { type ProcessDeps, processJob } from './process-job.ts';

/** Time kept back from the Lambda timeout so a failing download can still abort its upload and report. */
export const DEADLINE_MARGIN_MS = 10_000;

export function createArchiverHandler(deps: () => ProcessDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const resolved = deps();
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining === undefined ? undefined : Date.now() + remaining - DEADLINE_MARGIN_MS;
    // A processor per invocation: local mode may run several invocations at once in one process.
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => processJob(record, resolved, deadline),
        processor,
        // All items failed is still an answer: the failed ones return to the queue, nothing else does.
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      // A batch of duplicates-only or dead-lettered jobs has nothing stored (those are published on their own).
      if (resolved.metrics.hasStoredMetrics()) resolved.metrics.publishStoredMetrics();
    }
  };
}

let singletons: ProcessDeps | undefined;

/** Configuration and clients, read once per container on first use (so tests and local mode set env first). */
function depsFromEnv(): ProcessDeps {
  if (!singletons) {
    const config = archiverConfigFromEnv();
    const sqs: SQSClient = sqsClientFromEnv();
    singletons = {
      config,
      sqs,
      storage: new ArchiveStorage(s3ClientFromEnv(), config.bucket, {
        partSizeBytes: config.partSizeBytes,
        queueSize: config.queueSize,
      }),
      secrets: secretSourceFromEnv(),
      logger,
      metrics,
    };
  }
  return singletons;
}

export const handler = createArchiverHandler(depsFromEnv);
