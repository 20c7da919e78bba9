import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { numberToN } from "../encoding/limits.js";
import type { Ops } from "./ops.js";

/** Whether a number an `add` left is stored as text that does not read back as itself. */
export function drifted(ops: Ops, item: Record<string, AttributeValue> | undefined): boolean {
  for (const [field, op] of ops) {
    if (op.kind !== "add" || typeof op.value !== "number") continue;
    const text = item?.[field]?.N;
    if (text !== undefined && canonical(numberToN(Number(text)) ?? "") !== canonical(text))
      return true;
  }
  return false;
}

/**
 * A decimal's digits and exponent, as one text for comparing two spellings of one number:
 * "2000000000000000000000" and "2e+21" give "2e21", "1.0" and "1" give "1e0".
 */
function canonical(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return text;
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, "");
  if (digits === "") return "0";
  const trimmed = digits.replace(/0+$/, "");
  const power = Number(exponent) - fraction.length + (digits.length - trimmed.length);
  return `${sign === "-" ? "-" : ""}${trimmed}e${power}`;
}
