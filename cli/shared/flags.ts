/**
 * Strict flag parsing for every command: `node:util` parseArgs, with its errors turned into one-line usage errors.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../../lambdas/commons/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<const T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}
