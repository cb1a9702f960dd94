/**
 * Access request: the files of the conversations asked for, or of a person's conversations (found as on Find, at the
 * moment of the export, and the search recorded in the manifest as `get --email` records it), as one zip streamed
 * by zip-export.ts straight into the download. A form POST (not fetch) so the browser writes the zip to disk as it
 * arrives instead of holding it, and no address travels in a URL.
 */
import { PassThrough, Readable } from 'node:stream';
import { Hono } from 'hono';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { searchManifest } from '../../../lambdas/compliance/people.ts';
import { writeZipExport } from '../../../lambdas/compliance/zip-export.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { checkInput, conversationIds } from './input.ts';
import { PersonQuery, searchPerson } from './people.ts';

export function exportRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.post('/export', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const day = new Date().toISOString().slice(0, 10);
    let ids: string[];
    let request: Record<string, unknown>;
    let name: string;
    if (form.personType !== undefined) {
      const query = checkInput(PersonQuery, {
        type: form.personType,
        value: form.personValue,
        askDixa: form.askDixa === 'on',
      });
      const search = await searchPerson(deps, query);
      ids = search.conversations.map((conversation) => conversation.conversationId);
      request = searchManifest(search);
      name = `dixa-access-request-${day}.zip`; // the file name stays free of the address
    } else {
      const given = form.conversations;
      const values = (Array.isArray(given) ? given : [given]).filter((x): x is string => typeof x === 'string');
      ids = conversationIds(values);
      if (ids.length === 0) throw new UsageError('name at least one conversation to export');
      request = { conversations: ids };
      name =
        ids.length === 1
          ? `dixa-conversation-${ids[0]}-${day}.zip`
          : `dixa-export-${ids.length}-conversations-${day}.zip`;
    }

    const zip = new PassThrough();
    zip.on('error', () => {}); // the failure reaches the browser as a broken download; the zip is then invalid
    void writeZipExport(archive, ids, zip, { request }).catch((error: Error) =>
      deps.log(`export of ${ids.length} conversation(s) failed: ${error.message}`),
    );
    return c.body(Readable.toWeb(zip) as ReadableStream, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${name}"`,
    });
  });
  return app;
}
