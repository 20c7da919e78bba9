import * as v from "valibot";
import { decodeItem, NOTE_ATTRIBUTE } from "../encoding/index.js";
import type { Item } from "../encoding/item.js";
import { type Projection, projectionOf } from "../requests/projection.js";
import { SCHEMA_VERSION_ATTRIBUTE, TTL_ATTRIBUTE } from "../schema/bookkeeping.js";
import { schemaMismatch, storedVersion } from "../schema/declare.js";
import { valueEntries } from "../schema/introspect.js";
import { formatStoredKey } from "../schema/keys.js";
import { compile, mismatchOf } from "../schema/stored.js";
import type { AtomDefinition } from "../schema/types.js";
import { invalidCondition } from "./range.js";

/** What `.select(fields)` reads of each item, and how it turns one into the picked value. */
export interface Selection {
  readonly fields: readonly string[];
  /** The attributes to read; undefined for whole items (a type with migrations). */
  readonly projection: Projection | undefined;
  decode(item: Readonly<Item>): Record<string, unknown>;
  /**
   * The fields returned, when `decode` reads more (the fields a filter tests): they are kept
   * only until the filter has run.
   */
  readonly pick?: readonly string[];
}

/**
 * The selection of `fields` for a query on the index with key attributes `<gsi>pk`/`<gsi>sk`
 * (`""`: the table). Only those fields are read and decoded, each checked against its schema.
 * A type with migrations reads and migrates whole items, then keeps the fields: an older item
 * may need fields the selection leaves out to become today's value.
 */
export function selection(
  definition: AtomDefinition,
  index: { readonly name: string; readonly gsi: string },
  fields: unknown,
): Selection {
  const fail = (reason: string) => invalidCondition(definition.name, index.name, reason);
  const entries = valueEntries(definition.schema);
  if (entries === undefined) {
    throw fail(
      "select needs a schema whose fields can be named (an object, not a record or union)",
    );
  }
  if (!Array.isArray(fields) || fields.length === 0) {
    throw fail("select takes a non-empty list of the value's field names");
  }
  const unknown = fields.filter(
    (field) => typeof field !== "string" || !Object.hasOwn(entries, field),
  );
  if (unknown.length > 0) {
    throw fail(
      `select names ${unknown.map((field) => JSON.stringify(field)).join(", ")}, not fields of the value (${Object.keys(entries).join(", ")})`,
    );
  }
  const picked = [...new Set(fields as string[])];
  const keep = new Set(picked);
  const pick = (value: Record<string, unknown>) => pickFields(value, picked);
  if (Object.keys(definition.migrate).length > 0) {
    return {
      fields: picked,
      projection: undefined,
      decode: (item) => pick(definition.decode(item) as Record<string, unknown>),
    };
  }
  const check = compile(v.object(Object.fromEntries(picked.map((f) => [f, entries[f]])) as never));
  const { gsi } = index;
  return {
    fields: picked,
    projection: projectionOf([
      "pk",
      "sk",
      `${gsi}pk`,
      `${gsi}sk`,
      ...picked,
      NOTE_ATTRIBUTE,
      SCHEMA_VERSION_ATTRIBUTE,
      ...(definition.ttl === undefined ? [] : [TTL_ATTRIBUTE]),
    ]),
    decode(item) {
      // An older item needs a migration this type does not have: refused as a whole read is.
      if (storedVersion(definition, item, definition.version) !== definition.version) {
        return pick(definition.decode(item) as Record<string, unknown>);
      }
      const value = decodeItem(item, { omit: (name) => !keep.has(name) });
      const mismatch = mismatchOf(check, value);
      if (mismatch === undefined) return value;
      throw schemaMismatch(definition.name, formatStoredKey(definition.key, item), mismatch);
    },
  };
}

/** Only these fields of a decoded value. */
export function pickFields(value: unknown, fields: readonly string[]): Record<string, unknown> {
  const all = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(all, field)) out[field] = all[field];
  return out;
}
