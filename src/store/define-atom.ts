import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RESERVED_PREFIX } from "../kv/definitions.js";
import { declareAtom } from "../schema/declare.js";
import type {
  AtomDefinition,
  AtomSchema,
  AtomSpec,
  FieldOf,
  IndexSpec,
  KeySpec,
} from "../schema/types.js";
import { reservedName } from "./core.js";
import { type AtomEntity, atomEntity } from "./entity.js";

/** A declared atom type: its definition, and its generated ElectroDB entity. */
export interface AtomType<
  S extends AtomSchema = AtomSchema,
  K extends KeySpec<FieldOf<S>> = KeySpec<FieldOf<S>>,
  I extends Readonly<Record<string, IndexSpec<FieldOf<S>>>> = Readonly<
    Record<string, IndexSpec<FieldOf<S>>>
  >,
> extends AtomDefinition<S, K, I> {
  /** The generated ElectroDB entity on a table: an escape hatch for what dynatom does not cover. */
  entity(table: string, client: DynamoDBClient): AtomEntity<K, I>;
}

/**
 * Declares an atom type: pure, no I/O. Checks the declaration (key and index fields exist, are
 * top-level and required, and have an indexable type; no reserved names) and throws a
 * `DefinitionError` naming the atom and the field otherwise. Everything else is typed from it.
 *
 * @example
 * const Account = defineAtom({
 *   name: "account",
 *   version: 1,
 *   schema: v.object({ tenant: v.string(), id: v.string(), email: v.string(), createdAt: v.date() }),
 *   key: { pk: ["tenant"], sk: ["id"] },
 *   indexes: { byEmail: { pk: ["email"] }, byTenantCreated: { pk: ["tenant"], sk: ["createdAt"] } },
 * });
 * type Account = InferAtom<typeof Account>;
 */
export function defineAtom<
  const N extends string,
  const S extends AtomSchema,
  const K extends KeySpec<FieldOf<S>>,
  const I extends Readonly<Record<string, IndexSpec<FieldOf<S>>>> = Record<never, never>,
>(spec: AtomSpec<S, K, I> & { readonly name: N }): AtomType<S, K, I> & { readonly name: N } {
  if (typeof spec.name === "string" && spec.name.startsWith(RESERVED_PREFIX)) {
    throw reservedName(spec.name);
  }
  const definition = declareAtom<S, K, I>(spec);
  return {
    ...definition,
    // The name as written: two atom types of one shape stay apart in a typed store.
    name: spec.name,
    entity: (table: string, client: DynamoDBClient) =>
      atomEntity<K, I>(definition.name, definition.key, definition.indexes, table, client),
  };
}
