import type {
  DeleteItemCommandInput,
  GetItemCommandInput,
  PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { Item } from "../encoding/item.js";
import { type Basis, conditionOn } from "./conditions.js";
import { type Projection, projectionInput } from "./projection.js";

/**
 * Reads one atom's item, strongly consistently (a decision must rest on the latest value). With
 * a projection, only those attributes (the value's fields and the bookkeeping a swap needs): not
 * the keys, which the caller already has.
 *
 * @example getAtom("app", { pk: { S: "…" }, sk: { S: "…" } }, projectionOf(["n", "_types", "_schema", "_ver", "_writes"]))
 */
export function getAtom(table: string, key: Item, projection?: Projection): GetItemCommandInput {
  return { TableName: table, Key: key, ConsistentRead: true, ...projectionInput(projection) };
}

/**
 * Writes an atom's new item only over the state it was computed from; a refused write answers
 * the item as it is now, so that a retry needs no read.
 *
 * @example putAtom("app", item, { exists: false, version: 0, writes: [] })
 */
export function putAtom(table: string, item: Item, basis: Basis): PutItemCommandInput {
  return {
    TableName: table,
    Item: item,
    ...conditionOn(basis),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/** Deletes an atom's item, whatever it holds. */
export function deleteAtom(table: string, key: Item): DeleteItemCommandInput {
  return { TableName: table, Key: key };
}
