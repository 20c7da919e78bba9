import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DynatomError } from "../errors/index.js";

/** What a cursor says: whose query it continues, and the last key that query returned. */
interface CursorBody {
  readonly v: 1;
  /** `atom.index`, for a clear message when it is used elsewhere. */
  readonly from: string;
  /** A digest of the whole query: partition, condition, order. */
  readonly q: string;
  /** The key attributes of the last item returned (table and index keys, all strings). */
  readonly k: Readonly<Record<string, string>>;
  /** A digest of the rest, so that a cut or altered cursor is told from a real one. */
  readonly h: string;
}

/** A short digest of what makes a query the same query, so a cursor cannot move between queries. */
export function fingerprint(parts: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);
}

/** An opaque cursor: resume the query `from` after `key`. */
export function makeCursor(
  from: string,
  query: string,
  key: Readonly<Record<string, AttributeValue>>,
): string {
  const k: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) k[name] = value.S ?? "";
  const body: CursorBody = { v: 1, from, q: query, k, h: fingerprint([from, query, k]) };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

function parse(text: string): CursorBody | undefined {
  try {
    const body: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (typeof body !== "object" || body === null) return undefined;
    const { v, from, q, k, h } = body as Record<string, unknown>;
    if (v !== 1 || typeof from !== "string" || typeof q !== "string" || typeof h !== "string")
      return undefined;
    if (typeof k !== "object" || k === null) return undefined;
    const entries = Object.entries(k);
    if (entries.length === 0 || entries.some(([, value]) => typeof value !== "string"))
      return undefined;
    if (h !== fingerprint([from, q, k])) return undefined;
    return { v, from, q, k: k as Record<string, string>, h };
  } catch {
    return undefined;
  }
}

/**
 * The start key a cursor resumes from, after checking it was made by this very query.
 * @throws DynatomError `query.bad-cursor`, `query.cursor-mismatch`
 */
export function readCursor(
  text: string,
  atom: string,
  index: string,
  query: string,
  keyNames: readonly string[],
  resumable: (key: Readonly<Record<string, string>>) => boolean,
): Record<string, AttributeValue> {
  const from = `${atom}.${index}`;
  const body = typeof text === "string" ? parse(text) : undefined;
  const bad = () =>
    new DynatomError(
      "query.bad-cursor",
      `Query on ${from}: the cursor is not one dynatom made (or it was cut or altered). Pass the \`cursor\` a page returned, unchanged.`,
      { details: { atom, index } },
    );
  if (body === undefined) throw bad();
  if (body.from !== from || body.q !== query) {
    const where =
      body.from === from
        ? "the same index, but a different partition, condition or order"
        : `a query on ${body.from}`;
    throw new DynatomError(
      "query.cursor-mismatch",
      `Query on ${from}: the cursor was made by ${where}. A cursor resumes only the query that returned it.`,
      { details: { atom, index, cursorFrom: body.from } },
    );
  }
  if (Object.keys(body.k).sort().join() !== [...keyNames].sort().join() || !resumable(body.k))
    throw bad();
  const key: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(body.k)) key[name] = { S: value };
  return key;
}
