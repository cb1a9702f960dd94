/**
 * Find a person: their conversations from Dixa's end-user API and the archive's own people index (people.ts, the
 * module `list --email` uses), each with where it was found, and the files archived for them (listing.ts). A POST:
 * an e-mail address or phone number never travels in a URL, so it never lands in a log or the browser's history.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { listFiles } from '../../../lambdas/compliance/listing.ts';
import {
  DixaUnavailableError,
  describeSearch,
  findPerson,
  type PersonSearch,
  personSelector,
} from '../../../lambdas/compliance/people.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import { IDENTITY_TYPES, type IdentityType } from '../../../lambdas/core/people.ts';
import { foundInText } from '../../shared/person.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { toRow } from './find.ts';
import { readJson, text } from './input.ts';

export const PersonQuery = v.strictObject({
  type: v.picklist(IDENTITY_TYPES),
  value: text(320),
  askDixa: v.optional(v.boolean(), false),
});
export type PersonQuery = v.InferOutput<typeof PersonQuery>;

/** What the page calls each kind of identity, for its error lines. */
export const IDENTITY_LABEL: Record<IdentityType, string> = {
  email: 'e-mail address',
  phone: 'phone number',
  'external-id': 'external id',
};

export function peopleRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.post('/people/find', async (c) => {
    const search = await searchPerson(deps, await readJson(c, PersonQuery));
    const ids = search.conversations.map((conversation) => conversation.conversationId);
    const files =
      ids.length > 0 ? await explainS3Errors(archive, () => listFiles(archive, { conversations: ids })) : [];
    return c.json({
      summary: describeSearch(search),
      sources: search.sources,
      searchedAt: search.searchedAt,
      conversations: search.conversations.map((conversation) => ({
        conversationId: conversation.conversationId,
        foundIn: foundInText(conversation, search),
        files: files.filter((f) => f.conversationId === conversation.conversationId).length,
        bytes: files.filter((f) => f.conversationId === conversation.conversationId).reduce((n, f) => n + f.size, 0),
      })),
      files: files.map(toRow),
    });
  });
  return app;
}

/**
 * The person's conversations, asking Dixa only when the page asked to and the console has a token; when Dixa cannot
 * be asked, a line that says so and nothing else (no partial answer).
 */
export async function searchPerson(deps: ConsoleDeps, query: PersonQuery): Promise<PersonSearch> {
  const selector = personSelector({ [query.type]: query.value }, (type) => IDENTITY_LABEL[type])!;
  if (query.askDixa && !deps.dixa) {
    throw new UserError(
      'this console has no Dixa API token: start it with DIXA_API_TOKEN set (or --token-file), or search the ' +
        "archive's own people index only",
    );
  }
  const dixa = query.askDixa ? deps.dixa : undefined;
  try {
    return await explainS3Errors(deps.archive, () => findPerson(deps.archive, selector, { dixa }));
  } catch (error: unknown) {
    if (!(error instanceof DixaUnavailableError)) throw error;
    throw new UserError(
      `${error.message}; nothing was changed. If Dixa no longer knows this person, untick “Ask Dixa too” to ` +
        "search the archive's own people index alone",
    );
  }
}
