/**
 * A failure meant for a person: one line, no stack trace. The CLI prints it and exits with `exitCode`; the
 * console shows it; a scheduled run writes it into its report.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A usage mistake (bad flag, bad value): exit code 2, like most Unix tools. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
