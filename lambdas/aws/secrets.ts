/**
 * The Dixa credentials: one Secrets Manager secret `{"apiToken": "...", "webhookSecret": "<hex>"}`, read through
 * Powertools Parameters and cached for minutes so a rotation takes effect without a deploy.
 * Without DIXA_SECRET_ARN (local mode, tests) the same values come from DIXA_API_TOKEN / DIXA_WEBHOOK_SECRET.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

export const SECRET_CACHE_SECONDS = 300;

export interface DixaSecrets {
  apiToken: string;
  webhookSecret: string;
}

export interface SecretSource {
  /** `fresh` bypasses the cache: used once after Dixa answers 401 with the cached token. */
  get(options?: { fresh?: boolean }): Promise<DixaSecrets>;
}

export function secretSourceFromEnv(env: NodeJS.ProcessEnv = process.env): SecretSource {
  const arn = env.DIXA_SECRET_ARN;
  if (!arn) {
    return {
      async get() {
        return { apiToken: env.DIXA_API_TOKEN ?? '', webhookSecret: env.DIXA_WEBHOOK_SECRET ?? '' };
      },
    };
  }
  const provider = new SecretsProvider();
  return {
    async get({ fresh = false } = {}) {
      const value = await provider.get(arn, { maxAge: SECRET_CACHE_SECONDS, forceFetch: fresh, transform: 'json' });
      return parseDixaSecrets(value);
    },
  };
}

export function parseDixaSecrets(value: unknown): DixaSecrets {
  const record = (value ?? {}) as Record<string, unknown>;
  return {
    apiToken: typeof record.apiToken === 'string' ? record.apiToken : '',
    webhookSecret: typeof record.webhookSecret === 'string' ? record.webhookSecret : '',
  };
}
