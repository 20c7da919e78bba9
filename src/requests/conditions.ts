import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  ATOM_VERSION_ATTRIBUTE,
  nowSeconds,
  TTL_ATTRIBUTE,
  WRITE_IDS_ATTRIBUTE,
  type WriteIdsForm,
  writeIdOperand,
} from "../schema/bookkeeping.js";

/** The state a write was computed from, as far as its condition needs it. */
export interface Basis {
  readonly exists: boolean;
  readonly version: number;
  /** Ids of the item's last writes, newest last. */
  readonly writes: readonly string[];
  /** How the item stores them: this release's text form when absent. */
  readonly writesForm?: WriteIdsForm;
  /** When the item expires (epoch seconds), if it does. */
  readonly ttl?: number;
}

/** A condition expression with its names and values, ready to spread into a request. */
export interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/**
 * The condition that makes a write apply only to the state it was computed from: the same
 * version, and (for items dynatom wrote) the same last write. The write id also guards against
 * an item deleted and written again up to the same version meanwhile. It tests the write ids in
 * the form the basis held them (`contains` is a substring test on the text form and a membership
 * test on an older release's list), so a write on an item of an older release is exactly as
 * conditional as one on an item of this one.
 *
 * @example conditionOn({ exists: true, version: 7, writes: ["a1", "b2"] })
 * // #ver = :ver AND contains(#w, :last), with :last = { S: ".b2." }
 */
export function conditionOn(basis: Basis, now: number = nowSeconds()): Condition {
  const condition = stateCondition(basis);
  // A write decided on a live value must not land after that value expired (a lease renewed
  // by a handle that read it before it ran out): it is refused, and decided again as absent.
  if (!basis.exists || basis.ttl === undefined || basis.ttl <= now) return condition;
  return {
    ConditionExpression: `${condition.ConditionExpression} AND (attribute_not_exists(#ttl) OR #ttl > :now)`,
    ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, "#ttl": TTL_ATTRIBUTE },
    ExpressionAttributeValues: {
      ...condition.ExpressionAttributeValues,
      ":now": { N: String(now) },
    },
  };
}

function stateCondition(basis: Basis): Condition {
  if (!basis.exists) {
    return {
      ConditionExpression: "attribute_not_exists(#pk)",
      ExpressionAttributeNames: { "#pk": "pk" },
    };
  }
  const last = basis.writes.at(-1);
  if (basis.version === 0) {
    // An item written blind (batch or transaction put) or by another tool: no version to
    // compare, but a blind write leaves a write id, which tells two such writes apart.
    const unversioned = "attribute_exists(#pk) AND attribute_not_exists(#ver)";
    return last === undefined
      ? {
          ConditionExpression: unversioned,
          ExpressionAttributeNames: { "#pk": "pk", "#ver": ATOM_VERSION_ATTRIBUTE },
        }
      : {
          ConditionExpression: `${unversioned} AND contains(#w, :last)`,
          ExpressionAttributeNames: {
            "#pk": "pk",
            "#ver": ATOM_VERSION_ATTRIBUTE,
            "#w": WRITE_IDS_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ":last": writeIdOperand(last, basis.writesForm ?? "text") },
        };
  }
  return {
    ConditionExpression: last === undefined ? "#ver = :ver" : "#ver = :ver AND contains(#w, :last)",
    ExpressionAttributeNames:
      last === undefined
        ? { "#ver": ATOM_VERSION_ATTRIBUTE }
        : { "#ver": ATOM_VERSION_ATTRIBUTE, "#w": WRITE_IDS_ATTRIBUTE },
    ExpressionAttributeValues:
      last === undefined
        ? { ":ver": { N: String(basis.version) } }
        : {
            ":ver": { N: String(basis.version) },
            ":last": writeIdOperand(last, basis.writesForm ?? "text"),
          },
  };
}
