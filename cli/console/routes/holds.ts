/**
 * Legal holds: the holds in force (listHolds), placing one for a matter and releasing it (placeHolds, releaseHolds)
 * — the functions `dixa-archiver hold` calls, so the events, S3 legal holds and refusals are the CLI's own.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import {
  checkHoldReason,
  checkMatter,
  holdsInForce,
  listHolds,
  placeHolds,
  releaseHolds,
} from '../../../lambdas/compliance/holds.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { ConversationList, conversationIds, readJson, text } from './input.ts';

const HoldRequest = v.strictObject({
  conversations: v.optional(ConversationList, []),
  matter: text(1000),
  reason: text(2000),
});

export function holdRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.get('/holds', async (c) => {
    const held = await explainS3Errors(archive, () => listHolds(archive));
    return c.json({ holds: holdsInForce(held) });
  });

  app.post('/holds/place', async (c) => {
    const body = await readJson(c, HoldRequest);
    const conversations = conversationIds(body.conversations);
    const request = await holdRequest(deps, body, 'nothing was changed');
    const result = await explainS3Errors(archive, () => placeHolds(archive, conversations, request));
    deps.log(`hold placed on ${conversations.length} conversation(s)`);
    return c.json(result);
  });

  app.post('/holds/release', async (c) => {
    const body = await readJson(c, HoldRequest);
    const conversations = conversationIds(body.conversations);
    const request = await holdRequest(deps, body, 'nothing was changed');
    const released = await explainS3Errors(archive, () => releaseHolds(archive, conversations, request));
    deps.log(`hold released on ${released.filter((r) => r.released).length} conversation(s)`);
    return c.json({ released });
  });
  return app;
}

async function holdRequest(deps: ConsoleDeps, body: { matter: string; reason: string }, nothingDone: string) {
  const matter = checkMatter(body.matter, 'Matter');
  const reason = checkHoldReason(body.reason, 'Reason');
  return { matter, reason, by: await deps.whoAmI('the hold event', nothingDone) };
}
