/** `dixa-archiver receipts`: the erasure receipts in the archive, and one of them in full — no S3 console needed. */
import { UsageError } from '../../lambdas/commons/errors.ts';
import { type Archive, checkConversationId } from '../../lambdas/compliance/archive.ts';
import { parseDateRange } from '../../lambdas/compliance/date-range.ts';
import type { ErasureReceipt } from '../../lambdas/compliance/erase.ts';
import type { RequestReceipt } from '../../lambdas/compliance/erasure-request.ts';
import { isRequestReceipt, listReceipts, type ReceiptListing, readReceipt } from '../../lambdas/compliance/receipts.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, out, printResult, say, wantsJson } from '../shared/output.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver receipts — the erasure receipts: what was erased, when, by whom and why

Usage: dixa-archiver receipts [--conversation <csid>…] [--from <date>] [--to <date>] [--json] [options]
       dixa-archiver receipts show <key> [--json] [options]

Options:
  --conversation <csid>  only the receipts of this conversation, and the request receipts that link it (repeat
                         for several)
  --from <date>          only erasures from this date or UTC time on
  --to <date>            only erasures up to this date (the whole day) or UTC time
  --json                 print JSON even at a terminal (always JSON when piped)

${S3_FLAGS_HELP}

Every erasure leaves a write-once receipt under <prefix>/erasure-receipts/ that outlives the files it describes:
the conversation, when, who (the AWS identity), why, every object version removed with the SHA-256 of each file,
whether anything was left, and the tombstone that keeps the conversation from being archived again. An erasure
request for a person (erase --email) adds one request receipt under erasure-receipts/requests/: the person as a
fingerprint of their address (no address in it), which sources were searched and when, and every conversation
erased with where it was found and its receipt. \`receipts show <key>\` prints one in plain words (JSON as stored
with --json).

Examples:
  npx dixa-archiver receipts --conversation 1234 --bucket acme-dixa-archive
  npx dixa-archiver receipts --from 2026-11-01 --to 2026-11-30 --json > november-erasures.json
  npx dixa-archiver receipts show dixa/erasure-receipts/2026-11-30T10-00-00-000Z-1234.json --bucket acme-dixa-archive
`;

const FLAGS = {
  ...S3_FLAGS,
  conversation: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const COLUMNS: Column<ReceiptListing>[] = [
  { header: 'ERASED AT', value: (r) => r.erasedAt ?? '-' },
  { header: 'OF', value: (r) => r.kind ?? '?' },
  { header: 'CONVERSATION', value: (r) => r.conversationId ?? r.conversations?.join(', ') ?? '-' },
  { header: 'KEY', value: (r) => r.key },
];

export const command: Command = {
  name: 'receipts',
  summary: 'list the erasure receipts, or show one (proof of an erasure without the S3 console)',
  help,
  async run(argv) {
    if (argv[0] === 'show') return show(argv.slice(1));
    const flags = parseFlags(argv, FLAGS);
    const conversations = flags.conversation?.map(checkConversationId);
    const erased = parseDateRange(flags.from, flags.to);
    const archive = s3Target(flags);
    const receipts = await explainS3Errors(archive, () => listReceipts(archive, { conversations, erased }));
    const json = wantsJson(flags.json);
    if (receipts.length > 0 || json) printResult(receipts, COLUMNS, json);
    if (receipts.length === 0) {
      const which = conversations ? ` for conversation ${conversations.join(', ')}` : '';
      say`No erasure receipts${which} in s3://${archive.bucket}/${archive.prefix}/${flags.from || flags.to ? ' in that period' : ''}.`;
    }
    return 0;
  },
};

async function show(argv: string[]): Promise<number> {
  const [key, ...rest] = argv;
  if (!key || key.startsWith('--')) {
    throw new UsageError('give the receipt key: dixa-archiver receipts show <key> (dixa-archiver receipts lists them)');
  }
  const flags = parseFlags(rest, { ...S3_FLAGS, json: { type: 'boolean' } });
  const archive = s3Target(flags);
  const receipt = await explainS3Errors(archive, () => readReceipt(archive, key));
  if (wantsJson(flags.json)) process.stdout.write(`${JSON.stringify(receipt, null, 2)}\n`);
  else if (isRequestReceipt(receipt)) showRequest(key, receipt);
  else showConversation(archive, key, receipt);
  return 0;
}

function showConversation(archive: Archive, key: string, r: ErasureReceipt): void {
  out`Erasure receipt     ${key}`;
  out`Conversation        ${r.conversationId}`;
  if (r.messageId !== undefined)
    out`Message             ${r.messageId} (only its files; the conversation's others stay)`;
  out`Erased at           ${r.erasedAt}`;
  out`Erased by           ${r.erasedBy}`;
  out`Reason              ${r.reason}`;
  if (r.nothingArchived) out`Objects removed     none: nothing was archived for the conversation`;
  else out`Objects removed     ${r.objectCount} (${r.fileCount} archived file(s); older versions and records included)`;
  if (r.complete)
    out`Complete            yes: nothing was left under s3://${r.bucket || archive.bucket}/${r.keyPrefix}`;
  else {
    out`Complete            NO: ${r.failed.length} object(s) failed, ${r.remainingAfterErasure} left afterwards`;
  }
  if (r.tombstoneKey) out`Tombstone           ${r.tombstoneKey} (its files are never archived again)`;
  const files = r.objects.filter((o) => o.sha256);
  if (files.length > 0) out`Files removed (SHA-256 as archived):`;
  for (const o of files) out`  ${o.sha256}  ${o.key}`;
  for (const f of r.failed) out`  FAILED ${f.code}  ${f.key}`;
}

function showRequest(key: string, r: RequestReceipt): void {
  const what = { email: 'e-mail address', phone: 'phone number', 'external-id': 'external id' }[r.person.type];
  const sources = r.sources.includes('dixa')
    ? `Dixa (${r.dixaEndUsers} end user(s)) and the archive's people index`
    : "the archive's people index only (Dixa was not asked)";
  out`Request receipt     ${key}`;
  out`Person              the ${what} whose person key is ${r.person.personKey}`;
  out`Searched            ${sources}, at ${r.searchedAt}`;
  out`Erased at           ${r.erasedAt} (finished ${r.finishedAt})`;
  out`Erased by           ${r.erasedBy}`;
  out`Reason              ${r.reason}`;
  if (r.nothingFound) out`Conversations       none found: this receipt is the answer to the request`;
  else out`Conversations       ${r.conversations.length} erased:`;
  for (const c of r.conversations) {
    const found = c.foundIn.map((s) => (s === 'dixa' ? 'Dixa' : 'archive index')).join(' + ');
    const files = c.nothingArchived ? 'nothing archived' : `${c.fileCount} file(s)`;
    out`  ${c.conversationId}  found in ${found}, ${files}${c.complete ? '' : ', INCOMPLETE'}  receipt ${c.receiptKey}`;
  }
  if (r.complete) out`Complete            yes`;
  else out`Complete            NO: not finished for ${r.unfinished.join(', ') || 'a conversation above'}: erase again`;
}
