import type { AttributeValue, UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import type { Item } from "../encoding/item.js";
import type { Compiled } from "../filter/compile.js";
import { ATOM_VERSION_ATTRIBUTE, WRITE_IDS_ATTRIBUTE } from "../schema/bookkeeping.js";
import type { FieldChanges } from "../update/fast.js";
import { type Basis, conditionOn } from "./conditions.js";

/**
 * One update of an atom's item without reading it: the field changes, the bookkeeping of the
 * write (the next version and write ids, exactly as a swap writes them), only over the state it
 * was planned on, and only where the `where` condition surely holds. The new item comes back
 * (ALL_NEW); a refused one answers the item as it is (ALL_OLD), so a retry needs no read.
 *
 * @example updateAtom("app", key, changes, basis, { N: "8" }, { S: ".a1.b2." }, undefined)
 */
export function updateAtom(
  table: string,
  key: Item,
  changes: FieldChanges,
  basis: Basis,
  bookkeeping: { readonly version: AttributeValue; readonly writes: AttributeValue },
  where: Compiled | undefined,
): UpdateItemCommandInput {
  const state = conditionOn(basis);
  const set = [...changes.set, "#ver = :nver", "#w = :nw"];
  const clauses = [
    `SET ${set.join(", ")}`,
    ...(changes.add.length > 0 ? [`ADD ${changes.add.join(", ")}`] : []),
    ...(changes.remove.length > 0 ? [`REMOVE ${changes.remove.join(", ")}`] : []),
    ...(changes.delete.length > 0 ? [`DELETE ${changes.delete.join(", ")}`] : []),
  ];
  const condition = [
    state.ConditionExpression,
    ...changes.guards,
    ...(where === undefined ? [] : [where.expression]),
  ].join(" AND ");
  return {
    TableName: table,
    Key: key,
    UpdateExpression: clauses.join(" "),
    ConditionExpression: condition,
    ExpressionAttributeNames: {
      ...state.ExpressionAttributeNames,
      "#ver": ATOM_VERSION_ATTRIBUTE,
      "#w": WRITE_IDS_ATTRIBUTE,
      ...changes.names,
      ...where?.names,
    },
    ExpressionAttributeValues: {
      ...state.ExpressionAttributeValues,
      ":nver": bookkeeping.version,
      ":nw": bookkeeping.writes,
      ...changes.values,
      ...where?.values,
    },
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}
