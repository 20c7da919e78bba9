import type {
  BatchGetItemCommandInput,
  BatchWriteItemCommandInput,
  WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { Item } from "../encoding/item.js";
import { WRITE_IDS_ATTRIBUTE } from "../schema/bookkeeping.js";
import { type Projection, projectionInput } from "./projection.js";

/** BatchWriteItem takes at most 25 requests (25 × 400 KB stays under its 16 MB). */
export const WRITE_CHUNK = 25;
/** BatchGetItem takes at most 100 keys, and refuses a request that names one key twice. */
export const READ_CHUNK = 100;

/** One BatchWriteItem request: puts and deletes on one table. */
export function batchWrite(
  table: string,
  requests: readonly WriteRequest[],
): BatchWriteItemCommandInput {
  return { RequestItems: { [table]: [...requests] } };
}

/**
 * One BatchGetItem request: whole items, or with a projection only those attributes (answers
 * come back in any order, so a projection for this read keeps `pk` and `sk` to match them up).
 *
 * @example batchGet("app", [{ pk: { S: "…" }, sk: { S: "…" } }], true, projectionOf(["pk", "sk", "n"]))
 */
export function batchGet(
  table: string,
  keys: readonly Item[],
  consistent: boolean,
  projection?: Projection,
): BatchGetItemCommandInput {
  return {
    RequestItems: {
      [table]: { Keys: [...keys], ConsistentRead: consistent, ...projectionInput(projection) },
    },
  };
}

/**
 * After a lost batch answer: the keys and write ids of the items, strongly consistently, and
 * nothing else (the cheapest read that tells which writes applied).
 */
export function batchWriteIds(table: string, keys: readonly Item[]): BatchGetItemCommandInput {
  return {
    RequestItems: {
      [table]: {
        Keys: keys.map(({ pk, sk }) => ({ pk, sk }) as Item),
        ConsistentRead: true,
        ProjectionExpression: "#pk, #sk, #w",
        ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk", "#w": WRITE_IDS_ATTRIBUTE },
      },
    },
  };
}
