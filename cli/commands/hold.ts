/**
 * `dixa-archiver hold add | release | list`: legal holds (lambdas/compliance/holds.ts). A hold is an event in the
 * conversation's ledger (write-once), plus, on a bucket with Object Lock, S3's own legal hold on every version of
 * every file and record. While any matter holds a conversation, `erase` and the anonymization follower refuse.
 */
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { checkConversationId, readConversation } from '../../lambdas/compliance/archive.ts';
import { whoIsActing } from '../../lambdas/compliance/caller-identity.ts';
import {
  activeMatters,
  checkHoldReason,
  checkMatter,
  expiryCannotSeeHolds,
  type HeldConversation,
  HOLD_EVENT_VERSION,
  type HoldAction,
  listHolds,
  matterKey,
  readHoldEvents,
  setLegalHolds,
  writeHoldEvent,
} from '../../lambdas/compliance/holds.ts';
import { bucketUsesObjectLock } from '../../lambdas/compliance/object-lock.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, printResult, say, wantsJson } from '../shared/output.ts';
import { S3_FLAGS, S3_FLAGS_HELP, type S3Target, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver hold — place, release and list legal holds on conversations

Usage:
  dixa-archiver hold add --conversation <csid> [--conversation <csid>…] --matter "<name>" --reason "<text>"
  dixa-archiver hold release --matter "<name>" [--conversation <csid>…] --reason "<text>"
  dixa-archiver hold list [--matter "<name>"] [--json]

Options:
  --conversation <csid>   a Dixa conversation id (repeat for several); release without it releases every
                          conversation the matter holds
  --matter "<name>"       the legal matter (e.g. a case number); several matters can hold one conversation
  --reason "<text>"       why, for the hold's record (no personal data here)
  --json                  print JSON even at a terminal

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
    const archive = s3Target(flags);
    if (action === 'list') return explainS3Errors(archive, () => list(archive, flags));
    const matter = checkMatter(flags.matter);
    const reason = checkHoldReason(flags.reason);
    const conversations = [...new Set((flags.conversation ?? []).map(checkConversationId))];
    if (action === 'add' && conversations.length === 0) throw new UsageError('--conversation <csid> is required');
    const by = await whoIsActing(archive.s3, archive.local, 'the hold event', 'nothing was changed');
    return explainS3Errors(archive, () =>
      action === 'add'
        ? add(archive, conversations, { matter, reason, by })
        : release(archive, conversations, { matter, reason, by }),
    );
  },
};

interface Who {
  matter: string;
  reason: string;
  by: string;
}

async function add(archive: S3Target, conversations: string[], who: Who): Promise<number> {
  const locked = await bucketUsesObjectLock(archive.s3, archive.bucket);
  if (!locked && (await expiryCannotSeeHolds(archive))) {
    throw new UserError(
      `refusing to place a hold: s3://${archive.bucket} has no Object Lock and a lifecycle rule expires archived ` +
        'files, which cannot see holds; held files would still expire. Deploy with Object Lock (objectLockMode) ' +
        'or without expireAfterDays; nothing was changed',
    );
  }
  for (const conversationId of conversations) {
    const files = (await readConversation(archive, conversationId)).filter((e) => e.file).length;
    await record(archive, conversationId, 'add', who, files);
    // After the event: an archiver writing meanwhile either is seen here, or sees the event after its write.
    const versions = await setLegalHolds(archive, conversationId, true);
    const matters = activeMatters(await readHoldEvents(archive, conversationId));
    say(
      files === 0
        ? `Conversation ${conversationId}: hold recorded for "${who.matter}"; nothing is archived for it yet — files archived later are held on arrival.`
        : `Conversation ${conversationId}: held for "${who.matter}" (${files} file(s)${locked ? `; S3 legal hold on ${versions} object version(s)` : ''}).`,
    );
    if (matters.length > 1) say(`  held by ${matters.length} matters: ${matters.map((m) => `"${m}"`).join(', ')}`);
  }
  if (!locked)
    say('This bucket has no Object Lock: the hold registry alone stops erase and the anonymization follower.');
  return 0;
}

async function release(archive: S3Target, named: string[], who: Who): Promise<number> {
  const conversations =
    named.length > 0
      ? named
      : (await listHolds(archive))
          .filter((h) => h.holds.some((e) => e.matterKey === matterKey(who.matter)))
          .map((h) => h.conversationId);
  if (conversations.length === 0) {
    throw new UserError(`matter "${who.matter}" holds no conversation; nothing was changed`);
  }
  for (const conversationId of conversations) {
    const before = activeMatters(await readHoldEvents(archive, conversationId));
    if (!before.includes(who.matter)) {
      say(`Conversation ${conversationId}: not held for "${who.matter}"; left as it is.`);
      continue;
    }
    await record(archive, conversationId, 'release', who, 0);
    const still = activeMatters(await readHoldEvents(archive, conversationId));
    if (still.length > 0) {
      say(
        `Conversation ${conversationId}: released from "${who.matter}"; still held for ${still.map((m) => `"${m}"`).join(', ')}.`,
      );
      continue;
    }
    const versions = await setLegalHolds(archive, conversationId, false);
    say(
      `Conversation ${conversationId}: released from "${who.matter}"; no longer held${versions ? ` (S3 legal hold removed from ${versions} object version(s))` : ''}.`,
    );
  }
  return 0;
}

async function record(archive: S3Target, conversationId: string, action: HoldAction, who: Who, files: number) {
  await writeHoldEvent(archive, {
    holdEventVersion: HOLD_EVENT_VERSION,
    conversationId,
    action,
    matter: who.matter,
    matterKey: matterKey(who.matter),
    reason: who.reason,
    at: new Date().toISOString(),
    by: who.by,
    archivedFiles: files,
  });
}

interface HoldRow {
  conversationId: string;
  matter: string;
  since: string;
  by: string;
  reason: string;
}

const COLUMNS: Column<HoldRow>[] = [
  { header: 'CONVERSATION', value: (r) => r.conversationId },
  { header: 'MATTER', value: (r) => r.matter },
  { header: 'SINCE', value: (r) => r.since },
  { header: 'BY', value: (r) => r.by },
  { header: 'REASON', value: (r) => r.reason },
];

async function list(archive: S3Target, flags: Flags): Promise<number> {
  const matter = flags.matter === undefined ? undefined : checkMatter(flags.matter);
  const held: HeldConversation[] = await listHolds(archive);
  const rows = held
    .flatMap((h) =>
      h.holds.map((e) => ({
        conversationId: h.conversationId,
        matter: e.matter,
        since: e.at,
        by: e.by,
        reason: e.reason,
      })),
    )
    .filter((r) => matter === undefined || r.matter === matter);
  const json = wantsJson(flags.json);
  if (rows.length === 0 && !json) {
    say(matter ? `Matter "${matter}" holds no conversation.` : 'No conversation is under legal hold.');
    return 0;
  }
  printResult(rows, COLUMNS, json);
  return 0;
}
