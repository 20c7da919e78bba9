import { DecodeError } from "../errors/index.js";
import { formatPath, type PathStep } from "./path.js";

/** The state of one decoding: where we are, for errors that name the path. */
export class Read {
  readonly path: PathStep[] = [];

  fail(reason: string): never {
    const path = formatPath(this.path);
    throw new DecodeError(
      "decode.malformed",
      `Cannot decode the stored value at ${path}: ${reason}.`,
      {
        details: { path, reason },
      },
    );
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function expect<K extends "string" | "boolean">(
  value: unknown,
  kind: K,
  read: Read,
): K extends "string" ? string : boolean {
  if (typeof value !== kind) read.fail(`expected a ${kind}`);
  return value as K extends "string" ? string : boolean;
}

export function expectArray(value: unknown, read: Read): unknown[] {
  if (!Array.isArray(value)) read.fail("expected a list");
  return value;
}

export function expectBytes(value: unknown, read: Read): Uint8Array {
  if (!(value instanceof Uint8Array)) read.fail("expected binary data");
  return value;
}

export function parseNumber(text: string, read: Read): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    read.fail(`"${text.slice(0, 50)}" is not a DynamoDB number`);
  return value;
}

export function parseBigInt(text: string, read: Read): bigint {
  // BigInt() alone would also take "", " 7 " and "0x1f".
  if (!/^-?\d+$/.test(text)) read.fail(`"${text.slice(0, 50)}" is not an integer`);
  return BigInt(text);
}
