import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

/**
 * The AWS SDK client settings for a DynamoDB Local endpoint: that endpoint, a placeholder region
 * and placeholder credentials (DynamoDB Local checks neither; it runs with `-sharedDb`).
 *
 * @example
 * const client = new DynamoDBClient(localClientConfig(local.endpoint));
 */
export function localClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
}
