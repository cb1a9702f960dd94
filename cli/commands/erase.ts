/**
 * `dixa-archiver erase`: delete every stored version of a conversation's files and leave an erasure receipt; for a
 * person, every conversation found for them, and one request receipt linking the receipts.
 */

import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { type Archive, checkConversationId, displayName } from '../../lambdas/compliance/archive.ts';
import { whoIsErasing } from '../../lambdas/compliance/caller-identity.ts';
import {
  type ErasurePlan,
  type ErasureResult,
  executeErasures,
  planErasures,
  ReceiptNotWrittenError,
  refusals,
  summarizePlan,
} from '../../lambdas/compliance/erase.ts';
import {
  executePersonErasure,
  planPersonErasure,
  RequestReceiptNotWrittenError,
} from '../../lambdas/compliance/erasure-request.ts';
import { describeHold } from '../../lambdas/compliance/object-lock.ts';
import { describeSearch, type PersonSelector, sameIdentity } from '../../lambdas/compliance/people.ts';
import { checkReason } from '../../lambdas/compliance/reason.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { confirm } from '../shared/confirm.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { out, say, wantsJson } from '../shared/output.ts';
import {
  foundInText,
  PERSON_FLAGS,
  PERSON_FLAGS_HELP,
  type PersonFlags,
  searchPerson,
  selectedPerson,
} from '../shared/person.ts';
import { S3_FLAGS, S3_FLAGS_HELP, type S3Target, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver erase — permanently delete a conversation's archived files (e.g. a GDPR erasure request)

Usage: dixa-archiver erase --conversation <csid> [--conversation <csid>…] --reason "<text>" [--yes] [options]
       dixa-archiver erase --email <address> | --phone <number> | --external-id <id> --reason "<text>" [--yes] [options]

Options:
  --conversation <csid>   the Dixa conversation id (repeat for several: every one is erased)
  --reason "<text>"       why, for the receipt (e.g. a ticket number; do not put personal data here)
  --yes                   do not ask for confirmation (required when not at a terminal)
  --bypass-governance     also delete versions under Object Lock GOVERNANCE retention (needs the IAM
                          permission s3:BypassGovernanceRetention)
  --json                  print the receipt as JSON even at a terminal

${PERSON_FLAGS_HELP}
  An erasure request for a person shows every conversation found (its files, where it was found), asks you to type
  the person's e-mail address (or number, or id) to confirm, erases each conversation as below, and writes one
  request receipt to <prefix>/erasure-receipts/requests/ linking their receipts — also when nothing was found, so
  the request is answered. If Dixa cannot be asked, nothing is erased unless --archive-index-only says the
  archive's own index is enough. If any of the conversations is under legal hold, nothing is erased.

${S3_FLAGS_HELP}

Shows what will be deleted and asks you to type the conversation id (or, for several, their number) to confirm.
Then, for each conversation, writes a tombstone — from then on nothing re-archives its files: not a redelivered
webhook, a job in flight, a redrive or a backfill; only files of messages created later are new data — deletes
every version of every file and provenance record (older versions and delete markers included) and its
people-index entries, and writes an erasure receipt — who, when, why, which objects (keys, version ids, SHA-256),
no file contents — to <prefix>/erasure-receipts/. A conversation with nothing archived still gets its tombstone
and a receipt that says nothing was held. Objects under Object Lock COMPLIANCE retention or a legal hold cannot be deleted by
anyone: the command then deletes nothing and lists them with the date their retention ends.

${exitCodesHelp({
  ok: 'every conversation named (or found for the person, also none) was erased and its receipts written',
  problem: 'nothing or not everything was erased: refused (Object Lock), cancelled, or failed (see the message)',
  nothing: 'nothing is archived for any conversation named: each is tombstoned and its receipt says nothing was held',
})}

Examples:
  npx dixa-archiver erase --conversation 1234 --reason "GDPR request #5678" --bucket acme-dixa-archive
  npx dixa-archiver erase --conversation 1234 --reason "GDPR request #5678" --yes --json > receipt.json
  npx dixa-archiver erase --email jane@example.com --reason "GDPR request #5679" --bucket acme-dixa-archive
`;

export const command: Command = {
  name: 'erase',
  summary: "permanently delete a conversation's files (every version) and write an erasure receipt",
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      conversation: { type: 'string', multiple: true },
      reason: { type: 'string' },
      yes: { type: 'boolean' },
      'bypass-governance': { type: 'boolean' },
      json: { type: 'boolean' },
      ...PERSON_FLAGS,
    });
    const person = selectedPerson(flags);
    if (!person && !flags.conversation) {
      throw new UsageError('--conversation <csid> (or --email, --phone or --external-id) is required');
    }
    const reason = checkReason(flags.reason);
    const archive = s3Target(flags);
    if (person) return erasePerson(archive, person, reason, flags);
    const conversationIds = [...new Set(flags.conversation!.map(checkConversationId))];
    const bypassGovernance = flags['bypass-governance'] === true;

    const erasedBy = await whoIsErasing(archive.s3, archive.local);
    const plans = await explainS3Errors(archive, () => planErasures(archive, conversationIds));
    for (const plan of plans) showPlan(archive, plan);
    say`  reason: ${reason}`;
    say`  erased by: ${erasedBy}`;
    refuse(plans, bypassGovernance);
    const objects = plans.reduce((sum, plan) => sum + plan.versions.length, 0);
    const one = conversationIds.length === 1 ? conversationIds[0] : undefined;
    const confirmed = await confirm({
      yes: flags.yes,
      action: one ? `erase conversation ${one}` : `erase ${conversationIds.length} conversations`,
      question: one
        ? `Type the conversation id (${one}) to delete these ${objects} object(s) permanently: `
        : `Type the number of conversations (${conversationIds.length}) to delete these ${objects} object(s) permanently: `,
      accept: (answer) => answer === (one ?? String(conversationIds.length)),
    });
    if (!confirmed) {
      say`Cancelled; nothing was deleted.`;
      return EXIT.problem;
    }

    const json = wantsJson(flags.json);
    const results = await explainS3Errors(archive, () =>
      executeErasures(archive, plans, { reason, erasedBy, bypassGovernance, onErased: printErased(archive, json) }),
    ).catch(keepUnwrittenReceipt);
    if (json) {
      const printed = one ? results[0] : { receipts: results };
      process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
    }
    failOnLeftovers(results);
    return results.every((r) => r.receipt.nothingArchived) ? EXIT.nothingArchived : EXIT.ok;
  },
};

/**
 * A person's erasure request: every conversation found (Dixa and the archive's people index) with its plan and where
 * it was found, confirmed by typing the person's identity, then erased; one request receipt links the receipts.
 * Dixa unreachable (without --archive-index-only) or a legal hold on any conversation: nothing is erased.
 */
async function erasePerson(
  archive: S3Target,
  person: PersonSelector,
  reason: string,
  flags: PersonFlags & { yes?: boolean | undefined; 'bypass-governance'?: boolean | undefined; json?: boolean },
): Promise<number> {
  const bypassGovernance = flags['bypass-governance'] === true;
  const erasedBy = await whoIsErasing(archive.s3, archive.local);
  const search = await searchPerson(archive, person, flags);
  say`${describeSearch(search)}`;
  const plans = await explainS3Errors(archive, () => planPersonErasure(archive, search));
  for (const plan of plans) {
    showPlan(archive, plan);
    const found = search.conversations.find((c) => c.conversationId === plan.conversationId)!;
    say`  found in: ${foundInText(found, search)}`;
  }
  say`  reason: ${reason}`;
  say`  erased by: ${erasedBy}`;
  refuse(plans, bypassGovernance);
  if (plans.length === 0) {
    say`Nothing was found for this person: only the request receipt, saying so, is written.`;
  } else {
    const objects = plans.reduce((sum, plan) => sum + plan.versions.length, 0);
    const what = { email: 'e-mail address', phone: 'phone number', 'external-id': 'external id' }[person.type];
    const confirmed = await confirm({
      yes: flags.yes,
      action: `erase the ${plans.length} conversation(s) of this person`,
      question:
        `Type the person's ${what} to erase these ${plans.length} conversation(s) ` +
        `(${objects} object(s)) permanently: `,
      accept: (answer) => sameIdentity(person, answer),
    });
    if (!confirmed) {
      say`Cancelled; nothing was deleted.`;
      return EXIT.problem;
    }
  }

  const json = wantsJson(flags.json);
  const erasure = await explainS3Errors(archive, () =>
    executePersonErasure(archive, search, plans, {
      reason,
      erasedBy,
      bypassGovernance,
      onErased: printErased(archive, json),
    }),
  ).catch((error: unknown) => {
    if (error instanceof RequestReceiptNotWrittenError) {
      const { requestReceiptKey, requestReceipt } = error;
      process.stdout.write(`${JSON.stringify({ requestReceiptKey, requestReceipt }, null, 2)}\n`);
    }
    return keepUnwrittenReceipt(error);
  });
  const { requestReceiptKey, requestReceipt, results } = erasure;
  if (json)
    process.stdout.write(`${JSON.stringify({ requestReceiptKey, requestReceipt, receipts: results }, null, 2)}\n`);
  else out`Request receipt: s3://${archive.bucket}/${requestReceiptKey}`;
  if (requestReceipt.nothingFound) {
    say`The request is answered: nothing of this person was found, and the request receipt says so.`;
  } else say`Erased ${results.length} conversation(s) of this person; the request receipt links their receipts.`;
  failOnLeftovers(results);
  return EXIT.ok;
}

function refuse(plans: ErasurePlan[], bypassGovernance: boolean): void {
  const refused = refusals(plans, bypassGovernance);
  if (refused.length > 0) {
    for (const hold of refused.flatMap((r) => r.held)) say`  held: ${describeHold(hold)}`;
    throw new UserError(refused.map((r) => r.summary).join('; '));
  }
  const governed = plans.reduce((sum, plan) => sum + plan.holds.length, 0);
  if (governed > 0) {
    say`${governed} version(s) under GOVERNANCE retention will be deleted with BypassGovernanceRetention.`;
  }
}

/** Each conversation's receipt as it is written (its key at a terminal; JSON prints them all at the end). */
function printErased(archive: Archive, json: boolean) {
  return ({ receipt, receiptKey }: ErasureResult) => {
    if (!json) out`Receipt: s3://${archive.bucket}/${receiptKey}`;
    if (receipt.nothingArchived) {
      say`${nothingArchived(archive, [receipt.conversationId])}: it is tombstoned, and its receipt says nothing was held.`;
    } else say`Erased ${receipt.objectCount} object(s) of conversation ${receipt.conversationId}.`;
  };
}

/** The objects are gone but a receipt could not be stored: it goes to stdout, for the person to keep. */
function keepUnwrittenReceipt(error: unknown): never {
  if (error instanceof ReceiptNotWrittenError) {
    process.stdout.write(`${JSON.stringify({ receiptKey: error.receiptKey, receipt: error.receipt }, null, 2)}\n`);
  }
  throw error;
}

function failOnLeftovers(results: readonly ErasureResult[]): void {
  const leftovers = results.filter((r) => r.receipt.remainingAfterErasure > 0);
  if (leftovers.length === 0) return;
  throw new UserError(
    `${leftovers
      .map((r) => `${r.receipt.remainingAfterErasure} object(s) appeared under ${r.receipt.keyPrefix} while erasing`)
      .join('; ')} (archived meanwhile; the archiver removes what it stored after the tombstone): run erase again`,
  );
}

function showPlan(archive: Archive, plan: ErasurePlan): void {
  const counts = summarizePlan(plan);
  const names = plan.entries.map(displayName);
  say`About to erase conversation ${plan.conversationId} from s3://${archive.bucket}/${plan.keyPrefix}`;
  if (plan.versions.length === 0) {
    say`  nothing is archived for it: a tombstone (so nothing is archived later) and a receipt saying so are written`;
  } else {
    say`  ${counts.files} file(s), ${counts.records} provenance record(s), ${counts.olderVersions} older version(s), ${counts.deleteMarkers} delete marker(s): ${counts.objects} object(s) in all`;
  }
  if (plan.ledgerVersions.length > 0) say`  ${plan.ledgerVersions.length} people-index entries and failure markers`;
  if (names.length > 0) say`  files: ${names.join(', ')}`;
}
