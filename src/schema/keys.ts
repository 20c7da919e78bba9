import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { decodeItem, type Indexable, indexForm, NOTE_ATTRIBUTE } from "../encoding/index.js";
import { DynatomError, EncodingError, isDynatomError } from "../errors/index.js";
import type { FieldKind } from "./introspect.js";
import type { IndexShape, KeyShape } from "./types.js";

/**
 * Keys are written in ElectroDB's format, so the generated entity reads and queries them:
 * `pk = "$dynatom" + "#field_value"…`, `sk = "$<atom>_1" + "#field_value"…`, each value in its
 * order-preserving index form. The model version in `sk` stays "1": the schema version is kept
 * in its own attribute, so that a new schema version still finds the items of the old one.
 */
export const SERVICE = "dynatom";
export const MODEL_VERSION = "1";

/**
 * In a key of several fields, "#" separates them, and it must sort below every character of a
 * value, or a value would sort apart from its own extensions ("Smith Jr" before "Smith").
 * So U+0000–U+0024 ("$" included) become "$" and a letter ("@"…"d"): every character of the
 * form is then "$" or above, the order of values is kept, and no value can hold "#".
 *
 * @example compositeForm("Smith Jr") === "Smith$`Jr"
 */
export function compositeForm(form: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < form.length; i++) {
    const code = form.charCodeAt(i);
    if (code <= 0x24) {
      out += `${form.slice(from, i)}$${String.fromCharCode(0x40 + code)}`;
      from = i + 1;
    }
  }
  return from === 0 ? form : out + form.slice(from);
}

function composite(
  atom: string,
  prefix: string,
  fields: readonly string[],
  value: Readonly<Record<string, unknown>>,
  several: boolean,
) {
  let key = prefix;
  for (const field of fields) {
    let form: string;
    try {
      form = indexForm(value[field] as Indexable);
    } catch (err) {
      if (!isDynatomError(err, "encoding.unindexable")) throw err;
      throw new EncodingError(
        "encoding.unindexable",
        `Atom "${atom}", key field "${field}": ${err.details.reason}.`,
        { details: err.details, cause: err },
      );
    }
    key += `#${field}_${several ? compositeForm(form) : form}`;
  }
  return key;
}

export function partitionKey(
  atom: string,
  fields: readonly string[],
  value: Readonly<Record<string, unknown>>,
) {
  return composite(atom, `$${SERVICE}`, fields, value, fields.length > 1);
}

/** A sort key; `several` when the key has more fields than the ones given (a query's prefix). */
export function sortKey(
  atom: string,
  fields: readonly string[],
  value: Readonly<Record<string, unknown>>,
  several = fields.length > 1,
) {
  return composite(atom, `$${atom}_${MODEL_VERSION}`, fields, value, several);
}

function invalidKey(atom: string, field: string, reason: string) {
  return new DynatomError("schema.invalid-key", `Atom "${atom}": ${reason}.`, {
    details: { atom, field, reason },
  });
}

// DynamoDB's limits on key attributes, in UTF-8 bytes: table keys and GSI keys alike.
const PARTITION_KEY_BYTES = 2_048;
const SORT_KEY_BYTES = 1_024;

/** A key attribute as DynamoDB takes it, or `schema.invalid-key` before any request. */
function sized(atom: string, attribute: string, text: string, limit: number): AttributeValue {
  // Three bytes a UTF-16 unit at most: most keys need no count.
  if (text.length * 3 > limit) {
    const size = Buffer.byteLength(text, "utf8");
    if (size > limit) {
      const which = limit === SORT_KEY_BYTES ? "sort key" : "partition key";
      throw invalidKey(
        atom,
        attribute,
        `its ${which} "${attribute}" is ${size.toLocaleString("en")} bytes, and DynamoDB takes ` +
          `at most ${limit.toLocaleString("en")} bytes in a ${which}: shorten the key fields`,
      );
    }
  }
  return { S: text };
}

/** The table key (`pk`, `sk`) of the atom a value or key belongs to. */
export function primaryKey(
  atom: string,
  key: KeyShape,
  value: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  return {
    pk: sized(atom, "pk", partitionKey(atom, key.pk, value), PARTITION_KEY_BYTES),
    sk: sized(atom, "sk", sortKey(atom, key.sk, value), SORT_KEY_BYTES),
  };
}

/** The GSI key attributes (`gsi1pk`, `gsi1sk`, …) of every index of a value. */
export function indexKeys(
  atom: string,
  indexes: readonly IndexShape[],
  value: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  const keys: Record<string, AttributeValue> = {};
  for (const index of indexes) {
    const pk = `${index.gsi}pk`;
    const sk = `${index.gsi}sk`;
    keys[pk] = sized(atom, pk, partitionKey(atom, index.pk, value), PARTITION_KEY_BYTES);
    keys[sk] = sized(atom, sk, sortKey(atom, index.sk, value), SORT_KEY_BYTES);
  }
  return keys;
}

const KIND_TEST: Record<FieldKind, (value: unknown) => boolean> = {
  string: (value) => typeof value === "string",
  number: (value) => typeof value === "number",
  bigint: (value) => typeof value === "bigint",
  date: (value) => value instanceof Date && !Number.isNaN(value.getTime()),
  boolean: (value) => typeof value === "boolean",
};

/**
 * Checks a key given by a caller against the kinds of the schema's key fields, so that an id
 * that arrives as "5" (from JSON) is refused rather than read as another, absent item.
 */
export function checkKeyFields(
  atom: string,
  key: KeyShape,
  kinds: ReadonlyMap<string, FieldKind>,
  fields: unknown,
): Readonly<Record<string, unknown>> {
  if (typeof fields !== "object" || fields === null) {
    throw invalidKey(
      atom,
      "(key)",
      `a key must be an object of key fields, not ${formatKeyValue(fields)}`,
    );
  }
  const record = fields as Readonly<Record<string, unknown>>;
  for (const field of [...key.pk, ...key.sk]) {
    const kind = kinds.get(field);
    const value = Object.hasOwn(record, field) ? record[field] : undefined;
    if (value === undefined) throw invalidKey(atom, field, `key field "${field}" is missing`);
    if (kind !== undefined && !KIND_TEST[kind](value)) {
      const want = kind === "date" ? "a valid Date" : `a ${kind}`;
      throw invalidKey(
        atom,
        field,
        `key field "${field}" must be ${want}, not ${formatKeyValue(value)}`,
      );
    }
  }
  return record;
}

function formatKeyValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return `bigint ${value}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : "a Date";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The key fields of a value: what names its atom. */
export function pickKeyFields(
  key: KeyShape,
  value: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of [...key.pk, ...key.sk]) fields[name] = value[name];
  return fields;
}

/** A key as messages show it: `{"tenant":"t1","id":"a1"}`, bigints as digits. */
export function formatKey(fields: unknown): string {
  return JSON.stringify(fields, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
}

/**
 * The key of a stored item as messages show it, from its own key fields; for an item whose key
 * fields cannot be decoded, its `pk` and `sk`. Only for errors: it decodes those fields again.
 */
export function formatStoredKey(
  key: KeyShape,
  item: Readonly<Record<string, AttributeValue>>,
): string {
  const fields: Record<string, AttributeValue> = {};
  for (const name of [NOTE_ATTRIBUTE, ...key.pk, ...key.sk]) {
    const av = Object.hasOwn(item, name) ? item[name] : undefined;
    if (av !== undefined) fields[name] = av;
  }
  try {
    return formatKey(pickKeyFields(key, decodeItem(fields)));
  } catch {
    return formatKey({ pk: item.pk?.S, sk: item.sk?.S });
  }
}

/** A string that tells items apart by their table key (`pk`, `sk`), e.g. to find repeats. */
export function tableKeyId(key: Readonly<Record<string, AttributeValue>>): string {
  const pk = key.pk?.S ?? "";
  // The length prefix makes the pair unambiguous whatever characters the keys hold.
  return `${pk.length}:${pk}${key.sk?.S ?? ""}`;
}
