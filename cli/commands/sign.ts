/**
 * `dixa-archiver sign`: signs a webhook body exactly as Dixa does (X-DIXA-SIGNATURE: t=<ms>,v1=<hex HMAC>) and POSTs
 * it, or prints the equivalent curl command. For trying local mode (or a deployed stack) without Dixa.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { decodeSigningSecret, signatureHeader } from '../../lambdas/core/signature.ts';
import type { Command } from '../command.ts';
import { loadEnvFile, localSecretPath, readLocalSecret } from '../local/config.ts';
import { parseFlags, withHelpHint } from '../shared/flags.ts';

export const SAMPLE_WEBHOOK = fileURLToPath(new URL('../../test/fixtures/sample-webhook.json', import.meta.url));
const SUBSCRIPTION_ID = 'dixa-archiver-sign';

const help = `dixa-archiver sign — sign a webhook body as Dixa does and POST it

Usage: dixa-archiver sign [--file <json>] [--url <url>] [--secret-hex <hex>] [--print] [--env-file <path>]

Options:
  --file <json>       body to send, byte for byte (default: the sample CONVERSATION_MESSAGE_ADDED webhook,
                      test/fixtures/sample-webhook.json, whose two attachments the demo files server serves)
  --url <url>         where to POST (default: http://127.0.0.1:$PORT/webhook, PORT from the environment/.env or 3000)
  --secret-hex <hex>  signing secret (default: DIXA_WEBHOOK_SECRET, else the one local mode keeps in
                      $ARCHIVE_DIR/local-secret)
  --print             print a curl command instead of sending (its signature is valid for 5 minutes)
  --env-file <path>   read variables from this file (default: ./.env when it exists)

Prints the HTTP status and the response body; exits 0 on a 2xx answer, 1 otherwise.

Examples:
  npx dixa-archiver sign
  npx dixa-archiver sign --file my-webhook.json --url https://abc123.execute-api.eu-west-1.amazonaws.com/webhook --secret-hex 4f2a…
`;

export const command: Command = {
  name: 'sign',
  summary: 'sign a sample (or your own) webhook as Dixa does and POST it',
  help,
  async run(argv) {
    const values = withHelpHint('sign', () =>
      parseFlags(argv, {
        file: { type: 'string' },
        url: { type: 'string' },
        'secret-hex': { type: 'string' },
        print: { type: 'boolean' },
        'env-file': { type: 'string' },
      }),
    );
    const env = { ...process.env };
    loadEnvFile(env, values['env-file']);

    const file = resolve(values.file ?? SAMPLE_WEBHOOK);
    const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read ${file}: ${error.code ?? error.message}`, 2);
    });
    const url = webhookUrl(values.url, env.PORT);
    const secret = await signingSecret(values['secret-hex'], env);
    const signature = signatureHeader(secret, body);

    if (values.print) {
      process.stdout.write(
        `curl -sS -X POST ${quote(url)} -H 'content-type: application/json' -H ${quote(`x-dixa-signature: ${signature}`)} ` +
          `-H 'x-dixa-subscription-id: ${SUBSCRIPTION_ID}' --data-binary @${quote(file)}\n`,
      );
      return 0;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-dixa-signature': signature,
          'x-dixa-subscription-id': SUBSCRIPTION_ID,
        },
        body,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError(
        `cannot reach ${url} (is \`npm start\` running?): ${cause?.code ?? cause?.message ?? String(error)}`,
      );
    }
    const text = await response.text();
    process.stdout.write(`HTTP ${response.status} ${text}\n`);
    return response.ok ? 0 : 1;
  },
};

function webhookUrl(given: string | undefined, port: string | undefined): string {
  if (given === undefined) {
    const p = port?.trim() || '3000';
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw new UsageError(`PORT is ${JSON.stringify(port)}: pass the webhook URL local mode printed with --url`);
    }
    return `http://127.0.0.1:${p}/webhook`;
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--url is not a URL: ${JSON.stringify(given)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http(s)');
  return url.href;
}

async function signingSecret(given: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env.DIXA_WEBHOOK_SECRET?.trim();
  const [secret, where] = given
    ? [given, '--secret-hex']
    : fromEnv
      ? [fromEnv, 'DIXA_WEBHOOK_SECRET']
      : [await readLocalSecret(resolve(env.ARCHIVE_DIR?.trim() || '.dixa-archive')), 'local-secret'];
  if (!secret) {
    const path = localSecretPath(resolve(env.ARCHIVE_DIR?.trim() || '.dixa-archive'));
    throw new UsageError(
      `no signing secret: pass --secret-hex, set DIXA_WEBHOOK_SECRET, or start local mode once (it writes ${path})`,
    );
  }
  try {
    decodeSigningSecret(secret);
  } catch (error) {
    throw new UsageError(`${where}: ${(error as Error).message}`); // the message never holds the secret
  }
  return secret.trim();
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
