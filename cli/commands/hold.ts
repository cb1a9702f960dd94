/**
 * `dixa-archiver hold add | release | list`: legal holds (lambdas/compliance/holds.ts). A hold is an event in the
 * conversation's ledger (write-once), plus, on a bucket with Object Lock, S3's own legal hold on every version of
 * every file and record. While any matter holds a conversation, `erase` and the anonymization follower refuse.
 */
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import { whoIsActing } from '../../lambdas/compliance/caller-identity.ts';
import {
  checkHoldReason,
  checkMatter,
  type HoldInForce,
  type HoldRequest,
  holdsInForce,
  listHolds,
  placeHolds,
  releaseHolds,
} from '../../lambdas/compliance/holds.ts';
import { describeSearch, type PersonSelector } from '../../lambdas/compliance/people.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, printResult, say, wantsJson } from '../shared/output.ts';
import { foundInText, PERSON_FLAGS, PERSON_FLAGS_HELP, searchPerson, selectedPerson } from '../shared/person.ts';
import { S3_FLAGS, S3_FLAGS_HELP, type S3Target, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver hold — place, release and list legal holds on conversations

Usage:
  dixa-archiver hold add --conversation <csid> [--conversation <csid>…] --matter "<name>" --reason "<text>"
  dixa-archiver hold add --email <address> | --phone <number> | --external-id <id> --matter "<name>" --reason "<text>"
  dixa-archiver hold release --matter "<name>" [--conversation <csid>…] --reason "<text>"
  dixa-archiver hold list [--matter "<name>"] [--json]

Options:
  --conversation <csid>   a Dixa conversation id (repeat for several); release without it releases every
                          conversation the matter holds
  --matter "<name>"       the legal matter (e.g. a case number); several matters can hold one conversation
  --reason "<text>"       why, for the hold's record (no personal data here)
  --json                  print JSON even at a terminal

${PERSON_FLAGS_HELP}
  hold add holds every conversation found for the person now (the output lists them); conversations the person
  takes part in later are not held by it: add them by --conversation, or run the same hold add again.

${S3_FLAGS_HELP}

A held conversation cannot be erased (erase refuses and names the matters) and the anonymization follower leaves
it alone. Every add and release is kept as a write-once event, so the history of each hold stays provable. On a
bucket with Object Lock every version of every file and record also gets an S3 legal hold — files archived later
for a held conversation get it on arrival — removed only when no matter holds the conversation any more. A hold on a
conversation with nothing archived yet is recorded all the same (its files may still arrive).

Examples:
  npx dixa-archiver hold add --conversation 1234 --matter "Case 2025-17" --reason "litigation hold" --bucket acme-dixa-archive
  npx dixa-archiver hold release --matter "Case 2025-17" --reason "case closed" --bucket acme-dixa-archive
  npx dixa-archiver hold list --json --bucket acme-dixa-archive
`;

const FLAGS = {
  ...S3_FLAGS,
  conversation: { type: 'string', multiple: true },
  matter: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
  ...PERSON_FLAGS,
} as const;

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

export const command: Command = {
  name: 'hold',
  summary: 'place, release and list legal holds (a held conversation cannot be erased)',
  help,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action !== 'add' && action !== 'release' && action !== 'list') {
      if (action?.startsWith('--')) parseFlags(argv, FLAGS); // a mistyped flag is named first
      throw new UsageError('say what to do: hold add | hold release | hold list (dixa-archiver hold --help)');
    }
    const flags = parseFlags(rest, FLAGS);
    const person = selectedPerson(flags);
    if (person && action !== 'add') {
      throw new UsageError(`--${person.type} goes with hold add; release and list work by --matter and --conversation`);
    }
    const archive = s3Target(flags);
    if (action === 'list') return explainS3Errors(archive, () => list(archive, flags));
    const matter = checkMatter(flags.matter);
    const reason = checkHoldReason(flags.reason);
    let conversations = [...new Set((flags.conversation ?? []).map(checkConversationId))];
    if (action === 'add' && conversations.length === 0 && !person) {
      throw new UsageError('--conversation <csid> (or --email, --phone, --external-id) is required');
    }
    const by = await whoIsActing(archive.s3, archive.local, 'the hold event', 'nothing was changed');
    if (person) conversations = await personConversations(archive, person, flags);
    return explainS3Errors(archive, () =>
      action === 'add'
        ? add(archive, conversations, { matter, reason, by })
        : release(archive, conversations, { matter, reason, by }),
    );
  },
};

/** The person's conversations, from Dixa and the archive's people index; none found is an error (nothing to hold). */
async function personConversations(archive: S3Target, person: PersonSelector, flags: Flags): Promise<string[]> {
  const search = await searchPerson(archive, person, flags);
  say`${describeSearch(search)}`;
  if (search.conversations.length === 0) {
    throw new UserError(
      `no conversation found for this ${person.type === 'external-id' ? 'external id' : person.type}, so nothing was ` +
        'held: a hold names conversations. Hold them by --conversation once they are known',
    );
  }
  for (const found of search.conversations) say`  ${found.conversationId}: found in ${foundInText(found, search)}`;
  return search.conversations.map((found) => found.conversationId);
}

async function add(archive: S3Target, conversations: string[], request: HoldRequest): Promise<number> {
  const { objectLock } = await placeHolds(
    archive,
    conversations,
    request,
    ({ conversationId, files, versions, matters }) => {
      if (files === 0)
        say`Conversation ${conversationId}: hold recorded for "${request.matter}"; nothing is archived for it yet — files archived later are held on arrival.`;
      else
        say`Conversation ${conversationId}: held for "${request.matter}" (${files} file(s)${versions ? `; S3 legal hold on ${versions} object version(s)` : ''}).`;
      if (matters.length > 1) say`  held by ${matters.length} matters: ${matters.map((m) => `"${m}"`).join(', ')}`;
    },
  );
  if (!objectLock)
    say`This bucket has no Object Lock: the hold registry alone stops erase and the anonymization follower.`;
  return 0;
}

async function release(archive: S3Target, named: string[], request: HoldRequest): Promise<number> {
  await releaseHolds(archive, named, request, ({ conversationId, released, stillHeldBy, versions }) => {
    if (!released) say`Conversation ${conversationId}: not held for "${request.matter}"; left as it is.`;
    else if (stillHeldBy.length > 0)
      say`Conversation ${conversationId}: released from "${request.matter}"; still held for ${stillHeldBy.map((m) => `"${m}"`).join(', ')}.`;
    else
      say`Conversation ${conversationId}: released from "${request.matter}"; no longer held${versions ? ` (S3 legal hold removed from ${versions} object version(s))` : ''}.`;
  });
  return 0;
}

const COLUMNS: Column<HoldInForce>[] = [
  { header: 'CONVERSATION', value: (r) => r.conversationId },
  { header: 'MATTER', value: (r) => r.matter },
  { header: 'SINCE', value: (r) => r.since },
  { header: 'BY', value: (r) => r.by },
  { header: 'REASON', value: (r) => r.reason },
];

async function list(archive: S3Target, flags: Flags): Promise<number> {
  const matter = flags.matter === undefined ? undefined : checkMatter(flags.matter);
  const rows = holdsInForce(await listHolds(archive)).filter((r) => matter === undefined || r.matter === matter);
  const json = wantsJson(flags.json);
  if (rows.length === 0 && !json) {
    if (matter) say`Matter "${matter}" holds no conversation.`;
    else say`No conversation is under legal hold.`;
    return 0;
  }
  printResult(rows, COLUMNS, json);
  return 0;
}
