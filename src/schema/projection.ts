/**
 * What each read of an atom type asks DynamoDB for: the value's fields and what decoding needs,
 * not the GSI keys, ElectroDB's markers or (where nothing reads them) the table keys and the
 * write-id list. Worked out once per atom type, on first use.
 */
import { NOTE_ATTRIBUTE } from "../encoding/index.js";
import { type Projection, projectionOf } from "../requests/projection.js";
import {
  BOOKKEEPING_ATTRIBUTES,
  ELECTRODB_ATTRIBUTES,
  SCHEMA_VERSION_ATTRIBUTE,
  TTL_ATTRIBUTE,
} from "./bookkeeping.js";
import { valueFields } from "./introspect.js";
import type { AtomDefinition } from "./types.js";

/** The projections of one atom type's reads; undefined where the whole item must be read. */
export interface ReadProjections {
  /**
   * `deref` and a swap's reads: the value and the bookkeeping the protocol reads; only for a
   * type with indexes, whose items carry their GSI keys too. Without indexes, all a projection
   * would leave out is the primary key and ElectroDB's two markers, tens of bytes that cost less
   * to carry than the ProjectionExpression costs DynamoDB to apply (5% of a GetItem measured on
   * DynamoDB Local; DynamoDB bills the read by the whole item either way).
   */
  readonly atom: Projection | undefined;
  /** `findItems`: the value, and `pk`/`sk` to match answers (which come in any order) to keys. */
  readonly find: Projection | undefined;
  /**
   * A query on the index with these key attributes (`""`: the table's own key): the value, and
   * the keys a cursor holds.
   */
  query(gsi: string): Projection | undefined;
}

const WHOLE: ReadProjections = { atom: undefined, find: undefined, query: () => undefined };
const cache = new WeakMap<AtomDefinition, ReadProjections>();

/** Every bookkeeping attribute but ElectroDB's markers, which nothing here reads. */
function protocolAttributes(): string[] {
  const electro = new Set<string>(ELECTRODB_ATTRIBUTES);
  return [...BOOKKEEPING_ATTRIBUTES].filter((name) => !electro.has(name));
}

/**
 * The projections of an atom type's reads, computed once per definition. None (whole items) when
 * the value's fields cannot all be named from the schema, or when the type has migrations: an
 * item of an older version may hold fields the current schema does not list, which a migration
 * step reads, and a projection by today's fields would drop them before it runs.
 *
 * @example getAtom(table, key, readProjections(Account).atom)
 */
export function readProjections(definition: AtomDefinition): ReadProjections {
  let projections = cache.get(definition);
  if (projections === undefined) {
    projections = build(definition);
    cache.set(definition, projections);
  }
  return projections;
}

function build(definition: AtomDefinition): ReadProjections {
  if (Object.keys(definition.migrate).length > 0) return WHOLE;
  const fields = valueFields(definition.schema);
  if (fields === undefined) return WHOLE;
  // An expiring type's reads need `_ttl`, to tell an expired item from a live one.
  const decoded = [
    ...fields,
    NOTE_ATTRIBUTE,
    SCHEMA_VERSION_ATTRIBUTE,
    ...(definition.ttl === undefined ? [] : [TTL_ATTRIBUTE]),
  ];
  const byIndex = new Map(
    definition.indexes.map((index) => [
      index.gsi,
      projectionOf(["pk", "sk", `${index.gsi}pk`, `${index.gsi}sk`, ...decoded]),
    ]),
  );
  const find = projectionOf(["pk", "sk", ...decoded]);
  return {
    atom:
      definition.indexes.length > 0
        ? projectionOf([...decoded, ...protocolAttributes()])
        : undefined,
    find,
    // The table's own key: its keys are all a cursor holds.
    query: (gsi) => (gsi === "" ? find : byIndex.get(gsi)),
  };
}
