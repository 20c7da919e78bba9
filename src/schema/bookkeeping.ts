import { randomFillSync } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { itemSize, NOTE_ATTRIBUTE } from "../encoding/index.js";

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
