/**
 * One archived file, streamed from S3 to the browser: for preview (only the types previews.ts allows, under the type
 * it allows) or as a download under its original name. A Range request is passed through to S3 as it is, so an audio
 * element can seek in a 2 GiB recording without the console reading more than the bytes asked for.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { Hono } from 'hono';
import { checkConversationId, displayName, readFolder } from '../../../lambdas/compliance/archive.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import { sanitizeName } from '../../../lambdas/core/keys.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { previewOf } from '../previews.ts';

/** Archived bytes are not the console's: nothing in them may run, load anything, or be framed by another page. */
export const FILE_CSP =
  "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox";
/** Chromium's PDF viewer does not run in a sandboxed document; a PDF still loads nothing and runs no page script. */
export const PDF_CSP = "default-src 'none'; frame-ancestors 'self'; object-src 'self'";

const FILE_ID = /^[0-9a-f]{16}$/;
const SINGLE_RANGE = /^bytes=(\d+-\d*|-\d+)$/;

export function fileRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.get('/files/:csid/:id', async (c) => {
    const conversationId = checkConversationId(c.req.param('csid'));
    const id = c.req.param('id');
    if (!FILE_ID.test(id)) return c.json({ error: 'no such file' }, 404);
    const entries = await explainS3Errors(archive, () => readFolder(archive, conversationId, id));
    const entry = entries.find((e) => e.file && e.record);
    if (!entry) return c.json({ error: 'no such file (or its provenance record is missing: see Verify)' }, 404);

    const preview = c.req.query('download') === undefined ? previewOf(entry.record!.contentType) : undefined;
    const range = c.req.header('range');
    let object: GetObjectCommandOutput;
    try {
      object = await archive.s3.send(
        new GetObjectCommand({
          Bucket: archive.bucket,
          Key: entry.key,
          ...(range && SINGLE_RANGE.test(range) ? { Range: range } : {}),
        }),
      );
    } catch (error: unknown) {
      if ((error as Error).name === 'InvalidRange') {
        return c.body(null, 416, { 'Content-Range': `bytes */${entry.file!.size}` });
      }
      return explainS3Errors(archive, () => Promise.reject(error));
    }
    const headers: Record<string, string> = {
      'Content-Type': preview?.servedAs ?? 'application/octet-stream',
      'Content-Disposition': contentDisposition(preview ? 'inline' : 'attachment', displayName(entry)),
      'Content-Security-Policy': preview?.kind === 'pdf' ? PDF_CSP : FILE_CSP,
      'X-Frame-Options': 'SAMEORIGIN',
      'Accept-Ranges': 'bytes',
    };
    if (object.ContentLength !== undefined) headers['Content-Length'] = String(object.ContentLength);
    if (object.ContentRange) headers['Content-Range'] = object.ContentRange;
    const body = Readable.toWeb(object.Body as Readable) as ReadableStream;
    return c.body(body, object.ContentRange ? 206 : 200, headers);
  });
  return app;
}

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266): the original name, made safe for any disk. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const safe = sanitizeName(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*!]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
