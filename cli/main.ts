#!/usr/bin/env node
/**
 * `dixa-archiver <command>`: one entry point; each command lives in cli/commands/<name>.ts and is loaded on demand.
 */
import { pathToFileURL } from 'node:url';
import { UserError } from '../lambdas/commons/errors.ts';
import type { Command } from './command.ts';
import { inertText } from './shared/output.ts';

export const COMMANDS = [
  'local',
  'sign',
  'backfill',
  'sweep',
  'list',
  'get',
  'verify',
  'erase',
  'receipts',
  'hold',
  'redrive',
  'console',
] as const;

const USAGE = `dixa-archiver — archive Dixa conversation files into S3

Usage: dixa-archiver <command> [options]      (dixa-archiver <command> --help for details; --version)

Commands:
`;

async function load(name: string): Promise<Command> {
  const module = (await import(/* @vite-ignore */ `./commands/${name}.ts`)) as { command: Command };
  return module.command;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(COMMANDS.map(async (n) => `  ${n.padEnd(10)} ${(await load(n)).summary}`));
    process.stdout.write(`${USAGE}${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`dixa-archiver ${await packageVersion()} (Node.js ${process.versions.node})\n`);
    return 0;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    throw new UserError(`unknown command "${name}" (try: dixa-archiver --help)`, 2);
  }
  const command = await load(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  return command.run(rest);
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Runs a command and turns any failure into one line on stderr and an exit code. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(inertText`dixa-archiver: ${message}\n`); // messages may quote names and links from Dixa
    if (process.env.DIXA_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = error instanceof UserError ? error.exitCode : 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(process.argv.slice(2));
