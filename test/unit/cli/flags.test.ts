/**
 * Every command reads a flag given twice the same way: all of its values when the flag is repeatable, else a usage
 * error (exit 2) — never silently the last one (`erase --conversation 1 --conversation 2` once erased only 2).
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../../cli/main.ts';
import { parseFlags } from '../../../cli/shared/flags.ts';
import { UsageError } from '../../../lambdas/commons/errors.ts';

/** The flags a command's --help documents, with whether they take a value and whether they may repeat. */
async function documentedFlags(name: string) {
  const { command } = (await import(`../../../cli/commands/${name}.ts`)) as { command: { help: string } };
  const flags = new Map<string, { value: boolean; repeatable: boolean }>();
  const line = /^ {2}(--[a-z][a-z-]*(?:, --[a-z][a-z-]*)*)( ["<][^ ]*)?(.*(?:\n {20,}.*)*)/gm;
  for (const [, names, value, rest] of command.help.matchAll(line)) {
    for (const flag of names!.split(', ')) {
      if (flag !== '--help') flags.set(flag, { value: Boolean(value), repeatable: /repeat/.test(rest!) });
    }
  }
  return flags;
}

describe('a flag given twice', () => {
  it.each(COMMANDS)('%s: every flag that is not repeatable is refused when given twice', async (name) => {
    const flags = await documentedFlags(name);
    expect(flags.size).toBeGreaterThan(0);
    for (const [flag, { value, repeatable }] of flags) {
      if (repeatable) continue;
      const once = value ? [flag, '1'] : [flag];
      const result = main([name, ...once, ...once]);
      await expect(result, `${name} ${flag} twice`).rejects.toThrow(UsageError);
      await expect(result).rejects.toThrow(`${flag} was given more than once`);
    }
  });

  it('keeps every value of a repeatable flag, and the one value of a flag given once', () => {
    const options = { conversation: { type: 'string', multiple: true }, out: { type: 'string' } } as const;
    expect(parseFlags(['--conversation', '1', '--conversation', '2', '--out', 'x'], options)).toEqual({
      conversation: ['1', '2'],
      out: 'x',
    });
    expect(() => parseFlags(['--out', 'x', '--out=y'], options)).toThrow('--out was given more than once');
  });

  it('counts a boolean given twice too (one meaning, no matter the flag)', () => {
    expect(() => parseFlags(['--yes', '--yes'], { yes: { type: 'boolean' } })).toThrow(UsageError);
  });
});
