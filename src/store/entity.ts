import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Attribute, Entity, type Schema } from "electrodb";
import { MODEL_VERSION, SERVICE } from "../schema/keys.js";
import type { IndexShape, KeyShape } from "../schema/types.js";

/** The ElectroDB model of an atom type: its key and index fields, as their index forms. */
export type AtomEntitySchema = Schema<string, string, string>;

/** The ElectroDB entity generated for an atom type. */
export type AtomEntity = Entity<string, string, string, AtomEntitySchema>;

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
export function atomEntity(
  name: string,
  key: KeyShape,
  indexes: readonly IndexShape[],
  table: string,
  client: DynamoDBClient,
): AtomEntity {
  return new Entity(entitySchema(name, key, indexes), { table, client });
}
