/** What a command's exit code says. */
export const EXIT = {
  ok: 0,
  /** The command ran and the answer is no: a check failed, an item is absent, a write failed. */
  failed: 1,
  /** The command could not run as asked: bad arguments, bad schema files, an unknown atom. */
  badInput: 2,
} as const;

/** A failure the command line reports as one message and an exit code, without a stack. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = "CliFailure";
  }
}

/** Bad input: exit code 2. */
export const badInput = (message: string): CliFailure => new CliFailure(message, EXIT.badInput);

/** The command ran and failed: exit code 1. */
export const failed = (message: string): CliFailure => new CliFailure(message, EXIT.failed);
