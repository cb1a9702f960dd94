/** Find: files by conversation and by dates (listing.ts), and one conversation's files and holds for its page. */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../../lambdas/compliance/archive.ts';
import { activeHolds, holdsInForce, readHoldEvents } from '../../../lambdas/compliance/holds.ts';
import { type ListedFile, listFiles } from '../../../lambdas/compliance/listing.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { previewOf } from '../previews.ts';
import { ConversationList, conversationIds, dateRange, readJson, text } from './input.ts';

const FindQuery = v.strictObject({
  conversations: v.optional(ConversationList, []),
  archivedFrom: v.optional(text(40)),
  archivedTo: v.optional(text(40)),
  createdFrom: v.optional(text(40)),
  createdTo: v.optional(text(40)),
});

/** A listed file as the page shows it: `id` names it in file URLs (its key's hash folder: no name in any URL). */
export interface FileRow extends ListedFile {
  id: string;
  preview: string | null;
}

export function findRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  // POST, not GET: a search may name a person one day, and nothing personal belongs in a URL.
  app.post('/find', async (c) => {
    const query = await readJson(c, FindQuery);
    const conversations = conversationIds(query.conversations);
    const archived = dateRange(query.archivedFrom, query.archivedTo, 'archived');
    const created = dateRange(query.createdFrom, query.createdTo, 'sent');
    if (conversations.length === 0 && !archived && !created) {
      throw new UsageError('give a conversation number or a date range');
    }
    const files = await explainS3Errors(archive, () =>
      listFiles(archive, { conversations: conversations.length > 0 ? conversations : undefined, archived, created }),
    );
    return c.json({ files: files.map(toRow) });
  });

  app.get('/conversations/:csid', async (c) => {
    const conversationId = checkConversationId(c.req.param('csid'));
    const [files, events] = await explainS3Errors(archive, () =>
      Promise.all([listFiles(archive, { conversations: [conversationId] }), readHoldEvents(archive, conversationId)]),
    );
    const holds = holdsInForce([{ conversationId, holds: activeHolds(events) }]);
    return c.json({ conversationId, files: files.map(toRow), holds });
  });
  return app;
}

export function toRow(file: ListedFile): FileRow {
  return { ...file, id: fileId(file.key), preview: previewOf(file.contentType)?.kind ?? null };
}

/** `<prefix>/conversations/<csid>/<linkHash>/<name>` → `<linkHash>`. */
export function fileId(key: string): string {
  const parts = key.split('/');
  return parts.at(-2) ?? '';
}
