/**
 * The Dixa credentials: one Secrets Manager secret
 *   `{"apiToken": "...", "webhookSecret": "<hex>", "previousWebhookSecret": "<hex, optional>"}`,
 * read through Powertools Parameters and cached for minutes so a rotation takes effect without a deploy.
 * `previousWebhookSecret` is for a rotation: webhooks signed with either secret are accepted until it is removed.
 * Without DIXA_SECRET_ARN (local mode, tests) the same values come from DIXA_API_TOKEN / DIXA_WEBHOOK_SECRET /
 * DIXA_WEBHOOK_SECRET_PREVIOUS.
 *
 * No error built here carries any of the secret's text (a JSON parser quotes the text it failed on: it is never
 * asked to describe its input), so a malformed secret cannot reach a log or a dead letter's failureReason.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../commons/env.ts';

export const SECRET_CACHE_SECONDS = 300;

export interface DixaSecrets {
  apiToken: string;
  webhookSecret: string;
  /** The secret being rotated out, accepted beside `webhookSecret` while it is set. */
  previousWebhookSecret?: string;
}

export interface SecretSource {
  /** `fresh` bypasses the cache: used once after Dixa answers 401 with the cached token, or a signature mismatches. */
  get(options?: { fresh?: boolean }): Promise<DixaSecrets>;
}

const SHAPE = '{"apiToken": "...", "webhookSecret": "<hex>"} (optionally "previousWebhookSecret")';

export function secretSourceFromEnv(env: NodeJS.ProcessEnv = process.env): SecretSource {
  const arn = env.DIXA_SECRET_ARN;
  if (!arn) {
    return {
      async get() {
        return parseDixaSecrets({
          apiToken: env.DIXA_API_TOKEN ?? '',
          webhookSecret: env.DIXA_WEBHOOK_SECRET ?? '',
          previousWebhookSecret: env.DIXA_WEBHOOK_SECRET_PREVIOUS || undefined,
        });
      },
    };
  }
  const provider = new SecretsProvider();
  return {
    async get({ fresh = false } = {}) {
      const value = await provider.get(arn, { maxAge: SECRET_CACHE_SECONDS, forceFetch: fresh });
      return parseDixaSecrets(parseSecretText(value));
    },
  };
}

/** The secret's text as JSON; any failure is described by what was expected, never by what was found. */
export function parseSecretText(value: unknown): unknown {
  const text =
    typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
  if (text === undefined) throw new ConfigError(`the Dixa secret has no text value; expected ${SHAPE}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`the Dixa secret is not JSON; expected ${SHAPE}`);
  }
}

export function parseDixaSecrets(value: unknown): DixaSecrets {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`the Dixa secret is not a JSON object; expected ${SHAPE}`);
  }
  const record = value as Record<string, unknown>;
  const text = (field: string) => (typeof record[field] === 'string' ? (record[field] as string) : '');
  const previous = text('previousWebhookSecret').trim();
  return {
    apiToken: text('apiToken'),
    webhookSecret: text('webhookSecret'),
    ...(previous ? { previousWebhookSecret: previous } : {}),
  };
}
