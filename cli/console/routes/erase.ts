/**
 * Erase: the plan (erase.ts), then — with the conversation number typed again and a reason — the erasure itself and
 * its receipt; and the receipts list (receipts.ts). The server checks the typed confirmation too: a request that
 * skipped the page deletes nothing.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { checkConversationId, displayName } from '../../../lambdas/compliance/archive.ts';
import {
  type ErasurePlan,
  executeErasure,
  planErasure,
  ReceiptNotWrittenError,
  refusal,
  summarizePlan,
} from '../../../lambdas/compliance/erase.ts';
import { describeHold } from '../../../lambdas/compliance/object-lock.ts';
import { checkReason } from '../../../lambdas/compliance/reason.ts';
import { listReceipts, readReceipt } from '../../../lambdas/compliance/receipts.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';
import { readJson, text } from './input.ts';

const PlanRequest = v.strictObject({ conversation: text(32) });
const EraseRequest = v.strictObject({
  conversation: text(32),
  confirmation: text(32),
  reason: text(2000),
  bypassGovernance: v.optional(v.boolean(), false),
});

export function eraseRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.post('/erase/plan', async (c) => {
    const { conversation } = await readJson(c, PlanRequest);
    const conversationId = checkConversationId(conversation.trim());
    const plan = await explainS3Errors(archive, () => planErasure(archive, conversationId));
    return c.json(describePlan(plan));
  });

  app.post('/erase', async (c) => {
    const request = await readJson(c, EraseRequest);
    const conversationId = checkConversationId(request.conversation.trim());
    if (request.confirmation.trim() !== conversationId) {
      throw new UsageError(`type the conversation number (${conversationId}) to confirm; nothing was deleted`);
    }
    const reason = checkReason(request.reason, 'Reason');
    const erasedBy = await deps.whoAmI('the receipt', 'nothing was deleted');
    const plan = await explainS3Errors(archive, () => planErasure(archive, conversationId));
    try {
      const { receipt, receiptKey } = await explainS3Errors(archive, () =>
        executeErasure(archive, plan, { reason, erasedBy, bypassGovernance: request.bypassGovernance }),
      );
      deps.log(`erased conversation ${conversationId}: ${receipt.objectCount} object(s); receipt ${receiptKey}`);
      return c.json({ receiptKey, receipt });
    } catch (error: unknown) {
      // The objects are gone but the receipt could not be stored: the page shows it, and the person must keep it.
      if (error instanceof ReceiptNotWrittenError) return c.json({ error: error.message, receipt: error.receipt }, 502);
      throw error;
    }
  });

  app.get('/receipts', async (c) => {
    const receipts = await explainS3Errors(archive, () => listReceipts(archive));
    return c.json({ receipts });
  });

  app.post('/receipts/show', async (c) => {
    const { key } = await readJson(c, v.strictObject({ key: text(1024) }));
    const receipt = await explainS3Errors(archive, () => readReceipt(archive, key));
    return c.json({ key, receipt });
  });
  return app;
}

/** A plan as the page shows it: counts, files, and why it cannot run (holds) if it cannot. */
export function describePlan(plan: ErasurePlan) {
  const refused = refusal(plan, true);
  const needsBypass = !refused && plan.holds.length > 0;
  return {
    conversationId: plan.conversationId,
    keyPrefix: plan.keyPrefix,
    counts: summarizePlan(plan),
    files: plan.entries.map((entry) => ({
      name: displayName(entry),
      size: entry.file?.size ?? entry.record?.size ?? 0,
      kind: entry.record?.kind ?? null,
    })),
    refusal: refused ? { summary: refused.summary, held: refused.held.map(describeHold) } : null,
    governanceHeld: needsBypass ? plan.holds.map(describeHold) : [],
  };
}
