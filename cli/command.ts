import type { Io } from "./io.js";

/** One `dynatom` command: its help, and what it does with its arguments. */
export interface Command {
  /** One line for `dynatom --help`. */
  readonly summary: string;
  /** The whole `dynatom <command> --help` text. */
  readonly help: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(argv: readonly string[], io: Io): Promise<number>;
}
