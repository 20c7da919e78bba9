import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { NOTE_ATTRIBUTE } from "./note.js";

/**
 * An item as DynamoDB JSON, the form the AWS console's JSON view and the AWS CLI show: type
 * descriptors kept, binary as base64, one attribute a line: table keys first, then the fields,
 * then bookkeeping (`_`-prefixed), each group sorted, so the same item always prints the same way.
 *
 * @example
 * console.log(toDynamoJson(encodeItem({ id: "a1", at: new Date(0) })));
 * // {
 * //   "at": {"S":"1970-01-01T00:00:00.000Z"},
 * //   "id": {"S":"a1"},
 * //   "_types": {"S":"{\"v\":1,\"t\":{\"at\":\"Date\"}}"}
 * // }
 */
export function toDynamoJson(item: Readonly<Record<string, AttributeValue>>): string {
  const keys = Object.keys(item).sort((a, b) => group(a) - group(b) || compare(a, b));
  const lines = keys.map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(plain(item[key]))}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** Table keys first, then the value's fields, then bookkeeping, the type note last. */
function group(name: string): number {
  if (name === "pk") return 0;
  if (name === "sk") return 1;
  if (/^gsi\d+(pk|sk)$/.test(name)) return 2;
  if (name === NOTE_ATTRIBUTE) return 5;
  return name.startsWith("_") ? 4 : 3;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * AttributeValues (or anything holding them) as plain JSON: binary as base64, object keys
 * sorted, so the same item always gives the same text. Keys such as `__proto__` stay own
 * properties.
 *
 * @example JSON.stringify(plain({ B: new Uint8Array([1, 2]) })) // '{"B":"AQI="}'
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  }
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compare)) {
    Object.defineProperty(out, key, {
      value: plain((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
