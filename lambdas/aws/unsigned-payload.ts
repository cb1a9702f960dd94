/**
 * File bodies go to S3 with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so SigV4 does not SHA-256 every part a
 * second time (the archiver already hashes the file once, for its record). This is the arrangement AWS supports
 * for it: the request is still signed (headers, key, the checksum header), TLS protects the bytes in transit, and
 * S3 verifies the per-part CRC32 the SDK still computes (`x-amz-checksum-crc32`) before it accepts a part.
 *
 * Only over HTTPS (and to an emulator on loopback, as in local mode and the benchmark): a custom plain-HTTP
 * endpoint elsewhere keeps signed payloads, since nothing else would protect the bytes on the way.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** The commands that carry file bytes (a whole small file, or one part of a large one). */
const FILE_BODY_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);
const NAME = 'dixaArchiverUnsignedPayload';

interface RequestTarget {
  protocol?: string;
  hostname?: string;
}

export function payloadMaySkipSigning(request: RequestTarget): boolean {
  if (request.protocol === 'https:') return true;
  const host = request.hostname ?? '';
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Adds the rule to `client` (once: adding it again replaces it). */
export function sendFileBodiesUnsigned(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as (RequestTarget & { headers?: Record<string, string> }) | undefined;
      if (request?.headers && FILE_BODY_COMMANDS.has(context.commandName ?? '') && payloadMaySkipSigning(request)) {
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    { step: 'build', name: NAME, override: true },
  );
  return client;
}
