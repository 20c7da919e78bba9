import type {
  AttributeValue,
  BatchGetItemCommandInput,
  BatchWriteItemCommandInput,
  WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { WRITE_IDS_ATTRIBUTE } from "../schema/bookkeeping.js";

type Item = Record<string, AttributeValue>;

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

/** One BatchGetItem request for whole items. */
export function batchGet(
  table: string,
  keys: readonly Item[],
  consistent: boolean,
): BatchGetItemCommandInput {
  return { RequestItems: { [table]: { Keys: [...keys], ConsistentRead: consistent } } };
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
