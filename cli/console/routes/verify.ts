/** Verify: a conversation, several, or the whole archive, re-hashed by verify.ts as a job the page polls. */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import { readEntries, verifyEntries } from '../../../lambdas/compliance/verify.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { ConversationList, conversationIds, readJson } from './input.ts';

const VerifyRequest = v.strictObject({
  conversations: v.optional(ConversationList, []),
  all: v.optional(v.boolean(), false),
});

export function verifyRoutes(deps: ConsoleDeps) {
  const { archive, jobs } = deps;
  const app = new Hono<ConsoleEnv>();

  app.post('/verify', async (c) => {
    const request = await readJson(c, VerifyRequest);
    const ids = conversationIds(request.conversations);
    if (request.all === ids.length > 0) throw new UsageError('verify either some conversations or the whole archive');
    const scope = request.all ? { all: true } : { conversations: ids };
    const job = jobs.start('verify', (control) =>
      explainS3Errors(archive, async () => {
        const entries = await readEntries(archive, request.all ? undefined : ids);
        control.plan(
          entries.reduce((sum, e) => sum + (e.file?.size ?? 0), 0),
          'hashing',
        );
        const report = await verifyEntries(archive, entries, control.advance);
        return { scope, checkedAt: new Date().toISOString(), ok: report.findings.length === 0, ...report };
      }),
    );
    return c.json(job, 202);
  });

  app.get('/jobs/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    return job ? c.json(job) : c.json({ error: 'no such job' }, 404);
  });
  return app;
}
