import { DynatomError } from "../errors/index.js";

/** DynamoDB's most segments of one parallel scan. */
export const MAX_SEGMENTS = 1_000_000;

/** `batch.invalid-option` for a scan or backfill: the operation, the atom, the option, why. */
export function invalidOption(
  operation: "scan" | "backfill",
  atom: string,
  option: string,
  reason: string,
): DynatomError {
  return new DynatomError("batch.invalid-option", `${operation}(${atom}): ${reason}.`, {
    details: { atom, option, reason },
  });
}

/** An option that must be a whole number from 1 to `max`, checked before any request. */
export function wholeOption(
  operation: "scan" | "backfill",
  atom: string,
  option: string,
  value: unknown,
  max: number,
): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max) {
    return value;
  }
  const reason = `${option} must be a whole number from 1 to ${max.toLocaleString("en")}, not ${String(value)}`;
  throw invalidOption(operation, atom, option, reason);
}
