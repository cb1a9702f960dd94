/**
 * Access request: the files of the conversations asked for, as one zip streamed by zip-export.ts straight into the
 * download. A form POST (not fetch) so the browser writes the zip to disk as it arrives instead of holding it.
 */
import { PassThrough, Readable } from 'node:stream';
import { Hono } from 'hono';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { writeZipExport } from '../../../lambdas/compliance/zip-export.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { conversationIds } from './input.ts';

export function exportRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.post('/export', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const given = form.conversations;
    const values = (Array.isArray(given) ? given : [given]).filter((x): x is string => typeof x === 'string');
    const ids = conversationIds(values);
    if (ids.length === 0) throw new UsageError('name at least one conversation to export');

    const zip = new PassThrough();
    zip.on('error', () => {}); // the failure reaches the browser as a broken download; the zip is then invalid
    void writeZipExport(archive, ids, zip, { request: { conversations: ids } }).catch((error: Error) =>
      deps.log(`export of ${ids.length} conversation(s) failed: ${error.message}`),
    );
    const day = new Date().toISOString().slice(0, 10);
    const name =
      ids.length === 1
        ? `dixa-conversation-${ids[0]}-${day}.zip`
        : `dixa-export-${ids.length}-conversations-${day}.zip`;
    return c.body(Readable.toWeb(zip) as ReadableStream, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${name}"`,
    });
  });
  return app;
}
