import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { NOTE_ATTRIBUTE } from "./note.js";

/**
 * An item as DynamoDB JSON, the form the AWS console's JSON view and the AWS CLI show: type
 * descriptors kept, binary as base64, one attribute a line, keys `pk`/`sk` first and the rest
 * sorted, so the same item always prints the same way.
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
  const sorted = plain(item, true) as Record<string, unknown>;
  // The type note goes last: it is bookkeeping, read after the fields it describes.
  const keys = Object.keys(sorted).sort(
    (a, b) => Number(a === NOTE_ATTRIBUTE) - Number(b === NOTE_ATTRIBUTE),
  );
  const lines = keys.map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(sorted[key])}`);
  return `{\n${lines.join(",\n")}\n}`;
}

const FIRST = ["pk", "sk"];

function plain(value: unknown, top = false): unknown {
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (Array.isArray(value)) return value.map((element) => plain(element));
  if (typeof value !== "object" || value === null) return value;
  const keys = Object.keys(value).sort((a, b) => {
    const ra = top ? FIRST.indexOf(a) : -1;
    const rb = top ? FIRST.indexOf(b) : -1;
    if (ra !== rb) return (ra < 0 ? FIRST.length : ra) - (rb < 0 ? FIRST.length : rb);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    Object.defineProperty(out, key, {
      value: plain((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
