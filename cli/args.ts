import { type ParseArgsConfig, parseArgs } from "node:util";
import { badInput } from "./failure.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What `parse` returns for these options. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly (Node's own `util.parseArgs`): an unknown option, a
 * missing value or a stray flag is bad input naming the option, exit code 2.
 *
 * @example const { values, positionals } = parse("codegen", argv, { out: { type: "string" } });
 */
export function parse<const O extends Options>(
  command: string,
  argv: readonly string[],
  options: O,
): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw badInput(`${(err as Error).message} (see: dynatom ${command} --help)`);
  }
}

/** The value of a required option, or bad input naming it. */
export function required(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "") {
    throw badInput(`dynatom ${command} needs --${name} (see: dynatom ${command} --help)`);
  }
  return value;
}

/** A whole number option, or bad input naming it. */
export function integer(
  name: string,
  value: string | undefined,
  range: { readonly min: number; readonly max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < range.min || n > range.max) {
    throw badInput(`--${name} ${value}: use a whole number from ${range.min} to ${range.max}`);
  }
  return n;
}
