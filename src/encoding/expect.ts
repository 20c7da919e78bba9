/** Checks on the parts of a stored value: each names what it wanted when the part is not that. */
import type { DecodeTrail } from "./trail.js";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function expect<K extends "string" | "boolean">(
  value: unknown,
  kind: K,
  trail: DecodeTrail,
): K extends "string" ? string : boolean {
  if (typeof value !== kind) trail.fail(`expected a ${kind}`);
  return value as K extends "string" ? string : boolean;
}

export function expectArray(value: unknown, trail: DecodeTrail): unknown[] {
  if (!Array.isArray(value)) trail.fail("expected a list");
  return value;
}

export function expectBytes(value: unknown, trail: DecodeTrail): Uint8Array {
  if (!(value instanceof Uint8Array)) trail.fail("expected binary data");
  return value;
}

export function parseNumber(text: string, trail: DecodeTrail): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    trail.fail(`"${text.slice(0, 50)}" is not a DynamoDB number`);
  return value;
}

export function parseBigInt(text: string, trail: DecodeTrail): bigint {
  // BigInt() alone would also take "", " 7 " and "0x1f".
  if (!/^-?\d+$/.test(text)) trail.fail(`"${text.slice(0, 50)}" is not an integer`);
  return BigInt(text);
}

/** The first value met twice, as messages show it. */
export function repeated(values: readonly unknown[]): string {
  const seen = new Set<unknown>();
  const twice = values.find((value) => seen.size === seen.add(value).size);
  return typeof twice === "string" ? JSON.stringify(twice) : String(twice);
}
