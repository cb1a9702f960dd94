/**
 * `--email`, `--phone`, `--external-id` (one of them), `--archive-index-only` and `--token-file` for list, get and
 * erase: who to look for, and the Dixa end-user client to ask. lambdas/compliance/people.ts does the searching.
 */
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import type { Archive } from '../../lambdas/compliance/archive.ts';
import {
  DixaUnavailableError,
  type FoundConversation,
  findPerson,
  type PersonSearch,
  type PersonSelector,
  personSelector,
} from '../../lambdas/compliance/people.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import { DEFAULT_API_BASE_URL, DixaClient, parseDixaBaseUrl } from '../../lambdas/dixa/dixa-client.ts';
import { readToken } from './dixa-settings.ts';
import { say } from './output.ts';

export const PERSON_FLAGS = {
  email: { type: 'string' },
  phone: { type: 'string' },
  'external-id': { type: 'string' },
  'archive-index-only': { type: 'boolean' },
  'token-file': { type: 'string' },
} as const;

export const PERSON_FLAGS_HELP = `A person instead of conversation ids (one of):
  --email <address>        every conversation of the person with this e-mail address (any upper or lower case)
  --phone <number>         ... with this phone number, with its country code ("+45 12 34 56 78")
  --external-id <id>       ... with this external id (your own id of the person, as set in Dixa)
  The conversations come from Dixa's end-user API (the ones the person requested) and from the archive's own people
  index (every conversation the archive saw them in: as requester, author, sender, recipient, CC or BCC — also after
  Dixa anonymized them); the output says where each one was found.
  --archive-index-only     do not ask Dixa (e.g. Dixa no longer knows the person): search the archive's index only
  --token-file <path>      file holding the Dixa API token (default: $DIXA_API_TOKEN; DIXA_API_BASE_URL as backfill)`;

export interface PersonFlags {
  email?: string | undefined;
  phone?: string | undefined;
  'external-id'?: string | undefined;
  'archive-index-only'?: boolean | undefined;
  'token-file'?: string | undefined;
  conversation?: string[] | undefined;
}

/** The person named on the command line, or undefined when none was (usage errors for bad or mixed selectors). */
export function selectedPerson(flags: PersonFlags): PersonSelector | undefined {
  const selector = personSelector({ email: flags.email, phone: flags.phone, 'external-id': flags['external-id'] });
  if (selector && flags.conversation)
    throw new UsageError(`give either --conversation or --${selector.type}, not both`);
  if (!selector) {
    const stray = (['archive-index-only', 'token-file'] as const).find((flag) => flags[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray} goes with --email, --phone or --external-id`);
  }
  return selector;
}

/** Searches Dixa (unless --archive-index-only) and the archive's people index; one line when Dixa cannot be asked. */
export async function searchPerson(
  archive: Archive,
  selector: PersonSelector,
  flags: PersonFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PersonSearch> {
  const dixa = flags['archive-index-only'] ? undefined : await dixaClient(flags['token-file'], env);
  try {
    return await explainS3Errors(archive, () => findPerson(archive, selector, { dixa }));
  } catch (error: unknown) {
    if (!(error instanceof DixaUnavailableError)) throw error;
    throw new UserError(
      `${error.message}; nothing was changed. If Dixa no longer knows this person, --archive-index-only searches ` +
        "the archive's own people index alone",
    );
  }
}

export async function dixaClient(tokenFile: string | undefined, env: NodeJS.ProcessEnv): Promise<DixaClient> {
  const token = await readToken(tokenFile, env, "or add --archive-index-only to search the archive's own index only");
  return new DixaClient({
    token,
    apiBaseUrl: parseDixaBaseUrl(env.DIXA_API_BASE_URL ?? DEFAULT_API_BASE_URL, 'DIXA_API_BASE_URL'),
    // A person is waiting: a few quick tries, not a backfill's patience.
    maxAttempts: 4,
    baseBackoffMs: 500,
    maxBackoffMs: 4_000,
    maxRetryAfterMs: 30_000,
    timeoutMs: 30_000,
    onRetry: ({ reason, waitMs }) => say`Dixa: ${reason}; trying again in ${Math.ceil(waitMs / 1000)} s`,
  });
}

/**
 * Where a conversation was found, for a table cell: `Dixa`, `archive index (cc)`, or both; an index hit under
 * another identity Dixa knows for the person names it (`archive index (cc, as +4512345678)`).
 */
export function foundInText(conversation: FoundConversation, search: PersonSearch): string {
  return conversation.foundIn
    .map((source) => {
      if (source === 'dixa') return 'Dixa';
      const others = conversation.indexedAs.filter(
        (i) => i.type !== search.identity.type || i.value !== search.identity.value,
      );
      const detail = [conversation.roles.join(', '), ...others.map((i) => `as ${i.value}`)].filter(Boolean).join(', ');
      return `archive index${detail ? ` (${detail})` : ''}`;
    })
    .join(' + ');
}
