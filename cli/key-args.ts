import type { AtomDefinition } from "../src/index.js";
import { badInput } from "./failure.js";

/** A key field's command-line text as the value its kind needs. */
function convert(atom: string, field: string, kind: string | undefined, text: string): unknown {
  const bad = (what: string) => badInput(`${atom} key field ${field}=${text}: ${what}`);
  switch (kind) {
    case "number": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw bad("not a number");
      return n;
    }
    case "bigint":
      if (!/^-?\d+$/.test(text)) throw bad("not a whole number (a bigint)");
      return BigInt(text);
    case "date": {
      const date = new Date(text);
      if (Number.isNaN(date.getTime()))
        throw bad("not a date (use ISO 8601, e.g. 2026-12-02T10:00:00Z)");
      return date;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw bad("use true or false");
      return text === "true";
    default:
      return text;
  }
}

/**
 * The key of an atom from `field=value` arguments, each value converted to its field's type
 * (numbers, bigints, ISO dates, booleans); bad input names the field and what it expects.
 *
 * @example keyFromArgs(Account, ["tenant=t1", "id=a1"]) // { tenant: "t1", id: "a1" }
 */
export function keyFromArgs(
  definition: AtomDefinition,
  args: readonly string[],
): Record<string, unknown> {
  const fields = [...definition.key.pk, ...definition.key.sk];
  const usage = fields.map((field) => `${field}=…`).join(" ");
  const key: Record<string, unknown> = {};
  for (const arg of args) {
    const at = arg.indexOf("=");
    const field = at < 0 ? arg : arg.slice(0, at);
    if (at < 0 || !fields.includes(field)) {
      throw badInput(`"${arg}": give the key of ${definition.name} as ${usage}`);
    }
    key[field] = convert(
      definition.name,
      field,
      definition.fieldKinds.get(field),
      arg.slice(at + 1),
    );
  }
  const missing = fields.filter((field) => !Object.hasOwn(key, field));
  if (missing.length > 0) {
    throw badInput(`the key of ${definition.name} needs ${usage} (missing: ${missing.join(", ")})`);
  }
  return key;
}
