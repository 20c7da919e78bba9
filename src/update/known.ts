import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Target } from "../atom/write.js";
import { NOTE_ATTRIBUTE } from "../encoding/index.js";
import { ABSENT, type Seen, ttlIn } from "../protocol/state.js";
import { projectionOf } from "../requests/projection.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  atomVersionOf,
  SCHEMA_VERSION_ATTRIBUTE,
  schemaVersionOf,
  TTL_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  writeIdsOf,
} from "../schema/bookkeeping.js";
import { tableKeyId } from "../schema/keys.js";
import type { StoreCore } from "../store/core.js";

/** A state the fast path can write on: its bookkeeping, and the value when it was read. */
export interface Known {
  /** The state; its `value` only counts when `valueRead`. */
  readonly seen: Seen & { readonly stored: NonNullable<Seen["stored"]> };
  /** Whether `seen.value` is the stored value at that state (read, not remembered). */
  readonly valueRead: boolean;
}

/** The attributes a read for an update asks for: the bookkeeping, never the value. */
export const BOOKKEEPING = projectionOf([
  "pk",
  ATOM_VERSION_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  NOTE_ATTRIBUTE,
  SCHEMA_VERSION_ATTRIBUTE,
  TTL_ATTRIBUTE,
]);

/**
 * The states recent updates left, per store and key, so that the next update of the same item
 * needs no read at all: a guess only (every write is conditional on it; a wrong one is refused
 * with the item as it is). Bookkeeping only, never values: a few hundred bytes per key.
 */
const remembered = new WeakMap<StoreCore, Map<string, Known>>();
const REMEMBERED_KEYS = 1024;

export function remember(target: Target, known: Known): void {
  let byKey = remembered.get(target.core);
  if (byKey === undefined) {
    byKey = new Map();
    remembered.set(target.core, byKey);
  }
  const id = tableKeyId(target.key);
  byKey.delete(id);
  byKey.set(id, { seen: { ...known.seen, value: undefined }, valueRead: false });
  if (byKey.size > REMEMBERED_KEYS) byKey.delete(byKey.keys().next().value as string);
}

export function recalled(target: Target): Known | undefined {
  return remembered.get(target.core)?.get(tableKeyId(target.key));
}

/** The state an item's bookkeeping shows, without decoding its value. */
export function knownFrom(target: Target, item: Record<string, AttributeValue> | undefined): Known {
  const { definition } = target;
  if (item === undefined)
    return { seen: { ...ABSENT, stored: { note: null, schema: 0 } }, valueRead: false };
  const { ids, form } = writeIdsOf(definition, item);
  return {
    seen: {
      exists: true,
      version: atomVersionOf(definition, item),
      writes: ids,
      ...(form === "text" ? {} : { writesForm: form }),
      ...ttlIn(definition, item),
      value: undefined,
      stored: {
        note: item[NOTE_ATTRIBUTE]?.S ?? null,
        schema: schemaVersionOf(definition, item) ?? definition.version,
      },
    },
    valueRead: false,
  };
}

export function fullyKnown(seen: Seen): Known | undefined {
  return seen.stored === undefined ? undefined : { seen: seen as Known["seen"], valueRead: true };
}
