import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { NOTE_ATTRIBUTE } from "../encoding/index.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  atomVersionOf,
  buildWriteIds,
  expired,
  nextWriteIds,
  nowSeconds,
  schemaVersionOf,
  TTL_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  type WriteIdsForm,
  writeIdsOf,
} from "../schema/bookkeeping.js";
import type { AtomDefinition } from "../schema/types.js";

/** What a handle knows of its item: whether it exists, its version, its recent writes, its value. */
export interface Seen {
  readonly exists: boolean;
  /** 0 for an absent item, and for one written by another tool without a version. */
  readonly version: number;
  /** Ids of the item's last writes, oldest first, newest last. */
  readonly writes: readonly string[];
  /**
   * How the item stores them, when it is not this release's text form: a condition on the
   * item tests the form it holds.
   */
  readonly writesForm?: WriteIdsForm;
  readonly value: unknown;
  /**
   * What an update without a read needs besides: the type note's text (null when the item has
   * none) and the schema version, when this state was read from an item (not made by a write).
   */
  readonly stored?: { readonly note: string | null; readonly schema: number };
  /**
   * When the item expires (its `_ttl`, epoch seconds), for a type with `ttl`. Past it, every
   * decision treats the item as absent, while a write's condition names it as it is; before
   * it, a write's condition requires it still live (see `conditionOn`).
   */
  readonly ttl?: number;
}

/**
 * Whether a state holds a value now: the item exists and has not expired. Decided when a
 * decision is made, not when the state was read: a lease read live runs out later.
 */
export function live(seen: Seen, now: number = nowSeconds()): boolean {
  return seen.exists && !(seen.ttl !== undefined && seen.ttl <= now);
}

/** The expiry an item holds, for a state of it (see {@link Seen.ttl}). */
export function ttlIn(
  definition: AtomDefinition,
  item: Readonly<Record<string, AttributeValue>> | undefined,
): { ttl: number } | Record<string, never> {
  const text = definition.ttl === undefined ? undefined : item?.[TTL_ATTRIBUTE]?.N;
  return text === undefined ? {} : { ttl: Number(text) };
}

export const ABSENT: Seen = { exists: false, version: 0, writes: [], value: undefined };

/** The state an item shows, decoding its value. */
export function seenFrom(
  definition: AtomDefinition,
  item: Readonly<Record<string, AttributeValue>> | undefined,
): Seen {
  if (item === undefined) return ABSENT;
  const { ids, form } = writeIdsOf(definition, item);
  // An item expired already is not decoded: nothing will ever read its value.
  const gone = definition.ttl !== undefined && expired(item);
  return {
    exists: true,
    version: atomVersionOf(definition, item),
    writes: ids,
    ...(form === "text" ? {} : { writesForm: form }),
    ...ttlIn(definition, item),
    value: gone ? undefined : definition.decode(item),
    stored: {
      note: item[NOTE_ATTRIBUTE]?.S ?? null,
      schema: schemaVersionOf(definition, item) ?? definition.version,
    },
  };
}

/**
 * The bookkeeping a write adds to its item: the next version, and its id on the window, in the
 * text form whatever form the basis held (the write's condition tests that one).
 */
export function bookkeeping(
  basis: Seen,
  writeId: string,
  writes: readonly string[] = nextWriteIds(basis.writes, writeId),
): Record<string, AttributeValue> {
  return {
    [ATOM_VERSION_ATTRIBUTE]: { N: String(basis.version + 1) },
    [WRITE_IDS_ATTRIBUTE]: buildWriteIds(writes),
  };
}

/**
 * The state after a write of `value` on `basis` succeeded; `writes`, the ids it stored, when the
 * caller has them already.
 */
export function afterWrite(
  basis: Seen,
  writeId: string,
  value: unknown,
  writes: readonly string[] = nextWriteIds(basis.writes, writeId),
): Seen {
  return { exists: true, version: basis.version + 1, writes, value };
}

/**
 * Whether a write computed on `basis` provably did not apply, given the item now shows `current`
 * without its id. It would have made version `basis.version + 1` right after `basis`'s last
 * write; when `current` still lists that last write (so it descends from `basis`: ids are never
 * reused, and an item deleted and made again starts a new list) and our slot is in its window,
 * another id in our slot proves ours never applied. Without that proof (a basis with no write
 * id, such as an absent item, or a last write that fell off the window) a delete and re-create
 * in between could have erased our write: unknown.
 */
export function provablyNotApplied(basis: Seen, current: Seen): boolean {
  if (!current.exists) return false;
  const last = basis.writes.at(-1);
  if (last === undefined || !current.writes.includes(last)) return false;
  const ours = basis.version + 1;
  if (current.version < ours) return current.version === basis.version;
  return ours >= current.version - current.writes.length + 1;
}
