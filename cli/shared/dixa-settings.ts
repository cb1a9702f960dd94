/**
 * The Dixa settings every command that reads Dixa's APIs shares (backfill, sweep): the API token (from a file or
 * $DIXA_API_TOKEN), the files host and the API origins, each checked with one clear line.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../lambdas/commons/errors.ts';
import { DEFAULT_FILES_BASE_URL, type FilesOrigin, parseFilesBaseUrl } from '../../lambdas/core/links.ts';

/** The token from `file` or $DIXA_API_TOKEN; `orElse` adds another way out to the line that says none is set. */
export async function readToken(file: string | undefined, env: NodeJS.ProcessEnv, orElse?: string): Promise<string> {
  let token: string | undefined;
  if (file) {
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (error: unknown) {
      throw new UserError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!token) throw new UserError(`the token file ${file} is empty`);
  } else {
    token = env.DIXA_API_TOKEN?.trim();
    if (!token) {
      throw new UserError(
        `no Dixa API token: set DIXA_API_TOKEN or pass --token-file <path>${orElse ? `, ${orElse}` : ''}`,
      );
    }
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UserError('the Dixa API token contains spaces or non-ASCII characters: check the value you set');
  }
  return token;
}

export function filesOrigin(value: string | undefined): FilesOrigin {
  try {
    return parseFilesBaseUrl(value ?? DEFAULT_FILES_BASE_URL);
  } catch (error: unknown) {
    throw new UserError(`DIXA_FILES_BASE_URL: ${(error as Error).message}`);
  }
}
