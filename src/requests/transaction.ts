import type { TransactWriteItem, TransactWriteItemsCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * One TransactWriteItems request. The token makes a resend within 10 minutes answer the first
 * one's outcome instead of running again.
 */
export function transactWrite(
  items: readonly TransactWriteItem[],
  token: string,
): TransactWriteItemsCommandInput {
  return { TransactItems: [...items], ClientRequestToken: token };
}
