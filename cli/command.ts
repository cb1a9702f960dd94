/** The shape every `dixa-archiver <command>` module exports as `command`. */
export interface Command {
  name: string;
  /** One line for `dixa-archiver --help`. */
  summary: string;
  /** Full `--help` text, with at least one example. */
  help: string;
  /** Returns the process exit code. Throw UserError for a one-line failure. */
  run(argv: string[]): Promise<number>;
}
