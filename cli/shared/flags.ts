/**
 * Strict flag parsing for every command: `node:util` parseArgs, with its errors turned into one-line usage errors.
 * parseArgs keeps the last value of a flag given twice; here a flag not declared `multiple` may appear once, so
 * `--conversation 1 --conversation 2` is never silently read as `--conversation 2`.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../../lambdas/commons/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Token = { kind: string; name?: string };

export function parseFlags<const T extends Options>(argv: string[], options: T) {
  const { values, tokens } = asUsageError(() =>
    parseArgs({ args: argv, options, strict: true, allowPositionals: false, tokens: true }),
  );
  refuseRepeats(tokens, options);
  return values;
}

/** Adds "(see dixa-archiver <command> --help)" to a usage error. */
export function withHelpHint<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (error: unknown) {
    if (error instanceof UsageError) throw new UsageError(`${error.message} (see dixa-archiver ${command} --help)`);
    throw error;
  }
}

function asUsageError<R>(parse: () => R): R {
  try {
    return parse();
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

function refuseRepeats(tokens: readonly Token[], options: Options): void {
  const seen = new Set<string>();
  for (const { kind, name } of tokens) {
    if (kind !== 'option' || !name || options[name]?.multiple) continue;
    if (seen.has(name)) throw new UsageError(`--${name} was given more than once: give it once`);
    seen.add(name);
  }
}
