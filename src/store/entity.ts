import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Attribute, Entity, type Schema } from "electrodb";
import { MODEL_VERSION, SERVICE } from "../schema/keys.js";
import type { IndexShape, KeyShape } from "../schema/types.js";

/** The ElectroDB model of an atom type: its key and index fields, as their index forms. */
export type AtomEntitySchema = Schema<string, string, string>;

type PkOf<K> = K extends readonly string[] ? K : K extends { readonly pk: infer P } ? P : never;
type SkOf<K> = K extends { readonly sk: infer Q } ? Q : readonly [];
type KeyPart<C> = { readonly field: string; readonly composite: C; readonly casing: "none" };
type FieldsOf<K> = PkOf<K> | SkOf<K> extends infer L
  ? L extends readonly (infer F)[]
    ? F & string
    : never
  : never;
type IndexFields<I> = { [N in keyof I]: FieldsOf<I[N]> }[keyof I];

/** The precise ElectroDB schema type of an atom type, derived from its key and indexes. */
export type EntitySchemaOf<K, I> = {
  readonly model: { readonly entity: string; readonly service: string; readonly version: string };
  readonly attributes: {
    readonly [F in FieldsOf<K> | IndexFields<I>]: {
      readonly type: "string";
      readonly required: true;
    };
  };
  readonly indexes: {
    readonly primary: { readonly pk: KeyPart<PkOf<K>>; readonly sk: KeyPart<SkOf<K>> };
  } & {
    readonly [N in keyof I]: {
      readonly index: string;
      readonly pk: KeyPart<PkOf<I[N]>>;
      readonly sk: KeyPart<SkOf<I[N]>>;
    };
  };
};

/**
 * The ElectroDB entity generated for an atom type, typed from its declaration: its attributes
 * are the key and index fields, as index forms (`indexForm(value)`).
 */
export type AtomEntity<K = readonly string[], I = Record<never, never>> = EntityOf<
  FieldsOf<K> | IndexFields<I>,
  EntitySchemaOf<K, I>
>;

// Checked where K and I are known (at each defineAtom), not on the generic form.
type EntityOf<A extends string, S> =
  S extends Schema<A, A, string> ? Entity<A, A, string, S> : never;

/**
 * The ElectroDB model dynatom writes keys for: each key or index field is a string attribute
 * (its order-preserving index form), keys keep their casing, every index has a sort key (a GSI
 * shared by atom types needs one) and the model version stays "1" (see `schema/keys.ts`).
 */
export function entitySchema(
  name: string,
  key: KeyShape,
  indexes: readonly IndexShape[],
): AtomEntitySchema {
  const fields = new Set([...key.pk, ...key.sk, ...indexes.flatMap((i) => [...i.pk, ...i.sk])]);
  const attributes: Record<string, Attribute> = {};
  for (const field of fields) attributes[field] = { type: "string", required: true };
  const electroIndexes: AtomEntitySchema["indexes"] = {
    primary: {
      pk: { field: "pk", composite: key.pk, casing: "none" },
      sk: { field: "sk", composite: key.sk, casing: "none" },
    },
  };
  for (const index of indexes) {
    electroIndexes[index.name] = {
      index: index.gsi,
      pk: { field: `${index.gsi}pk`, composite: index.pk, casing: "none" },
      sk: { field: `${index.gsi}sk`, composite: index.sk, casing: "none" },
    };
  }
  return {
    model: { entity: name, service: SERVICE, version: MODEL_VERSION },
    attributes,
    indexes: electroIndexes,
  };
}

/**
 * The generated ElectroDB entity on a table, for what dynatom does not cover. Its key
 * attributes take index forms (`indexForm(value)`); decode the items it returns with `X.decode`.
 */
export function atomEntity<K, I>(
  name: string,
  key: KeyShape,
  indexes: readonly IndexShape[],
  table: string,
  client: DynamoDBClient,
): AtomEntity<K, I> {
  // The schema is built at run time from the checked declaration; its type is derived from it.
  return new Entity(entitySchema(name, key, indexes), { table, client }) as unknown as AtomEntity<
    K,
    I
  >;
}
