/** `dixa-archiver erase`: delete every stored version of a conversation's files and leave an erasure receipt. */

import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { type Archive, checkConversationId, displayName } from '../../lambdas/compliance/archive.ts';
import { whoIsErasing } from '../../lambdas/compliance/caller-identity.ts';
import {
  type ErasurePlan,
  executeErasure,
  planErasure,
  ReceiptNotWrittenError,
  refusal,
  summarizePlan,
} from '../../lambdas/compliance/erase.ts';
import { describeHold } from '../../lambdas/compliance/object-lock.ts';
import { checkReason } from '../../lambdas/compliance/reason.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { confirm } from '../shared/confirm.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { say, wantsJson } from '../shared/output.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver erase — permanently delete a conversation's archived files (e.g. a GDPR erasure request)

Usage: dixa-archiver erase --conversation <csid> --reason "<text>" [--yes] [--bypass-governance] [options]

Options:
  --conversation <csid>   the Dixa conversation id
  --reason "<text>"       why, for the receipt (e.g. a ticket number; do not put personal data here)
  --yes                   do not ask for confirmation (required when not at a terminal)
  --bypass-governance     also delete versions under Object Lock GOVERNANCE retention (needs the IAM
                          permission s3:BypassGovernanceRetention)
  --json                  print the receipt as JSON even at a terminal

${S3_FLAGS_HELP}

Shows what will be deleted and asks you to type the conversation id to confirm. Then deletes every version of
every file and provenance record of the conversation (older versions and delete markers included), and writes an
erasure receipt — who, when, why, which objects (keys, version ids, SHA-256), no file contents — to
<prefix>/erasure-receipts/. Objects under Object Lock COMPLIANCE retention or a legal hold cannot be deleted by
anyone: the command then deletes nothing and lists them with the date their retention ends.

${exitCodesHelp({
  ok: 'the conversation was erased and its receipt written',
  problem: 'nothing or not everything was erased: refused (Object Lock), cancelled, or failed (see the message)',
  nothing: 'nothing is archived for the conversation: nothing was deleted',
})}

Examples:
  npx dixa-archiver erase --conversation 1234 --reason "GDPR request #5678" --bucket acme-dixa-archive
  npx dixa-archiver erase --conversation 1234 --reason "GDPR request #5678" --yes --json > receipt.json
`;

export const command: Command = {
  name: 'erase',
  summary: "permanently delete a conversation's files (every version) and write an erasure receipt",
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      conversation: { type: 'string' },
      reason: { type: 'string' },
      yes: { type: 'boolean' },
      'bypass-governance': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!flags.conversation) throw new UsageError('--conversation <csid> is required');
    const conversationId = checkConversationId(flags.conversation);
    const reason = checkReason(flags.reason);
    const bypassGovernance = flags['bypass-governance'] === true;
    const archive = s3Target(flags);

    const erasedBy = await whoIsErasing(archive.s3, archive.local);
    const plan = await explainS3Errors(archive, () => planErasure(archive, conversationId));
    if (plan.versions.length === 0) {
      say(`${nothingArchived(archive, [conversationId])}: nothing was deleted.`);
      if (wantsJson(flags.json)) process.stdout.write(`${JSON.stringify({ conversationId, objectCount: 0 })}\n`);
      return EXIT.nothingArchived;
    }
    showPlan(archive, plan, reason, erasedBy);
    const refused = refusal(plan, bypassGovernance);
    if (refused) {
      for (const hold of refused.held) say(`  held: ${describeHold(hold)}`);
      throw new UserError(refused.summary);
    }
    if (plan.holds.length > 0) {
      say(`${plan.holds.length} version(s) under GOVERNANCE retention will be deleted with BypassGovernanceRetention.`);
    }
    const confirmed = await confirm({
      yes: flags.yes,
      action: `erase conversation ${conversationId}`,
      question: `Type the conversation id (${conversationId}) to delete these ${plan.versions.length} object(s) permanently: `,
      accept: (answer) => answer === conversationId,
    });
    if (!confirmed) {
      say('Cancelled; nothing was deleted.');
      return EXIT.problem;
    }

    const { receipt, receiptKey } = await explainS3Errors(archive, () =>
      executeErasure(archive, plan, { reason, erasedBy, bypassGovernance }),
    ).catch((error: unknown) => {
      // The objects are gone but the receipt could not be stored: it goes to stdout, for the person to keep.
      if (error instanceof ReceiptNotWrittenError) process.stdout.write(`${JSON.stringify(error.receipt, null, 2)}\n`);
      throw error;
    });
    if (wantsJson(flags.json)) process.stdout.write(`${JSON.stringify({ receiptKey, receipt }, null, 2)}\n`);
    else process.stdout.write(`Receipt: s3://${archive.bucket}/${receiptKey}\n`);
    say(`Erased ${receipt.objectCount} object(s) of conversation ${conversationId}.`);
    if (receipt.remainingAfterErasure > 0) {
      throw new UserError(
        `${receipt.remainingAfterErasure} object(s) appeared under ${plan.keyPrefix} while erasing (archived meanwhile?): run erase again`,
      );
    }
    return EXIT.ok;
  },
};

function showPlan(archive: Archive, plan: ErasurePlan, reason: string, erasedBy: string): void {
  const counts = summarizePlan(plan);
  const names = plan.entries.map(displayName);
  say(`About to erase conversation ${plan.conversationId} from s3://${archive.bucket}/${plan.keyPrefix}`);
  say(
    `  ${counts.files} file(s), ${counts.records} provenance record(s), ${counts.olderVersions} older version(s), ` +
      `${counts.deleteMarkers} delete marker(s): ${counts.objects} object(s) in all`,
  );
  if (names.length > 0) say(`  files: ${names.join(', ')}`);
  say(`  reason: ${reason}`);
  say(`  erased by: ${erasedBy}`);
}
