import { randomFillSync } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { itemSize, NOTE_ATTRIBUTE } from "../encoding/index.js";
import { DecodeError } from "../errors/index.js";
import { itemKeyText } from "./keys.js";
import type { KeyShape } from "./types.js";

/** The schema version an item was written with. */
export const SCHEMA_VERSION_ATTRIBUTE = "_schema";
/** The atom version: grows by one on every write (optimistic concurrency). */
export const ATOM_VERSION_ATTRIBUTE = "_ver";
/** The ids of the item's last writes (exactly-once swaps). */
export const WRITE_IDS_ATTRIBUTE = "_writes";
/** ElectroDB's own identifiers, which it writes into every item. */
export const ELECTRODB_ATTRIBUTES = ["__edb_e__", "__edb_v__"] as const;

/** Attributes that hold dynatom's bookkeeping, never a field of the value. */
export const BOOKKEEPING_ATTRIBUTES: ReadonlySet<string> = new Set([
  NOTE_ATTRIBUTE,
  SCHEMA_VERSION_ATTRIBUTE,
  ATOM_VERSION_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  ...ELECTRODB_ATTRIBUTES,
]);

/** Table key attributes: `pk`, `sk` and the generic GSI keys `gsi1pk`, `gsi1sk`, … */
export const KEY_ATTRIBUTE = /^(pk|sk|gsi\d+(pk|sk))$/;

/** Why a schema field name cannot be used, or undefined when it can. */
export function reservedReason(field: string): string | undefined {
  if (BOOKKEEPING_ATTRIBUTES.has(field))
    return `"${field}" is one of dynatom's bookkeeping attributes`;
  if (KEY_ATTRIBUTE.test(field)) return `"${field}" is one of the table's key attributes`;
  if (field === "__proto__")
    return 'a top-level field named "__proto__" does not survive the AWS SDK';
  if (field === "" || !field.isWellFormed()) return "it cannot be a DynamoDB attribute name";
  return undefined;
}

/** What a bookkeeping error names: the atom type and how to find the item's key. */
interface Owner {
  readonly name: string;
  readonly key: KeyShape;
}

/**
 * A whole number from 1 that dynatom could have written, or undefined when the attribute is
 * absent. Anything else is refused: read as it comes (NaN, a fraction, a string), a version
 * would never equal the one a conditional write compares with, and every write would conflict.
 */
function bookkeepingNumber(
  owner: Owner,
  item: Readonly<Record<string, AttributeValue>>,
  attribute: string,
): number | undefined {
  if (!Object.hasOwn(item, attribute)) return undefined;
  const text = (item[attribute] as { N?: unknown } | undefined)?.N;
  const number = typeof text === "string" && /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(number) && number >= 1) return number;
  const stored = JSON.stringify(item[attribute])?.slice(0, 60) ?? String(item[attribute]);
  const reason = `it holds ${stored}, not a whole number from 1 (an N attribute)`;
  const key = itemKeyText(owner.key, item);
  throw new DecodeError(
    "decode.invalid-bookkeeping",
    `Atom "${owner.name}" ${key}: the item's "${attribute}" cannot be read: ${reason}. ` +
      "dynatom never writes that; fix or remove the attribute (with the AWS CLI or console).",
    { details: { atom: owner.name, key, attribute, reason } },
  );
}

/** The atom version of a stored item: 0 when it has none (written blind or by another tool). */
export function atomVersionOf(
  owner: Owner,
  item: Readonly<Record<string, AttributeValue>>,
): number {
  return bookkeepingNumber(owner, item, ATOM_VERSION_ATTRIBUTE) ?? 0;
}

/** The schema version a stored item was written with, or undefined when it has none. */
export function schemaVersionOf(
  owner: Owner,
  item: Readonly<Record<string, AttributeValue>>,
): number | undefined {
  return bookkeepingNumber(owner, item, SCHEMA_VERSION_ATTRIBUTE);
}

const ID_BYTES = 9;
/** Random bytes for 512 ids at a time: one call to the CSPRNG instead of one per write. */
const pool = Buffer.alloc(ID_BYTES * 512);
let used = pool.length;

/** A fresh id for one write: 72 random bits, base64url. */
export function newWriteId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += ID_BYTES;
  return pool.toString("base64url", used - ID_BYTES, used);
}

/**
 * The bookkeeping of a write that is not conditional on the item (batch puts, transaction
 * puts): no version (an atom counts it as version 0) but a fresh write id, so that an atom
 * handle that saw the item before this write cannot overwrite it unawares.
 */
export function blindWriteBookkeeping(): Record<string, AttributeValue> {
  return { [WRITE_IDS_ATTRIBUTE]: { L: [{ S: newWriteId() }] } };
}

/** How many recent write ids an item keeps: the window in which a lost answer can be resolved. */
export const WRITE_ID_WINDOW = 32;

/**
 * The most bytes a write's bookkeeping adds to an item (a version of up to 15 digits and a full
 * window of write ids): room every encoded value leaves, so that no later write is refused.
 */
export const BOOKKEEPING_BYTES = itemSize({
  [ATOM_VERSION_ATTRIBUTE]: { N: "9".repeat(15) },
  [WRITE_IDS_ATTRIBUTE]: {
    L: Array.from({ length: WRITE_ID_WINDOW }, () => ({ S: "x".repeat(12) })),
  },
});
