/**
 * The anonymization follower. Dixa sends no webhook when it anonymizes, so the sweep asks, for its window:
 *   - the conversation export (conversations updated within the window) for rows with `anonymized_at`, each then
 *     confirmed by the conversation resource (`_type: AnonymizedConversation`, `anonymizedAt`): the export is a bulk
 *     view, the resource is Dixa's word on the one conversation, and nothing is erased on the export's word alone;
 *   - the activity log for `ConversationMessageRedacted` entries (a message's text and files removed).
 * Among those, the ones with files in the archive get the policy (`followAnonymization`):
 *   report  listed in the completeness report, nothing changes (the archive outlives Dixa's retention on purpose);
 *   erase   erased exactly as `erase` does it (lambdas/compliance/erase.ts: tombstone first — for a redacted message a
 *           message tombstone — then every version, then a receipt), reason `anonymized in Dixa at <time>`;
 *   off     Dixa is not asked at all.
 * A conversation under legal hold is never erased: it is listed as held, with its matters. Object Lock that refuses
 * a deletion is reported (locked), not forced. A failure on one finding is reported on it and the others go on.
 */
import { UserError } from '../commons/errors.ts';
import type { Archive, ArchiveEntry } from '../compliance/archive.ts';
import { readConversation } from '../compliance/archive.ts';
import {
  type ErasurePlan,
  executeErasure,
  planErasure,
  planMessageErasure,
  ReceiptNotWrittenError,
  refusal,
} from '../compliance/erase.ts';
import { heldBy } from '../compliance/holds.ts';
import { readLedger } from '../compliance/ledger.ts';
import { messageKey } from '../core/keys.ts';
import type { DixaClient } from '../dixa/dixa-client.ts';
import type { Clock } from '../dixa/pacer.ts';
import { planWindows } from '../dixa/windows.ts';
import type { AnonymizationFinding, AnonymizationPolicy, AnonymizationReport } from './report.ts';

export interface FollowDeps {
  dixa: Pick<DixaClient, 'exportConversations' | 'conversation' | 'activityLog'>;
  archive: Archive;
  /** Who erases, for the receipts; asked once, and only when something is to be erased. */
  erasedBy: () => Promise<string>;
  clock: Pick<Clock, 'now'>;
}

export interface FollowOptions {
  /** First and last UTC day, both included (the sweep's window). */
  from: string;
  to: string;
  policy: AnonymizationPolicy;
  /** Unix ms after which nothing more is started. */
  deadline?: number;
}

interface Anonymized {
  conversationId: string;
  anonymizedAt: string;
}

interface Redaction extends Anonymized {
  messageId: string;
  deletedFiles: number;
}

export async function followAnonymization(deps: FollowDeps, options: FollowOptions): Promise<AnonymizationReport> {
  const { policy } = options;
  const report: AnonymizationReport = { policy, status: 'checked', conversations: [], messages: [], errors: [] };
  if (policy === 'off') return { ...report, status: 'off' };

  const windows = planWindows(options.from, options.to);
  const candidates = new Map<string, Anonymized>();
  for (const window of windows) {
    try {
      for (const found of anonymizedConversations(await deps.dixa.exportConversations(window))) {
        candidates.set(found.conversationId, found);
      }
    } catch (error: unknown) {
      report.errors.push(`conversation export ${window.id}: ${messageOf(error)}`);
    }
  }
  const redactions = new Map<string, Redaction>();
  try {
    const from = new Date(windows[0]!.startMs);
    const to = new Date(Math.min(windows.at(-1)!.endMs, deps.clock.now()));
    for await (const page of deps.dixa.activityLog(from, to)) {
      for (const found of redactedMessages(page)) redactions.set(`${found.conversationId}/${found.messageId}`, found);
    }
  } catch (error: unknown) {
    report.errors.push(`activity log: ${messageOf(error)}`);
  }

  const act = new Actions(deps, options, report);
  for (const candidate of candidates.values()) {
    if (act.outOfTime(`conversation ${candidate.conversationId}`)) break;
    const finding = await act.conversation(candidate);
    if (finding) report.conversations.push(finding);
  }
  const erased = new Set(report.conversations.filter((f) => f.action === 'erased').map((f) => f.conversationId));
  for (const redaction of redactions.values()) {
    if (erased.has(redaction.conversationId)) continue; // gone with its conversation
    if (act.outOfTime(`message ${redaction.messageId}`)) break;
    const finding = await act.message(redaction);
    if (finding) report.messages.push(finding);
  }
  if (report.errors.length > 0) report.status = 'unproven';
  return report;
}

/** The follower's work on one finding at a time; every failure lands on the finding and in the report's errors. */
class Actions {
  private erasedBy: Promise<string> | undefined;
  private readonly archived = new Map<string, Promise<ArchiveEntry[]>>();

  constructor(
    private readonly deps: FollowDeps,
    private readonly options: FollowOptions,
    private readonly report: AnonymizationReport,
  ) {}

  outOfTime(what: string): boolean {
    if (this.options.deadline === undefined || this.deps.clock.now() <= this.options.deadline) return false;
    this.report.errors.push(`${what} and after: not checked, the run ran out of time`);
    return true;
  }

  async conversation(candidate: Anonymized): Promise<AnonymizationFinding | undefined> {
    const { conversationId } = candidate;
    let files = 0;
    try {
      files = (await this.archivedFiles(conversationId)).length;
      if (files === 0) return undefined; // nothing of it in the archive
      const finding: AnonymizationFinding = { ...candidate, files, action: 'listed' };
      // The export is a bulk view; the conversation resource is Dixa's own word on this conversation.
      const confirmed = anonymization(await this.deps.dixa.conversation(conversationId));
      if (!confirmed.anonymized) {
        return {
          ...finding,
          action: 'unconfirmed',
          detail: 'the conversation export says anonymized, the conversation resource does not; nothing was done',
        };
      }
      finding.anonymizedAt = confirmed.at ?? candidate.anonymizedAt;
      return await this.apply(finding, () => planErasure(this.deps.archive, conversationId));
    } catch (error: unknown) {
      return this.failed({ ...candidate, files, action: 'failed' }, error);
    }
  }

  async message(redaction: Redaction): Promise<AnonymizationFinding | undefined> {
    const { conversationId, messageId, deletedFiles } = redaction;
    let files = 0;
    try {
      const archived = await this.archivedFiles(conversationId);
      if (archived.length === 0) return undefined; // not among the archived conversations
      files = archived.filter((entry) => entry.record?.messageId === messageId).length;
      if (files === 0) {
        // Text only, or files the archive never held under this message id; already erased ones are done.
        if (deletedFiles === 0) return undefined;
        const ledger = await readLedger(this.deps.archive, conversationId);
        if (ledger.erasedMessages.has(messageKey(messageId))) return undefined;
      }
      const { deletedFiles: _, ...where } = redaction;
      const finding: AnonymizationFinding = { ...where, files, dixaDeletedFiles: deletedFiles, action: 'listed' };
      return await this.apply(finding, () => planMessageErasure(this.deps.archive, conversationId, messageId));
    } catch (error: unknown) {
      const { deletedFiles: _, ...where } = redaction;
      return this.failed({ ...where, files, dixaDeletedFiles: deletedFiles, action: 'failed' }, error);
    }
  }

  /** Held: listed as held. `report`: listed. `erase`: planned and erased as `erase` does it, unless Object Lock refuses. */
  private async apply(finding: AnonymizationFinding, plan: () => Promise<ErasurePlan>): Promise<AnonymizationFinding> {
    const matters = await heldBy(this.deps.archive, finding.conversationId);
    if (matters.length > 0) return { ...finding, action: 'held', heldBy: matters };
    if (this.options.policy !== 'erase') return finding;
    try {
      const erasure = await plan();
      const refused = refusal(erasure, false);
      if (refused) return { ...finding, action: 'locked', detail: refused.summary };
      const reason = `anonymized in Dixa at ${finding.anonymizedAt}`;
      this.erasedBy ??= this.deps.erasedBy();
      const { receiptKey } = await executeErasure(this.deps.archive, erasure, {
        reason,
        erasedBy: await this.erasedBy,
        bypassGovernance: false,
      });
      return { ...finding, action: 'erased', receiptKey };
    } catch (error: unknown) {
      // A hold placed since the check above: erase refused it, and it is reported as what it is.
      const now = error instanceof UserError ? await heldBy(this.deps.archive, finding.conversationId) : [];
      if (now.length > 0) return { ...finding, action: 'held', heldBy: now };
      if (error instanceof ReceiptNotWrittenError) {
        return this.failed({ ...finding, receiptKey: error.receiptKey, unsavedReceipt: error.receipt }, error);
      }
      return this.failed(finding, error);
    }
  }

  private failed(finding: AnonymizationFinding, error: unknown): AnonymizationFinding {
    const detail = messageOf(error);
    const what = finding.messageId ? `message ${finding.messageId} of conversation` : 'conversation';
    this.report.errors.push(`${what} ${finding.conversationId}: ${detail}`);
    return { ...finding, action: 'failed', detail };
  }

  /** The conversation's archived files (a file with its record), read once per run. */
  private archivedFiles(conversationId: string): Promise<ArchiveEntry[]> {
    let entries = this.archived.get(conversationId);
    if (!entries) {
      entries = readConversation(this.deps.archive, conversationId).then((all) =>
        all.filter((e) => e.file && e.record),
      );
      entries.catch(() => this.archived.delete(conversationId));
      this.archived.set(conversationId, entries);
    }
    return entries;
  }
}

const messageOf = (error: unknown) => ((error as Error).message ?? String(error)).split('\n')[0]!;

/** Conversation export rows with `anonymized_at` (unix ms or ISO 8601; null while not anonymized). */
export function anonymizedConversations(rows: readonly unknown[]): Anonymized[] {
  const found = new Map<string, Anonymized>();
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    const { id, csid, anonymized_at: at } = row as Record<string, unknown>;
    const conversationId = csidOf(id ?? csid);
    const anonymizedAt = timeOf(at);
    if (conversationId && anonymizedAt) found.set(conversationId, { conversationId, anonymizedAt });
  }
  return [...found.values()];
}

/**
 * `ConversationMessageRedacted` entries of the activity log. The entry's exact shape is not documented beyond its
 * fields (`messageId`, `wasTextRedacted`, `numberOfDeletedFiles`): the type, conversation, time and message id are
 * read in Dixa API (camelCase) and integrations API (snake_case) spellings, at the top or under `attributes`.
 */
export function redactedMessages(entries: readonly unknown[]): Redaction[] {
  const found: Redaction[] = [];
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const attributes = (e.attributes && typeof e.attributes === 'object' ? e.attributes : {}) as Record<
      string,
      unknown
    >;
    const pick = (...names: string[]) => names.map((n) => e[n] ?? attributes[n]).find((v) => v !== undefined);
    const type = pick('activityType', 'activity_type', '_type', 'type');
    if (type !== 'ConversationMessageRedacted' && type !== 'conversation_message_redacted') continue;
    const conversationId = csidOf(pick('conversationId', 'conversation_id', 'csid'));
    const messageId = pick('messageId', 'message_id');
    const anonymizedAt = timeOf(pick('activityTimestamp', 'activity_timestamp', 'timestamp', 'createdAt'));
    const deleted = Number(pick('numberOfDeletedFiles', 'number_of_deleted_files') ?? 0);
    if (conversationId && typeof messageId === 'string' && messageId !== '' && anonymizedAt) {
      found.push({
        conversationId,
        messageId,
        anonymizedAt,
        deletedFiles: Number.isSafeInteger(deleted) && deleted > 0 ? deleted : 0,
      });
    }
  }
  return found;
}

/** Whether a conversation resource (its `data`) says it is anonymized, and since when. */
export function anonymization(resource: Record<string, unknown> | undefined): { anonymized: boolean; at?: string } {
  if (resource?._type !== 'AnonymizedConversation') return { anonymized: false };
  const at = timeOf(resource.anonymizedAt);
  return at ? { anonymized: true, at } : { anonymized: true };
}

function csidOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^(0|[1-9]\d{0,19})$/.test(value)) return value;
  return undefined;
}

/** A time as ISO 8601: unix ms (number or digits), or ISO 8601 with Dixa's optional `[zone]` suffix. */
function timeOf(value: unknown): string | undefined {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\d{1,16}$/.test(value)) ms = Number(value);
  else if (typeof value === 'string') ms = Date.parse(value.replace(/\[[^\]]*\]$/, ''));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
