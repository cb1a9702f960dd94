/** Reading what the page sends: JSON bodies checked with valibot, conversation ids and dates with the CLI's rules. */
import type { Context } from 'hono';
import * as v from 'valibot';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../../lambdas/compliance/archive.ts';
import { type DateRange, parseDateRange } from '../../../lambdas/compliance/date-range.ts';

const MAX_CONVERSATIONS = 1000;

export async function readJson<T extends v.GenericSchema>(c: Context, schema: T): Promise<v.InferOutput<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new UsageError('the request body must be JSON');
  }
  return checkInput(schema, body);
}

/** What the page sent, checked against `schema`; a usage error (400) naming the field that is wrong. */
export function checkInput<T extends v.GenericSchema>(schema: T, body: unknown): v.InferOutput<T> {
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new UsageError(`${path ? `${path}: ` : ''}${issue.message}`);
  }
  return parsed.output;
}

export const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const ConversationList = v.pipe(v.array(text(32)), v.maxLength(MAX_CONVERSATIONS));

/** Conversation ids as typed by a person: separated by spaces or commas, each a csid; duplicates dropped. */
export function conversationIds(values: readonly string[]): string[] {
  const ids = values.flatMap((value) => value.split(/[\s,]+/)).filter((id) => id !== '');
  return [...new Set(ids.map(checkConversationId))];
}

export function dateRange(from: string | undefined, to: string | undefined, label: string): DateRange | undefined {
  const given = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  if (!given(from) && !given(to)) return undefined;
  return parseDateRange(given(from), given(to), { from: `${label} from`, to: `${label} to` });
}
