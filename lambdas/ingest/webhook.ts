/**
 * One Dixa webhook delivery, from raw request to outcome:
 *   method → size → raw bytes → signature → UTF-8 → JSON → envelope → route → jobs → queue.
 * The signature is checked over the exact bytes before anything is parsed; the size limit is checked even earlier
 * (it is cheap and spares hashing huge bodies). A `queued` outcome means every job is on the queue.
 * No AWS event types here: the handler adapts API Gateway to `WebhookRequest` and outcomes to responses.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type SendResult, sendJobs } from '../aws/queue.ts';
import type { SecretSource } from '../aws/secrets.ts';
import { extractFromWebhook, parseWebhookEnvelope, type RejectedLink, type WebhookEnvelope } from '../core/extract.ts';
import { participantsFromWebhook } from '../core/participants.ts';
import { isFileJob, type QueueMessage, type RefusedJob, refusalReport } from '../core/queue-message.ts';
import { decodeSigningSecret, verifySignature } from '../core/signature.ts';
import type { IngestConfig } from './config.ts';

/** More file links than any real message carries (a repeated good link counts once); above it the event is refused whole. */
export const MAX_LINKS_PER_EVENT = 1000;
export const SIGNATURE_HEADER = 'x-dixa-signature';
const MAX_REASON_LENGTH = 200;

export interface WebhookRequest {
  method: string | undefined;
  /** Header names in any case (API Gateway lowercases them; local mode may not). */
  headers: Record<string, string | undefined>;
  body: string | undefined;
  isBase64Encoded: boolean;
}

export interface WebhookDeps {
  config: IngestConfig;
  sqs: SQSClient;
  secrets: SecretSource;
  now?: () => number;
}

/** The ids a log line may carry: nothing else from the body is logged. */
export interface LogIds {
  event_id?: string;
  csid?: string;
  message_id?: string;
}

/** Low-cardinality reasons, used as a metric dimension. */
export type RejectReason =
  | 'method'
  | 'too-large'
  | 'encoding'
  | 'signature'
  | 'json'
  | 'envelope'
  | 'data'
  | 'too-many-links';

export type Outcome =
  | { kind: 'rejected'; status: 400 | 401 | 405 | 413; reason: RejectReason; message: string; ids: LogIds }
  /** `rejected`: what the queue refused for good (who took part, when the event names a conversation). */
  | { kind: 'ignored'; eventFqn: string; rejected: RejectedLink[]; ids: LogIds }
  /** `stripped`: jobs queued without their metadata (name, ids), which the queue refused. */
  | { kind: 'queued'; jobs: number; stripped: number; rejected: RejectedLink[]; ids: LogIds }
  /** `message` is for the logs only: the caller gets a generic error. */
  | { kind: 'failed'; status: 500 | 503; reason: 'secret' | 'queue'; message: string; ids: LogIds };

export type WebhookReceiver = (request: WebhookRequest) => Promise<Outcome>;

const rejected = (status: 400 | 401 | 405 | 413, reason: RejectReason, message: string, ids: LogIds = {}): Outcome => ({
  kind: 'rejected',
  status,
  reason,
  message: shorten(message),
  ids,
});

/**
 * After a signature mismatch the secret is read again, bypassing the cache (a rotation in Secrets Manager takes
 * effect at once instead of after the cache's 5 minutes), at most once per this interval per container, so forged
 * requests cannot hammer Secrets Manager.
 */
export const SECRET_REFRESH_INTERVAL_MS = 60_000;

export function createWebhookReceiver(deps: WebhookDeps): WebhookReceiver {
  const { config, sqs, secrets, now = Date.now } = deps;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let signingKeys: { hex: string; keys: Buffer[] } | undefined;
  let lastRefresh = Number.NEGATIVE_INFINITY;

  /** The current secret's key, then the previous one's during a rotation. */
  async function currentSigningKeys(fresh = false): Promise<Buffer[]> {
    const { webhookSecret, previousWebhookSecret } = await secrets.get({ fresh });
    const hex = `${webhookSecret} ${previousWebhookSecret ?? ''}`;
    if (signingKeys?.hex !== hex) {
      const keys = [decodeSigningSecret(webhookSecret)];
      if (previousWebhookSecret) keys.push(decodeSigningSecret(previousWebhookSecret));
      signingKeys = { hex, keys };
    }
    return signingKeys.keys;
  }

  /** What the queue took (or refused for good); when it cannot take them now, the 503 that makes Dixa retry. */
  async function queue(messages: QueueMessage[], traceId: string, ids: LogIds): Promise<SendResult | Outcome> {
    try {
      return await sendJobs(sqs, config.queueUrl, messages, { traceId });
    } catch (error) {
      const message = `jobs could not be queued: ${(error as Error).message}`;
      return { kind: 'failed', status: 503, reason: 'queue', message, ids };
    }
  }

  return async (request) => {
    if (request.method?.toUpperCase() !== 'POST') return rejected(405, 'method', 'only POST is accepted');

    const bytes = rawBody(request, config.maxBodyBytes);
    if (!Buffer.isBuffer(bytes)) return bytes;

    let keys: Buffer[];
    try {
      keys = await currentSigningKeys();
    } catch (error) {
      const message = `webhook signing secret unavailable: ${(error as Error).message}`;
      return { kind: 'failed', status: 500, reason: 'secret', message, ids: {} };
    }
    const verify = (key: Buffer[]) =>
      verifySignature({
        header: header(request.headers, SIGNATURE_HEADER),
        rawBody: bytes,
        key,
        nowMs: now(),
        toleranceMs: config.signatureToleranceMs,
      });
    let verified = verify(keys);
    if (!verified.ok && verified.reason === 'signature mismatch' && now() - lastRefresh >= SECRET_REFRESH_INTERVAL_MS) {
      lastRefresh = now();
      const refreshed = await currentSigningKeys(true).catch(() => keys); // unreadable now: keep the cached keys
      if (refreshed !== keys) verified = verify(refreshed);
    }
    if (!verified.ok) return rejected(401, 'signature', `invalid signature: ${verified.reason}`);

    let text: string;
    try {
      text = utf8.decode(bytes); // strips a leading UTF-8 BOM, which RFC 8259 lets parsers ignore
    } catch {
      return rejected(400, 'encoding', 'body is not valid UTF-8');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return rejected(400, 'json', 'body is not valid JSON');
    }
    const parsed = parseWebhookEnvelope(value);
    if (!parsed.ok) return rejected(400, 'envelope', `not a Dixa webhook: ${parsed.reason}`);
    const { envelope } = parsed;
    const ids = idsOf(envelope);

    const extraction = extractFromWebhook(envelope, config.files);
    if (!extraction.ok) return rejected(400, 'data', `invalid ${envelope.event_fqn} data: ${extraction.reason}`, ids);
    // Who took part (requester, author) as person keys: recorded from every event that names a conversation.
    const people = participantsFromWebhook(envelope);
    if (extraction.ignored) {
      const sent = await queue(people ? [people] : [], envelope.event_id, ids);
      if (!('queued' in sent)) return sent;
      return { kind: 'ignored', eventFqn: envelope.event_fqn, rejected: sent.refused.map(report), ids };
    }
    const links = extraction.jobs.length + extraction.rejected.length;
    if (links > MAX_LINKS_PER_EVENT) {
      return rejected(
        413,
        'too-many-links',
        `event carries ${links} file links, more than ${MAX_LINKS_PER_EVENT}`,
        ids,
      );
    }

    const sent = await queue(people ? [...extraction.jobs, people] : extraction.jobs, envelope.event_id, ids);
    if (!('queued' in sent)) return sent;
    // A job the queue refuses for its content would be refused on every redelivery: answering 5xx would wedge the
    // event (and its good neighbours) forever, so it is reported like a rejected link instead.
    const linksRejected = [...extraction.rejected.map(shortened), ...sent.refused.map(report)];
    const jobs = extraction.jobs.length - sent.refused.filter(({ job }) => isFileJob(job)).length;
    return { kind: 'queued', jobs, stripped: sent.stripped.length, rejected: linksRejected, ids };
  };
}

const shortened = (rejected: RejectedLink): RejectedLink => ({ ...rejected, reason: shorten(rejected.reason) });
const report = (refused: RefusedJob): RejectedLink => shortened(refusalReport(refused));

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The exact bytes Dixa signed. The size is checked before anything is decoded or copied. */
function rawBody(request: WebhookRequest, maxBytes: number): Buffer | Outcome {
  const body = request.body ?? '';
  if (request.isBase64Encoded) {
    const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
    if (Math.floor((body.length * 3) / 4) - padding > maxBytes) return tooLarge(maxBytes);
    if (!BASE64.test(body)) return rejected(400, 'encoding', 'body is not valid base64');
    return Buffer.from(body, 'base64');
  }
  if (Buffer.byteLength(body, 'utf8') > maxBytes) return tooLarge(maxBytes);
  return Buffer.from(body, 'utf8');
}

const tooLarge = (maxBytes: number) => rejected(413, 'too-large', `body is larger than ${maxBytes} bytes`);

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Only ids that look like ids: a hostile body must not smuggle text into the logs through them. */
function idsOf(envelope: WebhookEnvelope): LogIds {
  const data = envelope.data as { conversation?: { csid?: unknown }; message_id?: unknown };
  const csid = data.conversation?.csid;
  const messageId = data.message_id;
  return {
    event_id: envelope.event_id,
    ...((typeof csid === 'number' || typeof csid === 'string') && /^\d{1,20}$/.test(String(csid))
      ? { csid: String(csid) }
      : {}),
    ...(typeof messageId === 'string' && /^[\w.:-]{1,128}$/.test(messageId) ? { message_id: messageId } : {}),
  };
}

function shorten(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}
