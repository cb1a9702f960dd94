/**
 * Find a person: their conversations from Dixa's end-user API and the archive's own people index (people.ts, the
 * module `list --email` uses), each with where it was found, and the files archived for them (listing.ts); and erase
 * them as `erase --email` does (erasure-request.ts): the plan of every conversation found, then — with the person's
 * address typed again and a reason — each conversation's erasure and receipt, and one request receipt linking them.
 * POSTs only: an e-mail address or phone number never travels in a URL, so it never lands in a log or the history.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UsageError, UserError } from '../../../lambdas/commons/errors.ts';
import { ReceiptNotWrittenError, refusals } from '../../../lambdas/compliance/erase.ts';
import {
  executePersonErasure,
  planPersonErasure,
  RequestReceiptNotWrittenError,
} from '../../../lambdas/compliance/erasure-request.ts';
import { listFiles } from '../../../lambdas/compliance/listing.ts';
import {
  DixaUnavailableError,
  describeSearch,
  findPerson,
  type PersonSearch,
  personSelector,
  sameIdentity,
} from '../../../lambdas/compliance/people.ts';
import { checkReason } from '../../../lambdas/compliance/reason.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import { IDENTITY_TYPES, type IdentityType } from '../../../lambdas/core/people.ts';
import { foundInText } from '../../shared/person.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { describePlan } from './erase.ts';
import { toRow } from './find.ts';
import { readJson, text } from './input.ts';

export const PersonQuery = v.strictObject({
  type: v.picklist(IDENTITY_TYPES),
  value: text(320),
  askDixa: v.optional(v.boolean(), false),
});
export type PersonQuery = v.InferOutput<typeof PersonQuery>;

const PersonErasure = v.strictObject({
  ...PersonQuery.entries,
  confirmation: text(320),
  reason: text(2000),
  bypassGovernance: v.optional(v.boolean(), false),
});

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

  app.post('/people/erase/plan', async (c) => {
    const search = await searchPerson(deps, await readJson(c, PersonQuery));
    const plans = await explainS3Errors(archive, () => planPersonErasure(archive, search));
    const found = new Map(search.conversations.map((f) => [f.conversationId, foundInText(f, search)]));
    return c.json({
      summary: describeSearch(search),
      conversations: plans.map((plan) => ({ ...describePlan(plan), foundIn: found.get(plan.conversationId) ?? '' })),
    });
  });

  app.post('/people/erase', async (c) => {
    const request = await readJson(c, PersonErasure);
    const selector = personSelector({ [request.type]: request.value }, (type) => IDENTITY_LABEL[type])!;
    if (!sameIdentity(selector, request.confirmation)) {
      throw new UsageError(`type the person's ${IDENTITY_LABEL[request.type]} to confirm; nothing was deleted`);
    }
    const reason = checkReason(request.reason, 'Reason');
    const erasedBy = await deps.whoAmI('the receipts', 'nothing was deleted');
    const search = await searchPerson(deps, request);
    const plans = await explainS3Errors(archive, () => planPersonErasure(archive, search));
    const refused = refusals(plans, request.bypassGovernance);
    if (refused.length > 0) throw new UsageError(refused.map((r) => r.summary).join('; '));
    try {
      const erasure = await explainS3Errors(archive, () =>
        executePersonErasure(archive, search, plans, { reason, erasedBy, bypassGovernance: request.bypassGovernance }),
      );
      deps.log(
        `erased ${erasure.results.length} conversation(s) of a person; request receipt ${erasure.requestReceiptKey}`,
      );
      return c.json({ requestReceiptKey: erasure.requestReceiptKey, requestReceipt: erasure.requestReceipt });
    } catch (error: unknown) {
      // Erased, but a receipt could not be stored: the page shows it, and the person must keep it.
      if (error instanceof RequestReceiptNotWrittenError) {
        return c.json({ error: error.message, requestReceipt: error.requestReceipt }, 502);
      }
      if (error instanceof ReceiptNotWrittenError) return c.json({ error: error.message, receipt: error.receipt }, 502);
      throw error;
    }
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
