/**
 * @module Errors the CLI turns into a message on stderr and an exit code.
 */

/** An error meant for the user: printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong flags or arguments: exit 2, as with other command-line tools. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}
