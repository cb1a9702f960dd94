/**
 * One SQS record, start to finish. Returning means "delete this message": the file and its record are in S3,
 * or the job is on the dead-letter queue with its reason. Throwing means "leave it on the queue" (a batch item
 * failure): it comes back after its visibility timeout — extended first for a 429.
 *
 *   conversation erased (a tombstone covers the job) → deleted, counted SkippedErased, no dead letter
 *   invalid body                          → DLQ, class invalid-job
 *   permanent failure (404, 410, 401/403) → DLQ, class permanent
 *   any failure on the last allowed receive (ApproximateReceiveCount ≥ MAX_RECEIVE_COUNT) → DLQ, class exhausted
 *   429                                   → visibility set to Retry-After (or backoff), then retried
 *   anything else                         → retried
 * If the DLQ itself cannot be reached, the record is reported failed instead: it stays on the queue.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { buildFailureMarker } from '../core/failure-marker.ts';
import type { FileJob } from '../core/job.ts';
import { failureKey, linkHash } from '../core/keys.ts';
import { normalizeLink } from '../core/links.ts';
import { parseQueueMessage } from '../core/queue-message.ts';
import { type ArchiveDeps, archiveFile } from './archive-file.ts';
import type { ArchiverConfig } from './config.ts';
import { type ArchiveFailure, toFailure } from './failures.ts';
import { delayRedelivery, type FailureClass, moveToDeadLetter } from './job-queue.ts';
import { recordParticipants } from './people.ts';
import { retryDelaySeconds } from './retry-delay.ts';

export interface ProcessDeps extends ArchiveDeps {
  config: ArchiverConfig;
  sqs: SQSClient;
  logger: Logger;
  metrics: Metrics;
}

export async function processJob(record: SQSRecord, deps: ProcessDeps, deadline?: number): Promise<void> {
  const { config, logger, metrics } = deps;
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || 1;
  const context = { messageId: record.messageId, receiveCount };

  const parsed = parseQueueMessage(record.body, config.files);
  if (!parsed.ok) {
    await deadLetter(deps, record, 'invalid-job', 'invalid-job', parsed.reason, context);
    return;
  }
  if (parsed.kind === 'participants') {
    const { message } = parsed;
    const about = { ...context, conversationId: message.conversationId, participants: message.people.length };
    try {
      const outcome = await recordParticipants(message, deps);
      if (outcome.status === 'erased') {
        metrics.addMetric('SkippedErased', MetricUnit.Count, 1);
        logger.info('conversation erased, participants not indexed', { ...about, entriesRemoved: outcome.removed });
      } else {
        metrics.addMetric('ParticipantsIndexed', MetricUnit.Count, outcome.entries);
        logger.info('participants indexed', about);
      }
    } catch (error) {
      await failed(deps, record, toFailure(error), receiveCount, about);
    }
    return;
  }
  const job = parsed.job;
  const about = { ...context, conversationId: job.conversationId, kind: job.kind, link: job.url };
  const started = Date.now();
  try {
    const outcome = await archiveFile(job, deps, deadline);
    if (outcome.status === 'erased') {
      metrics.addMetric('SkippedErased', MetricUnit.Count, 1);
      logger.info('conversation erased, file not archived', {
        ...about,
        key: outcome.key,
        checked: outcome.checked,
        versionsRemoved: outcome.removed,
      });
      return;
    }
    if (outcome.status === 'duplicate') {
      metrics.addMetric('SkippedDuplicate', MetricUnit.Count, 1);
      logger.info('already archived, skipped', { ...about, key: outcome.key });
      return;
    }
    const durationMs = Date.now() - started;
    metrics.addMetric('FilesArchived', MetricUnit.Count, 1);
    metrics.addMetric('BytesArchived', MetricUnit.Bytes, outcome.size);
    metrics.addMetric('ArchiveDuration', MetricUnit.Milliseconds, durationMs);
    logger.info('archived', {
      ...about,
      key: outcome.key,
      bytes: outcome.size,
      sha256: outcome.sha256,
      durationMs,
      uploaded: outcome.uploaded,
      legalHold: outcome.legalHold,
    });
  } catch (error) {
    await failed(deps, record, toFailure(error), receiveCount, about, job);
  }
}

/** A failed attempt: dead-lettered when retrying cannot help or was tried enough, else thrown (back to the queue). */
async function failed(
  deps: ProcessDeps,
  record: SQSRecord,
  failure: ArchiveFailure,
  receiveCount: number,
  about: Record<string, unknown>,
  /** A file job's failure for good also leaves a failure marker in the ledger (for the sweep). */
  job?: FileJob,
): Promise<void> {
  if (failure.kind === 'permanent') {
    await deadLetter(deps, record, 'permanent', failure.code, failure.message, about);
    if (job) await markFailed(deps, job, 'permanent', failure.code, failure.message, about);
    return;
  }
  if (receiveCount >= deps.config.maxReceiveCount) {
    await deadLetter(deps, record, 'exhausted', 'exhausted', failure.message, about);
    if (job) await markFailed(deps, job, 'exhausted', 'exhausted', failure.message, about);
    return;
  }
  await retryLater(deps, record, failure, receiveCount, about);
  throw failure;
}

async function deadLetter(
  deps: ProcessDeps,
  record: SQSRecord,
  failureClass: FailureClass,
  code: string,
  reason: string,
  about: Record<string, unknown>,
): Promise<void> {
  try {
    await moveToDeadLetter(deps.sqs, deps.config.deadLetterQueueUrl, record, { failureClass, reason });
  } catch (error) {
    deps.logger.error('could not move the job to the dead-letter queue; it stays on the job queue', {
      ...about,
      failureClass,
      reason,
      error: toFailure(error).message,
    });
    throw toFailure(error);
  }
  const metric = deps.metrics.singleMetric();
  metric.addDimension('reason', code);
  metric.addMetric('PermanentFailures', MetricUnit.Count, 1);
  deps.logger.error('job moved to the dead-letter queue', {
    ...about,
    failureClass,
    reason: code,
    failureReason: reason,
  });
}

/**
 * Notes the failure in the conversation's ledger for the daily sweep (lambdas/core/failure-marker.ts). The job is
 * already on the dead-letter queue, so a failure here is logged and counted, never thrown: throwing would put the
 * job back on the job queue as well. Without the marker the sweep queues the file again, and it fails again.
 */
async function markFailed(
  deps: ProcessDeps,
  job: FileJob,
  failureClass: FailureClass,
  code: string,
  reason: string,
  about: Record<string, unknown>,
): Promise<void> {
  const link = normalizeLink(job.url, deps.config.files);
  if (!link.ok) return;
  const hash = linkHash(link.path);
  try {
    await deps.storage.putJson(
      failureKey(deps.config.prefix, job.conversationId, hash),
      buildFailureMarker(job, hash, { failureClass, code, reason }),
    );
  } catch (error) {
    deps.metrics.addMetric('FailureMarkersNotWritten', MetricUnit.Count, 1);
    deps.logger.warn('could not write the failure marker; the daily sweep will queue this file again', {
      ...about,
      error: toFailure(error).message,
    });
  }
}

async function retryLater(
  deps: ProcessDeps,
  record: SQSRecord,
  failure: ArchiveFailure,
  receiveCount: number,
  about: Record<string, unknown>,
): Promise<void> {
  deps.metrics.addMetric('Retries', MetricUnit.Count, 1);
  let delaySeconds: number | undefined;
  if (failure.kind === 'throttled') {
    delaySeconds = retryDelaySeconds(failure.retryAfter, receiveCount);
    try {
      await delayRedelivery(deps.sqs, deps.config.jobQueueUrl, record, delaySeconds);
    } catch (error) {
      deps.logger.warn('could not extend the visibility timeout; the job returns after the default one', {
        ...about,
        error: toFailure(error).message,
      });
    }
  }
  deps.logger.warn('archive attempt failed, will retry', {
    ...about,
    reason: failure.code,
    error: failure.message,
    delaySeconds,
  });
}
