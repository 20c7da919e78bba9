import type { Fields } from "../encoding/item.js";
import { isDynatomError } from "../errors/index.js";
import { PRIMARY } from "../schema/check.js";
import { partitionKey } from "../schema/keys.js";
import type { AtomDefinition, IndexShape } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { Query } from "./query.js";
import { checkKinds, invalidCondition } from "./range.js";

/** The index partition key of `fields`, after checking they name the index's partition fields. */
function partitionOf(definition: AtomDefinition, index: IndexShape, fields: Fields): string {
  const fail = (reason: string) => invalidCondition(definition.name, index.name, reason);
  const given = typeof fields === "object" && fields !== null ? Object.keys(fields) : [];
  const missing = index.pk.filter((field) => !given.includes(field));
  const extra = given.filter((field) => !index.pk.includes(field));
  if (missing.length > 0 || extra.length > 0) {
    throw fail(
      `the partition is given by exactly ${index.pk.join(", ")}; got ${given.join(", ") || "none"}`,
    );
  }
  checkKinds(definition, index, fields);
  try {
    return partitionKey(definition.name, index.pk, fields);
  } catch (err) {
    if (isDynatomError(err, "encoding.unindexable")) throw fail(err.message);
    throw err;
  }
}

/**
 * `store.query(X)`: an object with one method per index of the atom type, and `primary` for the
 * table's own key (read as an index whose key attributes are `pk` and `sk`).
 */
export function atomQueries(core: StoreCore, definition: AtomDefinition): QueriesOf {
  const queries: Record<string, (partition: Fields) => Query<unknown>> = {};
  const table: IndexShape = { name: PRIMARY, gsi: "", ...definition.key };
  for (const index of [table, ...definition.indexes]) {
    queries[index.name] = (partition) =>
      new Query(core, definition, index, partitionOf(definition, index, partition));
  }
  return Object.freeze(queries) as QueriesOf;
}

type QueriesOf = { readonly [name: string]: (partition: Fields) => Query<unknown> } & {
  readonly primary: (partition: Fields) => Query<unknown>;
};
