import { randomFillSync } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { itemSize, NOTE_ATTRIBUTE } from "../encoding/index.js";
import { numberToN } from "../encoding/limits.js";
import { DecodeError } from "../errors/index.js";
import { formatStoredKey } from "./keys.js";
import type { KeyShape } from "./types.js";

/** The schema version an item was written with. */
export const SCHEMA_VERSION_ATTRIBUTE = "_schema";
/** The atom version: grows by one on every write (optimistic concurrency). */
export const ATOM_VERSION_ATTRIBUTE = "_ver";
/** The ids of the item's last writes, one string ".id1.id2." (exactly-once swaps). */
export const WRITE_IDS_ATTRIBUTE = "_writes";
/** When the item expires, in epoch seconds (DynamoDB's TTL attribute), for types with `ttl`. */
export const TTL_ATTRIBUTE = "_ttl";
/** ElectroDB's own identifiers, which it writes into every item. */
export const ELECTRODB_ATTRIBUTES = ["__edb_e__", "__edb_v__"] as const;

/** Attributes that hold dynatom's bookkeeping, never a field of the value. */
export const BOOKKEEPING_ATTRIBUTES: ReadonlySet<string> = new Set([
  NOTE_ATTRIBUTE,
  SCHEMA_VERSION_ATTRIBUTE,
  ATOM_VERSION_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  TTL_ATTRIBUTE,
  ...ELECTRODB_ATTRIBUTES,
]);

/** The epoch second now: what an item's `_ttl` is compared with. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Whether an item has expired: its `_ttl` is at or before `now` (epoch seconds). DynamoDB deletes
 * such items within days; until then every read treats them as absent.
 */
export function expired(
  item: Readonly<Record<string, AttributeValue>>,
  now: number = nowSeconds(),
): boolean {
  const text = item[TTL_ATTRIBUTE]?.N;
  return text !== undefined && Number(text) <= now;
}

/**
 * The `_ttl` of a value's expiry field: a Date's epoch second, or a number of epoch seconds; none
 * when the field is absent (the item never expires).
 */
export function ttlOf(value: unknown): AttributeValue | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    return Number.isNaN(time) ? undefined : { N: String(Math.floor(time / 1000)) };
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const text = numberToN(Math.floor(value));
  return text === undefined ? undefined : { N: text };
}

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
  const key = formatStoredKey(owner.key, item);
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

/** Characters of a write id: 6 random bytes, base64url. */
export const WRITE_ID_LENGTH = 8;
const ID_BYTES = (WRITE_ID_LENGTH * 3) / 4;
/** Random bytes for 512 ids at a time: one call to the CSPRNG instead of one per write. */
const pool = Buffer.alloc(ID_BYTES * 512);
let used = pool.length;

/**
 * A fresh id for one write: 48 random bits, base64url (so never a "."). An id only needs to
 * differ from the others in its item's window: 16 of them, so two collide with odds of about
 * 1 in 10^12 per item.
 *
 * @example newWriteId() // "kX3_9aQz"
 */
export function newWriteId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += ID_BYTES;
  return pool.toString("base64url", used - ID_BYTES, used);
}

/**
 * How many recent write ids an item keeps: the window in which a lost answer can be resolved.
 * It bounds the writes that may land on one item between a send whose answer is lost and the
 * read (or refused resend) that settles it. A handle settles at once, and a store sends one
 * write per item at a time, so what lands in between is at most one write from each other
 * process writing that item: 16 covers 15 of them. Past it the outcome is reported unknown
 * (applied once or not at all), never guessed.
 */
export const WRITE_ID_WINDOW = 16;

/** Between and around the ids of the stored form: never in an id, so ".id." matches one id. */
const DELIMITER = ".";

/** The longest stored form: a full window of ids of {@link WRITE_ID_LENGTH}, delimited. */
export const WRITE_IDS_MAX_CHARS = 1 + WRITE_ID_WINDOW * (WRITE_ID_LENGTH + 1);

/**
 * How an item stores its write ids: `"text"` (one string, ".id1.id2.", oldest first) is what
 * this release writes; `"list"` (an L of strings) is what releases before it wrote, still read
 * and still tested in conditions on items that hold it.
 */
export type WriteIdsForm = "text" | "list";

/** The write ids of an item, oldest first, and the form they were stored in. */
export interface WriteIds {
  readonly ids: readonly string[];
  readonly form: WriteIdsForm;
}

const TEXT_FORM = /^\.(?:[^.]+\.)*$/;

/**
 * The write ids an attribute holds, or undefined when it is neither form (a string not
 * delimited as dynatom writes it, a list with an element that is not a string).
 *
 * @example parseWriteIds({ S: ".a1.b2." }) // { ids: ["a1", "b2"], form: "text" }
 * @example parseWriteIds({ L: [{ S: "DrSv0TNimCQr" }] }) // { ids: ["DrSv0TNimCQr"], form: "list" }
 */
export function parseWriteIds(value: AttributeValue): WriteIds | undefined {
  if (typeof value.S === "string") {
    if (!TEXT_FORM.test(value.S)) return undefined;
    return { ids: value.S.split(DELIMITER).slice(1, -1), form: "text" };
  }
  if (Array.isArray(value.L)) {
    const ids: string[] = [];
    for (const entry of value.L) {
      if (typeof entry?.S !== "string") return undefined;
      ids.push(entry.S);
    }
    return { ids, form: "list" };
  }
  return undefined;
}

/**
 * The stored form of write ids, oldest first: one string, each id between delimiters.
 *
 * @example buildWriteIds(["a1", "b2"]) // { S: ".a1.b2." }
 */
export function buildWriteIds(ids: readonly string[]): AttributeValue {
  return { S: ids.length === 0 ? DELIMITER : `${DELIMITER}${ids.join(DELIMITER)}${DELIMITER}` };
}

/**
 * The value a condition's `contains(#w, :id)` takes to test that an item holding write ids in
 * `form` lists `id`: for the text form the id with its delimiters, so that the substring test
 * matches that id exactly and never a piece of one, or of two; for the list form the id, which
 * `contains` compares with each element.
 *
 * @example writeIdOperand("b2", "text") // { S: ".b2." }
 */
export function writeIdOperand(id: string, form: WriteIdsForm): AttributeValue {
  return { S: form === "text" ? `${DELIMITER}${id}${DELIMITER}` : id };
}

/** Whether an id can stand in the text form: one delimited piece, never a delimiter. */
function delimitable(id: string): boolean {
  return id.length > 0 && !id.includes(DELIMITER);
}

/**
 * The ids a write leaves on its item: the newest of `previous` that fit, then `writeId`. They
 * stay consecutive (the newest ones, with none skipped), which is what the proofs of
 * `src/protocol/` count on; what does not fit is the oldest: past {@link WRITE_ID_WINDOW} ids or
 * {@link WRITE_IDS_MAX_CHARS} characters (longer ids of an older release count for more), or
 * at and before an id the text form cannot hold (one another tool wrote into a list).
 *
 * @example nextWriteIds(["a1", "b2"], "c3") // ["a1", "b2", "c3"]
 */
export function nextWriteIds(previous: readonly string[], writeId: string): string[] {
  let chars = 1 + writeId.length + 1;
  let from = previous.length;
  while (from > 0 && previous.length - from < WRITE_ID_WINDOW - 1) {
    const id = previous[from - 1] as string;
    if (!delimitable(id) || chars + id.length + 1 > WRITE_IDS_MAX_CHARS) break;
    chars += id.length + 1;
    from--;
  }
  return [...previous.slice(from), writeId];
}

/**
 * The write ids of a stored item (none when it has no such attribute); an attribute in neither
 * form is refused, as a broken version is: conditions on it would fail every write.
 */
export function writeIdsOf(owner: Owner, item: Readonly<Record<string, AttributeValue>>): WriteIds {
  const value = item[WRITE_IDS_ATTRIBUTE];
  if (value === undefined) return { ids: [], form: "text" };
  const parsed = parseWriteIds(value);
  if (parsed !== undefined) return parsed;
  const stored = JSON.stringify(value)?.slice(0, 60) ?? String(value);
  const reason = `it holds ${stored}, not write ids (a string ".id.id." or a list of strings)`;
  const key = formatStoredKey(owner.key, item);
  throw new DecodeError(
    "decode.invalid-bookkeeping",
    `Atom "${owner.name}" ${key}: the item's "${WRITE_IDS_ATTRIBUTE}" cannot be read: ${reason}. ` +
      "dynatom never writes that; fix or remove the attribute (with the AWS CLI or console).",
    { details: { atom: owner.name, key, attribute: WRITE_IDS_ATTRIBUTE, reason } },
  );
}

/**
 * The write ids an item lists, in either form; none when it has none or they cannot be read
 * (where nothing can be proven from them anyway).
 *
 * @example writeIdsIn({ _writes: { S: ".a1.b2." } }) // ["a1", "b2"]
 */
export function writeIdsIn(
  item: Readonly<Record<string, AttributeValue>> | undefined,
): readonly string[] {
  const value = item?.[WRITE_IDS_ATTRIBUTE];
  return (value && parseWriteIds(value)?.ids) ?? [];
}

/**
 * The bookkeeping of a write that is not conditional on the item (batch puts, transaction
 * puts): no version (an atom counts it as version 0) but a fresh write id, so that an atom
 * handle that saw the item before this write cannot overwrite it unawares.
 */
export function blindWriteBookkeeping(): Record<string, AttributeValue> {
  return { [WRITE_IDS_ATTRIBUTE]: buildWriteIds([newWriteId()]) };
}

/**
 * The most bytes a write's bookkeeping adds to an item (a version of up to 15 digits and the
 * longest write ids): room every encoded value leaves, so that no later write is refused.
 */
export const BOOKKEEPING_BYTES = itemSize({
  [ATOM_VERSION_ATTRIBUTE]: { N: "9".repeat(15) },
  [WRITE_IDS_ATTRIBUTE]: { S: "x".repeat(WRITE_IDS_MAX_CHARS) },
});
