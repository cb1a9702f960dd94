/**
 * Confirmation for commands that change things: `--yes`, or an answer typed at a terminal. Without a terminal
 * and without `--yes` the command refuses, so a script never deletes anything by accident.
 */
import { createInterface } from 'node:readline/promises';
import { UserError } from '../../lambdas/commons/errors.ts';

export interface Prompt {
  interactive: boolean;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

const terminal = (): Prompt => ({
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  input: process.stdin,
  output: process.stderr,
});

export async function ask(question: string, prompt: Prompt): Promise<string> {
  const rl = createInterface({ input: prompt.input, output: prompt.output, terminal: false });
  try {
    prompt.output.write(question);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim();
  } finally {
    rl.close();
  }
}

export interface ConfirmOptions {
  yes: boolean | undefined;
  /** What would happen, for the refusal message: e.g. "erase conversation 123". */
  action: string;
  question: string;
  accept: (answer: string) => boolean;
  prompt?: Prompt;
}

/** True when confirmed; false when the person declined; throws when nobody can be asked. */
export async function confirm(options: ConfirmOptions): Promise<boolean> {
  if (options.yes) return true;
  const prompt = options.prompt ?? terminal();
  if (!prompt.interactive) {
    throw new UserError(`refusing to ${options.action} without confirmation: run it in a terminal or add --yes`);
  }
  return options.accept(await ask(options.question, prompt));
}
